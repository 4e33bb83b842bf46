/**
 * WaitingRoom — one per event with a waiting room: hands out queue places, draws the pre-queue at
 * opening, and moves the released-up-to watermark at the organizer's rate.
 *
 * The object sees joins, admissions (an access token claimed, a purchase finished) and about one
 * view a second per edge location; status polls are answered at the edge from that view (see
 * workers/waiting-room-client.ts). Every method runs to completion over its own SQLite storage, so
 * each join and each release is atomic. Outcomes are values. A join is named by its caller, so a
 * retried join answers with the first place; a tick that runs twice lets no one extra in (the
 * token bucket in workers/domain/admission.ts counts time, not calls). One alarm ticks once a
 * second while anyone waits, and at the opening.
 */
import { DurableObject } from "cloudflare:workers";
import {
  admissionsDue,
  roomPhase,
  type QueueTicket,
  type RoomSettings,
  type RoomView,
} from "../workers/domain/admission";
import { decidePassUse, type PassUse } from "../workers/domain/queue-pass";
import type { TierInventory } from "./tier-inventory";
import { migrateStorage } from "./schema-migrations";

const SCHEMA: readonly string[] = [
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
  `CREATE TABLE joins (
     join_id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('pre', 'position')),
     number INTEGER NOT NULL, joined_at INTEGER NOT NULL, UNIQUE (kind, number))`,
  // One row per release: positions (previous up_to, up_to] were let in at released_at.
  "CREATE TABLE releases (up_to INTEGER PRIMARY KEY, size INTEGER NOT NULL, released_at INTEGER NOT NULL)",
  "CREATE INDEX releases_at ON releases (released_at)",
  "CREATE TABLE admissions (position INTEGER PRIMARY KEY, claimed_at INTEGER, finished_at INTEGER)",
  // The order a pass is being used for (workers/domain/queue-pass.ts): one at a time, and none after a purchase.
  "ALTER TABLE admissions ADD COLUMN hold_id TEXT",
  "CREATE INDEX admissions_hold ON admissions (hold_id) WHERE hold_id IS NOT NULL",
];

const TICK_MS = 1_000;
const SOLD_OUT_TICK_MS = 5_000;
const INVENTORY_REFRESH_MS = 1_000;
/** Places one address may take a minute: a household or an office, not a lottery of pre-queue entries. */
export const JOINS_PER_IP_PER_MINUTE = 10;

export interface RoomConfig {
  eventId: string;
  settings: RoomSettings;
  tierIds: string[];
}

interface RoomState {
  config: RoomConfig | null;
  seed: string;
  commitment: string;
  opened: boolean;
  /** Pre-queue entries handed out (their count is the pre-queue's size once opened). */
  entries: number;
  lastPosition: number;
  releasedUpTo: number;
  credit: number;
  lastTickAt: number;
  ticketsLeft: number | null;
  soldOut: boolean;
  inventoryCheckedAt: number;
}

export type JoinOutcome =
  | { ok: true; ticket: QueueTicket; joinedAt: number }
  | { ok: false; code: "rate_limited"; retryAfterSeconds: number }
  | { ok: false; code: "not_open"; preQueueFrom: number }
  | { ok: false; code: "closed" | "not_configured" };

export type ClaimOutcome =
  | { ok: true; position: number; releasedAt: number; expiresAt: number }
  | { ok: false; code: "not_admitted" | "session_ended" | "not_configured" };

export interface RoomStats {
  joins: number;
  views: number;
  claims: number;
  waiting: number;
  active: number;
  admitted: number;
  admitted_last_minute: number;
  released_up_to: number;
  last_position: number;
  pre_queue_size: number;
  opened: boolean;
}

export interface Fairness {
  commitment: string;
  opened: boolean;
  seed: string | null;
  pre_queue_size: number | null;
}

