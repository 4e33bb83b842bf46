/**
 * WaitingRoomShard — one of SHARDS per event (named `<event id>:<k>`): takes the joins of the
 * callers hashed to it, so no one object sees every join of a burst (docs/waiting-room.md).
 *
 * Before the opening it numbers its own pre-queue entries; the coordinator (WaitingRoom) closes
 * that numbering at the draw. After the opening it gives out positions from a block the
 * coordinator lent it, and asks for the next block when the block is full or a second old.
 * What it must tell the coordinator (how many positions of each block it gave out) is kept in its
 * storage until the coordinator has taken it, so a failed call loses nothing.
 * Rules live in workers/domain/queue-shards.ts and workers/domain/admission.ts.
 */
import { DurableObject } from "cloudflare:workers";
import { roomPhase, type QueueTicket } from "../workers/domain/admission";
import { BLOCK_MAX_AGE_MS, countJoin, type JoinWindow } from "../workers/domain/queue-shards";
import type { WaitingRoom } from "./waiting-room";
import type { JoinOutcome, RoomConfig } from "./waiting-room-types";
import { migrateStorage } from "./schema-migrations";
import { JoinRowWriter } from "./waiting-room-shard-writes";

const SCHEMA: readonly string[] = [
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
  `CREATE TABLE joins (
     join_id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('pre', 'position')),
     number INTEGER NOT NULL, joined_at INTEGER NOT NULL, UNIQUE (kind, number))`,
];

interface JoinRow {
  kind: "pre" | "position";
  number: number;
  joined_at: number;
  /** Until the row is written: a re-join arriving meanwhile answers only once it is. */
  written?: Promise<void>;
}

export interface BlockReport {
  start: number;
  used: number;
}

interface ShardState {
  shard: number;
  preEntries: number;
  preClosed: boolean;
  block: { start: number; size: number; used: number; lentAt: number } | null;
  /** Blocks this shard stopped using, with how many positions it gave out: for the coordinator. */
  reports: BlockReport[];
}

