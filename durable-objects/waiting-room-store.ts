/**
 * WaitingRoom's SQLite storage: the schema and the queries its steps run. No decisions here; they
 * are in workers/domain/admission.ts, queue-shards.ts and queue-pass.ts.
 */
import { MAX_BLOCK_SIZE, type Block } from "../workers/domain/queue-shards";
import type { RoomState } from "../workers/domain/queue-room";
import { sha256Hex, toHex } from "./waiting-room-types";
import type { BlockReport } from "./waiting-room-shard";
import { NOTIFY_SCHEMA } from "./waiting-room-notify";

export const SCHEMA: readonly string[] = [
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
  // Joins before sharding; kept so an old room's storage still migrates. Shards hold joins now.
  `CREATE TABLE joins (
     join_id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('pre', 'position')),
     number INTEGER NOT NULL, joined_at INTEGER NOT NULL, UNIQUE (kind, number))`,
  // One row per release: positions (previous up_to, up_to] were let in at released_at; size counts people, not holes.
  "CREATE TABLE releases (up_to INTEGER PRIMARY KEY, size INTEGER NOT NULL, released_at INTEGER NOT NULL)",
  "CREATE INDEX releases_at ON releases (released_at)",
  "CREATE TABLE admissions (position INTEGER PRIMARY KEY, claimed_at INTEGER, finished_at INTEGER)",
  // The order a pass is being used for (workers/domain/queue-pass.ts): one at a time, and none after a purchase.
  "ALTER TABLE admissions ADD COLUMN hold_id TEXT",
  "CREATE INDEX admissions_hold ON admissions (hold_id) WHERE hold_id IS NOT NULL",
  // Positions lent to shards (workers/domain/queue-shards.ts).
  `CREATE TABLE blocks (
     start INTEGER PRIMARY KEY, size INTEGER NOT NULL, used INTEGER NOT NULL,
     sealed INTEGER NOT NULL DEFAULT 0, shard INTEGER NOT NULL, lent_at INTEGER NOT NULL)`,
  "CREATE INDEX blocks_lent_at ON blocks (lent_at)",
  // "Tell me by mail when it's my turn" (durable-objects/waiting-room-notify.ts).
  ...NOTIFY_SCHEMA,
];