export class WaitingRoom extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private schemaVersion = 0;
  private state!: RoomState;
  private alarmAt: number | null = null;
  /** Joins per caller address in the current minute; memory is enough for a rate limit. */
  private readonly joinsByIp = new Map<string, { windowStart: number; count: number }>();
  /** Since this instance started: what reached the object, for the load test's figures. */
  private readonly counters = { joins: 0, views: 0, claims: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      this.schemaVersion = migrateStorage(this.sql, SCHEMA);
      const stored = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'state'").toArray()[0];
      if (stored) {
        this.state = JSON.parse(stored.value) as RoomState;
      } else {
        // The seed is fixed, and its hash published, before anyone can join.
        const seed = toHex(crypto.getRandomValues(new Uint8Array(32)));
        this.state = {
          config: null,
          seed,
          commitment: await sha256Hex(seed),
          opened: false,
          entries: 0,
          lastPosition: 0,
          releasedUpTo: 0,
          credit: 0,
          lastTickAt: 0,
          ticketsLeft: null,
          soldOut: false,
          inventoryCheckedAt: 0,
        };
        this.save();
      }
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /** Takes a place: a pre-queue entry before the opening, the next position after it. */
  async join(config: RoomConfig, joinId: string, ip: string): Promise<JoinOutcome> {
    return (await this.joinMany(config, [{ joinId, ip }]))[0]!;
  }

  /**
   * Several joins in one call and one storage commit, in the order given: the lever for a sharded
   * or batching front (docs/waiting-room.md). Coalescing joins across requests in one isolate was
   * measured slower under wrangler dev than one call per join, so the Worker sends them singly.
   */
  async joinMany(config: RoomConfig, requests: { joinId: string; ip: string }[]): Promise<JoinOutcome[]> {
    const now = Date.now();
    this.configure(config, now);
    const outcomes = requests.map(({ joinId, ip }) => this.joinOne(config, joinId, ip, now));
    if (this.state.opened) this.release(now);
    this.save();
    this.scheduleTick(now);
    return outcomes;
  }

  private joinOne(config: RoomConfig, joinId: string, ip: string, now: number): JoinOutcome {
    const previous = this.sql.exec<{ kind: "pre" | "position"; number: number; joined_at: number }>("SELECT kind, number, joined_at FROM joins WHERE join_id = ?", joinId).toArray()[0];
    if (previous) return { ok: true, ticket: ticketOf(previous.kind, previous.number), joinedAt: previous.joined_at };

    const phase = roomPhase(config.settings, now);
    if (phase === "closed") return { ok: false, code: "closed" };
    if (phase === "off") return { ok: false, code: "not_configured" };
    if (phase === "not_yet" && !this.state.opened) return { ok: false, code: "not_open", preQueueFrom: config.settings.preQueueFrom };
    const limited = this.countJoin(ip, now);
    if (limited) return limited;

    this.counters.joins++;
    let ticket: QueueTicket;
    if (this.state.opened) {
      this.state.lastPosition += 1;
      ticket = { kind: "position", position: this.state.lastPosition };
    } else {
      this.state.entries += 1;
      ticket = { kind: "pre", entry: this.state.entries };
    }
    this.sql.exec(
      "INSERT INTO joins (join_id, kind, number, joined_at) VALUES (?, ?, ?, ?)",
      joinId, ticket.kind, ticket.kind === "pre" ? ticket.entry : ticket.position, now,
    );
    return { ok: true, ticket, joinedAt: now };
  }

  /** What the edge caches for a second and answers every status poll from. */
  async view(config: RoomConfig): Promise<RoomView & { commitment: string }> {
    const now = Date.now();
    this.counters.views++;
    this.configure(config, now);
    return this.present(now);
  }

  async fairness(config: RoomConfig): Promise<Fairness> {
    this.configure(config, Date.now());
    return {
      commitment: this.state.commitment,
      opened: this.state.opened,
      seed: this.state.opened ? this.state.seed : null,
      pre_queue_size: this.state.opened ? this.state.entries : null,
    };
  }

  /**
   * An admitted position asks for its access: allowed once its release is known, until its
   * session (counted from the release) ends. Asking again answers the same expiry.
   */
  async claimAccess(position: number): Promise<ClaimOutcome> {
    const now = Date.now();
    const config = this.state.config;
    if (!config) return { ok: false, code: "not_configured" };
    if (!Number.isInteger(position) || position < 1 || position > this.state.releasedUpTo) return { ok: false, code: "not_admitted" };
    const release = this.sql.exec<{ released_at: number }>("SELECT released_at FROM releases WHERE up_to >= ? ORDER BY up_to LIMIT 1", position).toArray()[0];
    if (!release) return { ok: false, code: "not_admitted" };
    const expiresAt = release.released_at + config.settings.sessionMinutes * 60_000;
    const admission = this.sql.exec<{ finished_at: number | null }>("SELECT finished_at FROM admissions WHERE position = ?", position).toArray()[0];
    if (expiresAt <= now || admission?.finished_at) return { ok: false, code: "session_ended" };
    this.counters.claims++;
    if (!admission) this.sql.exec("INSERT INTO admissions (position, claimed_at) VALUES (?, ?)", position, now);
    return { ok: true, position, releasedAt: release.released_at, expiresAt };
  }

  /**
   * Register's check of a pass, in the same serialized step that marks it: a pass buys one order.
   * The same order asking again (a retry) is let through; another order takes the pass over from the
   * open one (named in the answer, for the Worker to release), and none once one is paid
   * (workers/domain/queue-pass.ts).
   */
  async usePass(position: number, holdId: string): Promise<PassUse> {
    const now = Date.now();
    const config = this.state.config;
    if (!config || !Number.isInteger(position) || position < 1 || position > this.state.releasedUpTo) return { ok: false, code: "not_admitted" };
    const release = this.sql.exec<{ released_at: number }>("SELECT released_at FROM releases WHERE up_to >= ? ORDER BY up_to LIMIT 1", position).toArray()[0];
    const pass = this.sql.exec<{ finished_at: number | null; hold_id: string | null }>("SELECT finished_at, hold_id FROM admissions WHERE position = ?", position).toArray()[0];
    const decision = decidePassUse({
      pass: pass && { finishedAt: pass.finished_at, holdId: pass.hold_id },
      holdId,
      sessionEndsAt: release ? release.released_at + config.settings.sessionMinutes * 60_000 : 0,
      now,
    });
    if (decision.ok && decision.bind) {
      this.sql.exec(
        "INSERT INTO admissions (position, claimed_at, hold_id) VALUES (?, ?, ?) ON CONFLICT (position) DO UPDATE SET hold_id = excluded.hold_id",
        position, now, holdId,
      );
    }
    return decision.ok ? { ok: true, replaces: decision.replaces } : decision;
  }

  /** Whether the pass is (still) used for this order: a later order may have taken it over meanwhile. */
  async holdsPass(position: number, holdId: string): Promise<boolean> {
    const row = this.sql.exec<{ hold_id: string | null }>("SELECT hold_id FROM admissions WHERE position = ?", position).toArray()[0];
    return row?.hold_id === holdId;
  }

  /**
   * The order a pass was used for ended: paid, the pass is spent and its shopping slot goes back to
   * the queue; unpaid (declined, expired, released), the pass may buy again while its session lasts.
   */
  async settlePass(holdId: string, outcome: "paid" | "unpaid"): Promise<{ ok: true; settled: boolean }> {
    const row = this.sql.exec<{ position: number }>("SELECT position FROM admissions WHERE hold_id = ?", holdId).toArray()[0];
    if (!row) return { ok: true, settled: false };
    if (outcome === "paid") return { ok: true, settled: (await this.finish(row.position)).freed };
    this.sql.exec("UPDATE admissions SET hold_id = NULL WHERE position = ? AND finished_at IS NULL", row.position);
    return { ok: true, settled: true };
  }

  /** A purchase went through with this position's access: its shopping slot is free again. */
  async finish(position: number): Promise<{ ok: true; freed: boolean }> {
    if (!Number.isInteger(position) || position < 1 || position > this.state.releasedUpTo) return { ok: true, freed: false };
    const now = Date.now();
    const row = this.sql.exec<{ finished_at: number | null }>("SELECT finished_at FROM admissions WHERE position = ?", position).toArray()[0];
    if (row?.finished_at) return { ok: true, freed: false };
    this.sql.exec(
      "INSERT INTO admissions (position, claimed_at, finished_at) VALUES (?, ?, ?) ON CONFLICT (position) DO UPDATE SET finished_at = excluded.finished_at",
      position, now, now,
    );
    if (this.release(now) > 0) this.save();
    this.scheduleTick(now);
    return { ok: true, freed: true };
  }

  /**
   * One step of the room at `now`: draw the pre-queue if the opening has come, refresh what is
   * left to sell, let in whoever the rate, the free slots and the inventory allow. The alarm runs
   * it with the clock; tests run it with an explicit `now` to move time without waiting.
   */
  async tick(now: number): Promise<RoomStats> {
    await this.refreshInventory(now);
    this.openIfDue(now);
    if (this.state.opened) this.release(now);
    this.save();
    this.scheduleTick(now, true);
    return this.stats(now);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    await this.tick(Date.now());
  }

  async stats(now = Date.now()): Promise<RoomStats> {
    const admitted = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM admissions WHERE claimed_at IS NOT NULL").one().n;
    return {
      ...this.counters,
      waiting: this.waiting(),
      active: this.active(now),
      admitted,
      admitted_last_minute: this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM admissions WHERE claimed_at > ?", now - 60_000).one().n,
      released_up_to: this.state.releasedUpTo,
      last_position: this.state.lastPosition,
      pre_queue_size: this.state.opened ? this.state.entries : 0,
      opened: this.state.opened,
    };
  }

  async describe(): Promise<{ kind: "WaitingRoom"; schema_version: number }> {
    return { kind: "WaitingRoom", schema_version: this.schemaVersion };
  }

  // -------------------------------------------------------------------------------------------

  private configure(config: RoomConfig, now: number): void {
    if (JSON.stringify(config) !== JSON.stringify(this.state.config)) {
      this.state.config = config;
      if (!this.state.opened) this.state.lastTickAt = Math.max(this.state.lastTickAt, config.settings.opensAt);
      this.save();
    }
    if (this.openIfDue(now)) {
      this.release(now);
      this.save();
    }
    this.scheduleTick(now);
  }

  /** The draw: pre-queue entries take positions 1..N in the order of drawPreQueue(seed, N). */
  private openIfDue(now: number): boolean {
    const config = this.state.config;
    if (this.state.opened || !config || now < config.settings.opensAt) return false;
    this.state.opened = true;
    this.state.lastPosition = this.state.entries;
    this.state.lastTickAt = Math.max(config.settings.opensAt, Math.min(now, this.state.lastTickAt || now));
    this.state.credit = 0;
    this.save();
    return true;
  }

  /** Lets in whoever is due; returns how many. */
  private release(now: number): number {
    const settings = this.state.config?.settings;
    if (!settings || !this.state.opened) return 0;
    const decision = admissionsDue({
      now,
      lastTickAt: this.state.lastTickAt,
      credit: this.state.credit,
      admitPerMinute: settings.admitPerMinute,
      maxActiveShoppers: settings.maxActiveShoppers,
      active: this.active(now),
      waiting: this.waiting(),
      soldOut: this.state.soldOut,
    });
    this.state.credit = decision.credit;
    this.state.lastTickAt = decision.lastTickAt;
    if (decision.release > 0) {
      this.state.releasedUpTo += decision.release;
      this.sql.exec(
        "INSERT INTO releases (up_to, size, released_at) VALUES (?, ?, ?)",
        this.state.releasedUpTo, decision.release, Math.max(now, this.lastReleaseAt()),
      );
    }
    return decision.release;
  }

  private waiting(): number {
    return this.state.lastPosition - this.state.releasedUpTo;
  }

  /** Let in within the last session length, less those who finished buying. */
  private active(now: number): number {
    const session = (this.state.config?.settings.sessionMinutes ?? 0) * 60_000;
    const ended = this.sql.exec<{ up_to: number | null }>("SELECT max(up_to) AS up_to FROM releases WHERE released_at <= ?", now - session).one().up_to ?? 0;
    const finished = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM admissions WHERE position > ? AND finished_at IS NOT NULL", ended).one().n;
    return this.state.releasedUpTo - ended - finished;
  }

  private lastReleaseAt(): number {
    return this.sql.exec<{ at: number | null }>("SELECT max(released_at) AS at FROM releases").one().at ?? 0;
  }

  /**
   * Asks every tier what is left, at most once a second. A tier whose inventory is not set up yet
   * leaves the figure unknown: the room never calls a sale sold out on a guess.
   */
  private async refreshInventory(now: number): Promise<void> {
    const config = this.state.config;
    if (!config || config.tierIds.length === 0 || now - this.state.inventoryCheckedAt < INVENTORY_REFRESH_MS) return;
    this.state.inventoryCheckedAt = now;
    const namespace = this.env.TIER_INVENTORY as unknown as DurableObjectNamespace<TierInventory>;
    const snapshots = await Promise.all(config.tierIds.map((id) => namespace.getByName(id).snapshot()));
    if (snapshots.some((s) => !s.configured)) {
      this.state.ticketsLeft = null;
      this.state.soldOut = false;
      return;
    }
    this.state.ticketsLeft = snapshots.reduce((sum, s) => sum + s.available, 0);
    this.state.soldOut = this.state.ticketsLeft === 0;
  }

  private present(now: number): RoomView & { commitment: string } {
    const settings = this.state.config!.settings;
    return {
      opened: this.state.opened,
      closed: roomPhase(settings, now) === "closed",
      opensAt: settings.opensAt,
      releasedUpTo: this.state.releasedUpTo,
      lastPosition: this.state.lastPosition,
      preQueueSize: this.state.opened ? this.state.entries : 0,
      seed: this.state.opened ? this.state.seed : null,
      commitment: this.state.commitment,
      ticketsLeft: this.state.ticketsLeft,
      soldOut: this.state.soldOut,
      admitPerMinute: settings.admitPerMinute,
    };
  }

  private countJoin(ip: string, now: number): JoinOutcome | undefined {
    const window = this.joinsByIp.get(ip);
    if (!window || now - window.windowStart >= 60_000) {
      if (this.joinsByIp.size > 50_000) {
        for (const [key, value] of this.joinsByIp) if (now - value.windowStart >= 60_000) this.joinsByIp.delete(key);
      }
      this.joinsByIp.set(ip, { windowStart: now, count: 1 });
      return undefined;
    }
    if (window.count >= JOINS_PER_IP_PER_MINUTE) {
      return { ok: false, code: "rate_limited", retryAfterSeconds: Math.ceil((window.windowStart + 60_000 - now) / 1000) };
    }
    window.count++;
    return undefined;
  }

  /**
   * Keeps one alarm: at the opening while the pre-queue fills, every second while anyone waits
   * (every five while sold out, to notice units coming back). Writes only when the time moves.
   */
  private scheduleTick(now: number, fromTick = false): void {
    const config = this.state.config;
    let next: number | null = null;
    if (config && !this.state.opened) next = config.settings.opensAt;
    else if (config && this.waiting() > 0) next = now + (this.state.soldOut ? SOLD_OUT_TICK_MS : TICK_MS);
    if (next === null) return;
    // An alarm already due sooner serves; a tick always books the following one.
    if (!fromTick && this.alarmAt !== null && this.alarmAt <= next) return;
    this.alarmAt = next;
    void this.ctx.storage.setAlarm(next);
  }

  private save(): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES ('state', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", JSON.stringify(this.state));
  }
}

function ticketOf(kind: "pre" | "position", number: number): QueueTicket {
  return kind === "pre" ? { kind: "pre", entry: number } : { kind: "position", position: number };
}

function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}