export class WaitingRoomShard extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private state: ShardState = { shard: 0, preEntries: 0, preClosed: false, block: null, reports: [] };
  private readonly joinsByIp = new Map<string, JoinWindow>();
  /** Every row of `joins`, loaded at start-up and added to after each insert: a join looks its id up here, not with a SELECT. */
  private readonly joined = new Map<string, JoinRow>();
  private lending: Promise<number> | null = null;
  private schemaVersion = 0;
  /** Since this instance started, for the load test's figures. */
  private readonly counters = { joins: 0, coordinator_calls: 0 };
  /** Pre-queue rows by group commit: the joins delivered within a turn of the event loop share one statement. */
  private readonly writes: JoinRowWriter;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.writes = new JoinRowWriter(this.sql, (error) => {
      // Reset: memory (numbering, map, address counts) is reloaded from the rows that were written.
      console.error(JSON.stringify({ level: "error", where: "waiting-room-shard", error: String(error) }));
      try {
        ctx.abort("a join row could not be written");
      } catch {
        // abort() also throws here; the object is reset either way.
      }
    });
    void ctx.blockConcurrencyWhile(async () => {
      this.schemaVersion = migrateStorage(this.sql, SCHEMA);
      const stored = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'state'").toArray()[0];
      if (stored) this.state = JSON.parse(stored.value) as ShardState;
      // A pre-queue join writes its row only (not the state): the count of entries is the highest one written.
      let written = 0;
      for (const row of this.sql.exec<{ join_id: string; kind: "pre" | "position"; number: number; joined_at: number }>("SELECT join_id, kind, number, joined_at FROM joins")) {
        this.joined.set(row.join_id, { kind: row.kind, number: row.number, joined_at: row.joined_at });
        if (row.kind === "pre") written = Math.max(written, row.number);
      }
      this.state.preEntries = Math.max(this.state.preEntries, written);
    });
  }

  /** Takes a place: a pre-queue entry of this shard before the opening, the next position after it. */
  async join(config: RoomConfig, shard: number, joinId: string, ip: string): Promise<JoinOutcome> {
    this.state.shard = shard;
    const previous = this.joined.get(joinId);
    if (previous) {
      if (previous.written) await previous.written;
      return { ok: true, ticket: ticketOf(previous.kind, previous.number, shard), joinedAt: previous.joined_at };
    }
    const now = Date.now();
    const phase = roomPhase(config.settings, now);
    if (phase === "closed") return { ok: false, code: "closed" };
    if (phase === "off") return { ok: false, code: "not_configured" };
    if (phase === "not_yet" && !this.state.preClosed) return { ok: false, code: "not_open", preQueueFrom: config.settings.preQueueFrom };
    const counted = countJoin(this.joinsByIp.get(ip), now);
    if (counted.retryAfterSeconds !== null) return { ok: false, code: "rate_limited", retryAfterSeconds: counted.retryAfterSeconds };
    this.rememberJoin(ip, counted.window, now);

    if (!this.state.preClosed && now < config.settings.opensAt) {
      // Decided here, in this step and in arrival order (the next dense number, the map entry a
      // re-join finds); only the row's write is shared with the joins arriving meanwhile.
      // One write per pre-queue entry: its row is its number (read back at start-up), not the state.
      const entry = ++this.state.preEntries;
      this.counters.joins++;
      const row: JoinRow = { kind: "pre", number: entry, joined_at: now };
      row.written = this.writes.add({ joinId, kind: "pre", number: entry, joinedAt: now });
      this.joined.set(joinId, row);
      await row.written;
      delete row.written;
      return { ok: true, ticket: { kind: "pre", entry, shard }, joinedAt: now };
    }
    const position = await this.nextPosition(config, now);
    // The same join may have arrived twice (a double tap) and taken a position while this one waited
    // for a block: it keeps that one, and this position stays a hole, as an abandoned place does.
    const raced = this.joined.get(joinId);
    if (raced) return { ok: true, ticket: ticketOf(raced.kind, raced.number, shard), joinedAt: raced.joined_at };
    this.counters.joins++;
    this.sql.exec("INSERT INTO joins (join_id, kind, number, joined_at) VALUES (?, ?, ?, ?)", joinId, "position", position, now);
    this.joined.set(joinId, { kind: "position", number: position, joined_at: now });
    // A position's block changed, so its state is kept.
    this.save();
    return { ok: true, ticket: { kind: "position", position }, joinedAt: now };
  }

  /** The draw is due: no more entries here; answers how many this shard gave out. */
  async closePreQueue(): Promise<{ entries: number }> {
    if (!this.state.preClosed) {
      // Entries numbered but not yet written are written now, in this step: they commit with the close.
      this.writes.flush();
      this.state.preClosed = true;
      this.save();
    }
    return { entries: this.state.preEntries };
  }

  /** The coordinator wants the watermark past this shard's block: stop using it, say what was given out. */
  async seal(): Promise<BlockReport[]> {
    this.closeBlock();
    this.save();
    return this.state.reports;
  }

  async stats(): Promise<{ joins: number; coordinator_calls: number; pre_entries: number; row_statements: number; rows_written: number }> {
    return { ...this.counters, pre_entries: this.state.preEntries, row_statements: this.writes.counts.statements, rows_written: this.writes.counts.rows };
  }

  async describe(): Promise<{ kind: "WaitingRoomShard"; schema_version: number }> {
    return { kind: "WaitingRoomShard", schema_version: this.schemaVersion };
  }

  // -------------------------------------------------------------------------------------------

  private async nextPosition(config: RoomConfig, now: number): Promise<number> {
    for (;;) {
      const block = this.state.block;
      if (block && block.used < block.size && now - block.lentAt < BLOCK_MAX_AGE_MS) return block.start + block.used++;
      if (this.lending) {
        await this.lending.catch(() => undefined);
        continue;
      }
      // The join that asks for a block takes its first position; others wait for it and go on.
      this.lending = this.borrow(config);
      try {
        return await this.lending;
      } finally {
        this.lending = null;
      }
    }
  }

  private async borrow(config: RoomConfig): Promise<number> {
    this.closeBlock();
    this.save();
    const sent = this.state.reports;
    this.counters.coordinator_calls++;
    const coordinator = (this.env.WAITING_ROOM as unknown as DurableObjectNamespace<WaitingRoom>).getByName(config.eventId);
    const lent = await coordinator.lend(config, this.state.shard, sent);
    const taken = new Set(sent.map((r) => r.start));
    this.state.reports = this.state.reports.filter((r) => !taken.has(r.start));
    this.closeBlock();
    this.state.block = { start: lent.start, size: lent.size, used: 1, lentAt: Date.now() };
    this.save();
    return lent.start;
  }

  private closeBlock(): void {
    const block = this.state.block;
    if (!block) return;
    this.state.reports.push({ start: block.start, used: block.used });
    this.state.block = null;
  }

  private rememberJoin(ip: string, window: JoinWindow, now: number): void {
    if (this.joinsByIp.size > 50_000) {
      for (const [key, value] of this.joinsByIp) if (now - value.windowStart >= 60_000) this.joinsByIp.delete(key);
    }
    this.joinsByIp.set(ip, window);
  }

  private save(): void {
    // Rows of entries already numbered go first, in this step: the saved count never runs ahead of the rows.
    this.writes.flush();
    this.sql.exec("INSERT INTO meta (key, value) VALUES ('state', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", JSON.stringify(this.state));
  }
}

function ticketOf(kind: "pre" | "position", number: number, shard: number): QueueTicket {
  return kind === "pre" ? { kind: "pre", entry: number, shard } : { kind: "position", position: number };
}