export class RoomStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Every block with a position past `position`, in order. */
  blocksAfter(position: number): Block[] {
    return this.sql
      // A block is at most MAX_BLOCK_SIZE long, so the primary key bounds the scan (the old form read every block ever lent).
      .exec<{ start: number; size: number; used: number; sealed: number }>("SELECT start, size, used, sealed FROM blocks WHERE start > ? AND start + size - 1 > ? ORDER BY start", position - MAX_BLOCK_SIZE, position)
      .toArray()
      .map((b) => ({ start: b.start, size: b.size, used: b.used, sealed: b.sealed === 1 }));
  }

  /** `used` is 1 when the asking join takes the block's first position at once, 0 for a block an isolate fetched ahead. */
  lend(start: number, size: number, shard: number, now: number, used: 0 | 1 = 1): void {
    this.sql.exec("INSERT INTO blocks (start, size, used, sealed, shard, lent_at) VALUES (?, ?, ?, 0, ?, ?)", start, size, used, shard, now);
  }

  /** Blocks held by Worker isolates that did not report by `lentBy`: every position counts as given out (never fewer than were). */
  sealUnreported(shard: number, lentBy: number): void {
    this.sql.exec("UPDATE blocks SET used = size, sealed = 1 WHERE shard = ? AND sealed = 0 AND used < size AND lent_at <= ?", shard, lentBy);
  }

  lentSince(since: number): number {
    return this.sql.exec<{ n: number | null }>("SELECT sum(size) AS n FROM blocks WHERE lent_at > ?", since).one().n ?? 0;
  }

  /** A shard's word on a block is final; a report seen twice changes nothing. */
  seal(reports: readonly BlockReport[]): void {
    for (const r of reports) this.sql.exec("UPDATE blocks SET used = max(used, min(size, ?)), sealed = 1 WHERE start = ? AND sealed = 0", r.used, r.start);
  }

  /** Join shards (not Worker isolates: they cannot be asked) with a block not known to be finished, lent at or before `lentBy`. */
  shardsWithOpenBlocks(lentBy = Number.MAX_SAFE_INTEGER): number[] {
    return this.sql.exec<{ shard: number }>("SELECT DISTINCT shard FROM blocks WHERE sealed = 0 AND used < size AND lent_at <= ? AND shard >= 0", lentBy).toArray().map((r) => r.shard);
  }

  positionsGivenOut(): number {
    return this.sql.exec<{ n: number | null }>("SELECT sum(used) AS n FROM blocks").one().n ?? 0;
  }

  addRelease(upTo: number, size: number, at: number): void {
    const last = this.sql.exec<{ at: number | null }>("SELECT max(released_at) AS at FROM releases").one().at ?? 0;
    this.sql.exec("INSERT INTO releases (up_to, size, released_at) VALUES (?, ?, ?)", upTo, size, Math.max(at, last));
  }

  /** People let in so far: the releases count people, never holes. */
  peopleReleased(): number {
    return this.sql.exec<{ n: number | null }>("SELECT sum(size) AS n FROM releases").one().n ?? 0;
  }

  releaseOf(position: number): { released_at: number } | undefined {
    return this.sql.exec<{ released_at: number }>("SELECT released_at FROM releases WHERE up_to >= ? ORDER BY up_to LIMIT 1", position).toArray()[0];
  }

  /** People let in within the last session length who did not finish buying, and when the first of their sessions ends. */
  active(now: number, sessionMs: number): { active: number; firstEndsAt: number | null } {
    const cutoff = now - sessionMs;
    const ended = this.sql.exec<{ up_to: number | null }>("SELECT max(up_to) AS up_to FROM releases WHERE released_at <= ?", cutoff).one().up_to ?? 0;
    const running = this.sql.exec<{ n: number | null; first: number | null }>("SELECT sum(size) AS n, min(released_at) AS first FROM releases WHERE released_at > ?", cutoff).one();
    const finished = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM admissions WHERE position > ? AND finished_at IS NOT NULL", ended).one().n;
    return { active: Math.max(0, (running.n ?? 0) - finished), firstEndsAt: running.first === null ? null : running.first + sessionMs };
  }

  admission(position: number): { finished_at: number | null; hold_id: string | null } | undefined {
    return this.sql.exec<{ finished_at: number | null; hold_id: string | null }>("SELECT finished_at, hold_id FROM admissions WHERE position = ?", position).toArray()[0];
  }

  claim(position: number, now: number): void {
    this.sql.exec("INSERT INTO admissions (position, claimed_at) VALUES (?, ?) ON CONFLICT (position) DO NOTHING", position, now);
  }

  bindPass(position: number, holdId: string, now: number): void {
    this.sql.exec(
      "INSERT INTO admissions (position, claimed_at, hold_id) VALUES (?, ?, ?) ON CONFLICT (position) DO UPDATE SET hold_id = excluded.hold_id",
      position, now, holdId,
    );
  }

  positionHolding(holdId: string): number | undefined {
    return this.sql.exec<{ position: number }>("SELECT position FROM admissions WHERE hold_id = ?", holdId).toArray()[0]?.position;
  }

  unbindPass(position: number): void {
    this.sql.exec("UPDATE admissions SET hold_id = NULL WHERE position = ? AND finished_at IS NULL", position);
  }

  finish(position: number, now: number): void {
    this.sql.exec(
      "INSERT INTO admissions (position, claimed_at, finished_at) VALUES (?, ?, ?) ON CONFLICT (position) DO UPDATE SET finished_at = excluded.finished_at",
      position, now, now,
    );
  }

  admittedCounts(now: number): { admitted: number; lastMinute: number } {
    return {
      admitted: this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM admissions WHERE claimed_at IS NOT NULL").one().n,
      lastMinute: this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM admissions WHERE claimed_at > ?", now - 60_000).one().n,
    };
  }

  /** What the room's stats answer reads from storage (the object adds its call counters, who waits and who shops). */
  roomStats(state: RoomState, now: number) {
    const counts = this.admittedCounts(now);
    return {
      joins: state.preQueueSize + this.positionsGivenOut(),
      admitted: counts.admitted,
      admitted_last_minute: counts.lastMinute,
      released_up_to: state.releasedUpTo,
      released: this.peopleReleased(),
      last_position: state.lastPosition,
      pre_queue_size: state.opened ? state.preQueueSize : 0,
      opened: state.opened,
    };
  }

  /** The room's state, from storage (older rooms' shapes read as today's), or a new room's with its seed fixed and committed to. */
  async loadRoomState(): Promise<RoomState> {
    const stored = this.loadState<Omit<RoomState, "preQueueSize" | "preQueueOffsets"> & Partial<RoomState> & { entries?: number }>();
    if (stored) return { ...stored, preQueueSize: stored.preQueueSize ?? stored.entries ?? 0, preQueueOffsets: stored.preQueueOffsets ?? (stored.opened ? [0] : null) };
    // The seed is fixed, and its hash published, before anyone can join.
    const seed = toHex(crypto.getRandomValues(new Uint8Array(32)));
    const state: RoomState = {
      config: null, seed, commitment: await sha256Hex(seed), opened: false, preQueueSize: 0, preQueueOffsets: null,
      lastPosition: 0, releasedUpTo: 0, credit: 0, lastTickAt: 0, ticketsLeft: null, soldOut: false, inventoryCheckedAt: 0,
    };
    this.saveState(state);
    return state;
  }

  loadState<T>(): T | undefined {
    const stored = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'state'").toArray()[0];
    return stored ? (JSON.parse(stored.value) as T) : undefined;
  }

  saveState(state: unknown): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES ('state', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", JSON.stringify(state));
  }
}
