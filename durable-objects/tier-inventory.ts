/**
 * TierInventory — one per ticket tier: the only place its units and seats are held and sold.
 *
 * Every method runs to completion without awaiting anything but its own SQLite storage, so calls
 * are serialized and each check-then-claim is atomic. Outcomes are values (`{ok: false, code}`),
 * never thrown errors (custom error fields do not cross RPC). Every method is idempotent: a hold
 * is named by its caller, so a retried hold, confirm or release answers as the first one did.
 * Holds expire by one multiplexed alarm set to the earliest expiry; every method also expires
 * overdue holds first, so a late alarm never makes the tier look fuller than it is.
 *
 * The tier's waitlist lives here too, so that units freed by an expired hold, a declined payment, a
 * refund or a raised capacity go to the waitlist inside the same serialized step that frees them,
 * before any other buyer can ask (DESIGN invariant 5; the rule is in workers/domain/waitlist.ts).
 * An offer is a hold in the entrant's name. What the rest of the platform must learn (an offer was
 * made, an entry ended) is written to a local notice table in that same step and published to the
 * Queue by the alarm afterwards: no outbound I/O inside a critical section, nothing lost if the
 * publish fails (the alarm retries).
 */
import { DurableObject } from "cloudflare:workers";
import { chooseBestAvailable } from "../workers/domain/best-available";
import * as checkin from "../workers/domain/checkin";
import type { AdmitOutcome, AdmitRequest, UndoOutcome, UndoRequest } from "../workers/domain/checkin";
import { planOffers } from "../workers/domain/waitlist";
import type { WaitlistNotice } from "../workers/messages";
import { CHECKIN_SCHEMA, CheckinStore } from "./tier-inventory-checkins";
import { migrateStorage } from "./schema-migrations";

export type { Admission, AdmitOutcome, AdmitRequest, UndoOutcome, UndoRequest } from "../workers/domain/checkin";

const SCHEMA: readonly string[] = [
  `CREATE TABLE tier (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     tier_id TEXT NOT NULL, event_id TEXT NOT NULL, kind TEXT NOT NULL,
     capacity INTEGER NOT NULL, sold INTEGER NOT NULL DEFAULT 0, held INTEGER NOT NULL DEFAULT 0,
     CHECK (sold >= 0 AND held >= 0 AND sold + held <= capacity))`,
  `CREATE TABLE seats (
     label TEXT PRIMARY KEY, section TEXT NOT NULL, row TEXT NOT NULL, number INTEGER NOT NULL,
     x REAL NOT NULL, y REAL NOT NULL, accessible INTEGER NOT NULL,
     status TEXT NOT NULL DEFAULT 'available', hold_id TEXT)`,
  `CREATE TABLE holds (
     hold_id TEXT PRIMARY KEY, quantity INTEGER NOT NULL, seats TEXT NOT NULL,
     status TEXT NOT NULL, expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE INDEX holds_active_expiry ON holds (expires_at) WHERE status = 'active'`,
  `ALTER TABLE tier ADD COLUMN waitlist_enabled INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE tier ADD COLUMN offer_minutes INTEGER NOT NULL DEFAULT 30`,
  `ALTER TABLE tier ADD COLUMN closed INTEGER NOT NULL DEFAULT 0`,
  `CREATE TABLE waitlist (
     entry_id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, quantity INTEGER NOT NULL,
     status TEXT NOT NULL, pass_overs INTEGER NOT NULL DEFAULT 0,
     offer_hold_id TEXT, offer_expires_at INTEGER, joined_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`,
  `CREATE INDEX waitlist_waiting ON waitlist (seq) WHERE status = 'waiting'`,
  `CREATE TABLE returns (return_id TEXT PRIMARY KEY, quantity INTEGER NOT NULL, seats TEXT NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE TABLE notices (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)`,
  ...CHECKIN_SCHEMA,
];

export interface TierSetup {
  tierId: string;
  eventId: string;
  kind: "general_admission" | "seated";
  capacity: number;
  seats?: { label: string; section: string; row: string; number: number; x: number; y: number; accessible: boolean }[];
  waitlist?: { enabled: boolean; offerMinutes: number };
}

export interface HoldRequest {
  holdId: string;
  quantity: number;
  seats?: string[];
  bestAvailable?: boolean;
  accessible?: boolean;
  expiresAt: number;
}

export interface HeldUnits {
  hold_id: string;
  quantity: number;
  seats: string[];
  expires_at: number;
  status: "active" | "confirmed";
}

export type HoldOutcome =
  | { ok: true; hold: HeldUnits }
  | { ok: false; code: "not_configured" }
  | { ok: false; code: "sold_out"; available: number }
  | { ok: false; code: "seat_unavailable"; seats: string[] }
  | { ok: false; code: "invalid"; message: string }
  | { ok: false; code: "closed" };

export type ConfirmOutcome = { ok: true; hold: HeldUnits } | { ok: false; code: "hold_expired" | "unknown_hold" };
export type ReleaseOutcome = { ok: true; released: boolean } | { ok: false; code: "already_sold" };

export interface InventorySnapshot {
  configured: boolean;
  capacity: number;
  sold: number;
  held: number;
  /** What a buyer outside the waitlist can take now (0 while anyone waits: free units are theirs). */
  available: number;
  /** Waitlist entries waiting for an offer, and the units they ask for. */
  waiting: number;
  waiting_units: number;
  /** Tickets admitted at the door now, per check-in list. */
  checked_in: Record<string, number>;
}

export type WaitlistStatus = "waiting" | "offered" | "purchased" | "expired" | "left";

export interface WaitlistEntryView {
  entry_id: string;
  /** Join order within the tier: 1 for the first entry ever, never reused. */
  seq: number;
  status: WaitlistStatus;
  quantity: number;
  /** 1 for the next entry to be offered units; 0 once the entry is no longer waiting. */
  position: number;
  offer_hold_id: string | null;
  offer_expires_at: number | null;
  seats: string[];
}

export type JoinOutcome =
  | { ok: true; entry: WaitlistEntryView }
  | { ok: false; code: "not_configured" | "waitlist_disabled" | "closed" }
  | { ok: false; code: "invalid"; message: string };

export interface ReturnRequest {
  /** Names the return (e.g. the refund id): returning twice under one name returns once. */
  returnId: string;
  quantity: number;
  seats?: string[];
}

export type ReturnOutcome = { ok: true; returned: boolean } | { ok: false; code: "invalid"; message: string };

interface TierRow {
  tier_id: string;
  event_id: string;
  kind: string;
  capacity: number;
  sold: number;
  held: number;
  waitlist_enabled: number;
  offer_minutes: number;
  closed: number;
  [key: string]: SqlStorageValue;
}

interface EntryRow {
  entry_id: string;
  seq: number;
  quantity: number;
  status: WaitlistStatus;
  pass_overs: number;
  offer_hold_id: string | null;
  offer_expires_at: number | null;
  [key: string]: SqlStorageValue;
}

const offerHoldId = (entryId: string) => `offer_${entryId}`;

interface HoldRow {
  hold_id: string;
  quantity: number;
  seats: string;
  status: string;
  expires_at: number;
  [key: string]: SqlStorageValue;
}

export class TierInventory extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly checkins: CheckinStore;
  /** The alarm time last set, so a hold that does not move the earliest expiry writes nothing. */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.checkins = new CheckinStore(this.sql);
    void ctx.blockConcurrencyWhile(async () => {
      migrateStorage(this.sql, SCHEMA);
    });
  }

  /**
   * Creates the tier, or brings capacity, seats and waitlist settings up to date; capacity never
   * below what is sold or held. Units a raised capacity frees go to the waitlist first.
   */
  async configure(setup: TierSetup): Promise<{ ok: true } | { ok: false; code: "capacity_below_committed"; committed: number }> {
    const now = Date.now();
    const tier = this.tier();
    const capacity = setup.kind === "seated" ? (setup.seats?.length ?? 0) : setup.capacity;
    if (!tier) {
      this.sql.exec("INSERT INTO tier (id, tier_id, event_id, kind, capacity) VALUES (1, ?, ?, ?, ?)", setup.tierId, setup.eventId, setup.kind, capacity);
    } else {
      this.expireOverdue(now);
      const committed = this.tier()!.sold + this.tier()!.held;
      if (capacity < committed) return { ok: false, code: "capacity_below_committed", committed };
      this.sql.exec("UPDATE tier SET capacity = ? WHERE id = 1", capacity);
    }
    if (setup.waitlist) {
      this.sql.exec("UPDATE tier SET waitlist_enabled = ?, offer_minutes = ? WHERE id = 1", setup.waitlist.enabled ? 1 : 0, setup.waitlist.offerMinutes);
    }
    if (setup.kind === "seated" && setup.seats) {
      const wanted = new Set(setup.seats.map((s) => s.label));
      for (const seat of setup.seats) {
        this.sql.exec(
          `INSERT INTO seats (label, section, row, number, x, y, accessible) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (label) DO UPDATE SET section = excluded.section, row = excluded.row, number = excluded.number,
             x = excluded.x, y = excluded.y, accessible = excluded.accessible`,
          seat.label, seat.section, seat.row, seat.number, seat.x, seat.y, seat.accessible ? 1 : 0,
        );
      }
      for (const { label } of this.sql.exec<{ label: string }>("SELECT label FROM seats WHERE status = 'available'").toArray()) {
        if (!wanted.has(label)) this.sql.exec("DELETE FROM seats WHERE label = ?", label);
      }
    }
    this.promote(now);
    this.scheduleAlarm();
    return { ok: true };
  }

  async hold(request: HoldRequest): Promise<HoldOutcome> {
    const now = Date.now();
    const tier = this.tier();
    if (!tier) return { ok: false, code: "not_configured" };
    this.expireOverdue(now);

    const previous = this.findHold(request.holdId);
    if (previous?.status === "active" || previous?.status === "confirmed") return { ok: true, hold: present(previous) };
    if (tier.closed) return { ok: false, code: "closed" };
    // A hold that expired or was given back already returned its units; asking again under the same
    // name (a retry whose order was never written) is a fresh claim, not a second one.
    if (previous) this.sql.exec("DELETE FROM holds WHERE hold_id = ?", request.holdId);
    if (!Number.isInteger(request.quantity) || request.quantity < 1) return { ok: false, code: "invalid", message: "quantity must be a positive integer" };
    if (request.expiresAt <= now) return { ok: false, code: "invalid", message: "a hold must expire in the future" };

    // While anyone waits, free units are the waitlist's (the alarm or the step that freed them
    // has already offered what fits; the rest is set aside for the head of the queue).
    const available = this.waitingCount() > 0 ? 0 : this.free();
    let seats: string[] = [];
    if (tier.kind === "seated") {
      if (available === 0 && this.waitingCount() > 0) return { ok: false, code: "sold_out", available: 0 };
      const chosen = this.chooseSeats(request, available);
      if (!chosen.ok) return chosen.outcome;
      seats = chosen.seats;
    } else if (request.seats?.length) {
      return { ok: false, code: "invalid", message: "this tier is general admission: it has no seats to choose" };
    } else if (request.quantity > available) {
      return { ok: false, code: "sold_out", available };
    }
    const quantity = tier.kind === "seated" ? seats.length : request.quantity;
    this.insertHold(request.holdId, quantity, seats, request.expiresAt, now);
    this.scheduleAlarm();
    return { ok: true, hold: { hold_id: request.holdId, quantity, seats, expires_at: request.expiresAt, status: "active" } };
  }

  private chooseSeats(request: HoldRequest, available: number): { ok: true; seats: string[] } | { ok: false; outcome: HoldOutcome } {
    if (request.seats?.length) {
      const labels = [...new Set(request.seats)];
      if (labels.length !== request.quantity) {
        return { ok: false, outcome: { ok: false, code: "invalid", message: "quantity must equal the number of distinct seats chosen" } };
      }
      const rows = this.sql
        .exec<{ label: string; status: string }>(`SELECT label, status FROM seats WHERE label IN (${labels.map(() => "?").join(",")})`, ...labels)
        .toArray();
      const free = new Set(rows.filter((r) => r.status === "available").map((r) => r.label));
      const taken = labels.filter((l) => !free.has(l));
      return taken.length > 0 ? { ok: false, outcome: { ok: false, code: "seat_unavailable", seats: taken } } : { ok: true, seats: labels };
    }
    if (!request.bestAvailable) {
      return { ok: false, outcome: { ok: false, code: "invalid", message: "a seated tier needs chosen seats or best_available" } };
    }
    if (request.quantity > available) return { ok: false, outcome: { ok: false, code: "sold_out", available } };
    const chosen = chooseBestAvailable(this.seatStates(), { quantity: request.quantity, accessible: request.accessible });
    return chosen ? { ok: true, seats: chosen } : { ok: false, outcome: { ok: false, code: "seat_unavailable", seats: [] } };
  }

  /** Turns a live hold into a sale. A hold that expired or was released cannot be sold. */
  async confirm(holdId: string): Promise<ConfirmOutcome> {
    const now = Date.now();
    this.expireOverdue(now);
    const hold = this.findHold(holdId);
    if (!hold) return { ok: false, code: "unknown_hold" };
    if (hold.status === "confirmed") return { ok: true, hold: present(hold) };
    if (hold.status !== "active") return { ok: false, code: "hold_expired" };
    this.sql.exec("UPDATE holds SET status = 'confirmed' WHERE hold_id = ?", holdId);
    this.sql.exec("UPDATE tier SET held = held - ?, sold = sold + ? WHERE id = 1", hold.quantity, hold.quantity);
    this.sql.exec("UPDATE seats SET status = 'sold' WHERE hold_id = ?", holdId);
    const entry = this.entryOfHold(holdId);
    if (entry) this.endEntry(entry, "purchased", now);
    this.scheduleAlarm();
    return { ok: true, hold: { ...present(hold), status: "confirmed" } };
  }

  /** Gives held units back (payment declined, order abandoned). Releasing twice is harmless. */
  async release(holdId: string): Promise<ReleaseOutcome> {
    const now = Date.now();
    this.expireOverdue(now);
    const hold = this.findHold(holdId);
    if (!hold || hold.status !== "active") return hold?.status === "confirmed" ? { ok: false, code: "already_sold" } : { ok: true, released: false };
    this.freeHold(hold, "released", now);
    this.promote(now);
    this.scheduleAlarm();
    return { ok: true, released: true };
  }

  /**
   * Sold units come back (a refund): the tier sells fewer, the seats are free again, and the
   * waitlist is offered them before anyone else can ask. Idempotent per `returnId`.
   */
  async returnSold(request: ReturnRequest): Promise<ReturnOutcome> {
    const now = Date.now();
    const tier = this.tier();
    if (!tier) return { ok: false, code: "invalid", message: "this tier has sold nothing" };
    this.expireOverdue(now);
    if (this.sql.exec("SELECT 1 FROM returns WHERE return_id = ?", request.returnId).toArray().length > 0) return { ok: true, returned: false };
    const seats = [...new Set(request.seats ?? [])];
    if (tier.kind === "seated") {
      if (seats.length !== request.quantity) return { ok: false, code: "invalid", message: "a seated return names each seat once" };
      const sold = this.sql
        .exec<{ label: string }>(`SELECT label FROM seats WHERE status = 'sold' AND label IN (${seats.map(() => "?").join(",")})`, ...seats)
        .toArray();
      if (sold.length !== seats.length) return { ok: false, code: "invalid", message: "only sold seats can be returned" };
    }
    if (!Number.isInteger(request.quantity) || request.quantity < 1 || request.quantity > tier.sold) {
      return { ok: false, code: "invalid", message: `quantity must be between 1 and the ${tier.sold} units sold` };
    }
    this.sql.exec("INSERT INTO returns (return_id, quantity, seats, created_at) VALUES (?, ?, ?, ?)", request.returnId, request.quantity, JSON.stringify(seats), now);
    this.sql.exec("UPDATE tier SET sold = sold - ? WHERE id = 1", request.quantity);
    for (const label of seats) this.sql.exec("UPDATE seats SET status = 'available', hold_id = NULL WHERE label = ?", label);
    this.promote(now);
    this.scheduleAlarm();
    return { ok: true, returned: true };
  }

  /** Joins the waitlist under the caller's entry id; joining again answers with the same entry. */
  async joinWaitlist(request: { entryId: string; quantity: number }): Promise<JoinOutcome> {
    const now = Date.now();
    const tier = this.tier();
    if (!tier) return { ok: false, code: "not_configured" };
    this.expireOverdue(now);
    const existing = this.findEntry(request.entryId);
    if (existing) return { ok: true, entry: this.presentEntry(existing) };
    if (tier.closed) return { ok: false, code: "closed" };
    if (!tier.waitlist_enabled) return { ok: false, code: "waitlist_disabled" };
    if (!Number.isInteger(request.quantity) || request.quantity < 1 || request.quantity > tier.capacity) {
      return { ok: false, code: "invalid", message: `quantity must be between 1 and the tier's capacity of ${tier.capacity}` };
    }
    const seq = (this.sql.exec<{ last: number | null }>("SELECT max(seq) AS last FROM waitlist").one().last ?? 0) + 1;
    this.sql.exec(
      "INSERT INTO waitlist (entry_id, seq, quantity, status, joined_at, updated_at) VALUES (?, ?, ?, 'waiting', ?, ?)",
      request.entryId, seq, request.quantity, now, now,
    );
    this.promote(now);
    this.scheduleAlarm();
    return { ok: true, entry: this.presentEntry(this.findEntry(request.entryId)!) };
  }

  async waitlistEntry(entryId: string): Promise<WaitlistEntryView | undefined> {
    this.expireOverdue(Date.now());
    const entry = this.findEntry(entryId);
    return entry && this.presentEntry(entry);
  }

  /** Leaves the waitlist; an open offer is given back and passes to the next entry. */
  async leaveWaitlist(entryId: string): Promise<{ ok: true; entry: WaitlistEntryView } | { ok: false; code: "unknown_entry" }> {
    const now = Date.now();
    this.expireOverdue(now);
    const entry = this.findEntry(entryId);
    if (!entry) return { ok: false, code: "unknown_entry" };
    if (entry.status === "waiting") this.endEntry(entry, "left", now);
    if (entry.status === "offered") {
      const hold = entry.offer_hold_id ? this.findHold(entry.offer_hold_id) : undefined;
      // Once the offer's order is paid the entry is purchased; leaving changes nothing then.
      if (hold?.status === "active") {
        this.endEntry(entry, "left", now);
        this.freeHold(hold, "released", now);
      }
    }
    this.promote(now);
    this.scheduleAlarm();
    return { ok: true, entry: this.presentEntry(this.findEntry(entryId)!) };
  }

  /**
   * Stops selling for good (the event was cancelled): no new holds or entries, waiting entries end,
   * open offers are withdrawn. Holds already taken stay until their orders are settled.
   */
  async close(): Promise<{ ok: true }> {
    const now = Date.now();
    if (!this.tier()) return { ok: true };
    this.expireOverdue(now);
    this.sql.exec("UPDATE tier SET closed = 1 WHERE id = 1");
    for (const entry of this.sql.exec<EntryRow>("SELECT * FROM waitlist WHERE status IN ('waiting', 'offered') ORDER BY seq").toArray()) {
      const hold = entry.offer_hold_id ? this.findHold(entry.offer_hold_id) : undefined;
      this.endEntry(entry, "expired", now, "event_cancelled");
      if (hold?.status === "active") this.freeHold(hold, "released", now);
    }
    this.scheduleAlarm();
    return { ok: true };
  }

  async snapshot(): Promise<InventorySnapshot> {
    this.expireOverdue(Date.now());
    const tier = this.tier();
    const checked_in = this.checkins.countsByList();
    if (!tier) return { configured: false, capacity: 0, sold: 0, held: 0, available: 0, waiting: 0, waiting_units: 0, checked_in };
    const waiting = this.sql.exec<{ n: number; units: number | null }>("SELECT count(*) AS n, sum(quantity) AS units FROM waitlist WHERE status = 'waiting'").one();
    return {
      configured: true,
      capacity: tier.capacity,
      sold: tier.sold,
      held: tier.held,
      available: tier.closed || waiting.n > 0 ? 0 : tier.capacity - tier.sold - tier.held,
      waiting: waiting.n,
      waiting_units: waiting.units ?? 0,
      checked_in,
    };
  }

  /** Admits a ticket through a check-in list once: the first scan wins (workers/domain/checkin.ts). */
  async admitTicket(request: AdmitRequest): Promise<AdmitOutcome> {
    const decision = checkin.admitTicket(request, this.checkins.ofScan(request), this.checkins.live(request.listId, request.ticketId), Date.now());
    if (decision.record) this.checkins.insert(decision.record);
    return decision.outcome;
  }

  /** Takes back an admission just made by the same scan (the wrong person was let in). */
  async undoAdmission(request: UndoRequest): Promise<UndoOutcome> {
    const decision = checkin.undoAdmission(this.checkins.ofScan(request), Date.now());
    if (decision.undoneAt !== undefined) this.checkins.markUndone(request, decision.undoneAt);
    return decision.outcome;
  }

  async checkedIn(): Promise<Record<string, number>> {
    return this.checkins.countsByList();
  }

  async seatStatuses(): Promise<Record<string, "available" | "held" | "sold">> {
    this.expireOverdue(Date.now());
    const rows = this.sql.exec<{ label: string; status: "available" | "held" | "sold" }>("SELECT label, status FROM seats").toArray();
    return Object.fromEntries(rows.map((r) => [r.label, r.status]));
  }

  async describe(): Promise<{ kind: "TierInventory"; schema_version: number }> {
    const row = this.sql.exec<{ version: number }>("SELECT version FROM _schema_version").one();
    return { kind: "TierInventory", schema_version: row.version };
  }

  /** Expires what is due, offers freed units, then publishes pending notices to the Queue. */
  override async alarm(): Promise<void> {
    // The alarm that fired is no longer set; forget it so the next one is always written.
    this.alarmAt = undefined;
    const now = Date.now();
    this.expireOverdue(now);
    this.promote(now);
    const pending = this.sql.exec<{ seq: number; body: string }>("SELECT seq, body FROM notices ORDER BY seq LIMIT 100").toArray();
    if (pending.length > 0) {
      // Outbound, so outside any check-then-claim: a call that runs meanwhile only adds notices
      // with higher numbers, and only the ones sent here are deleted. A failed send throws, and
      // the runtime retries the alarm; the consumer ignores a notice it has already applied.
      await this.env.EVENTS_QUEUE.sendBatch(pending.map((n) => ({ body: JSON.parse(n.body) as WaitlistNotice, contentType: "json" as const })));
      this.sql.exec("DELETE FROM notices WHERE seq <= ?", pending.at(-1)!.seq);
    }
    this.scheduleAlarm();
  }

  private tier(): TierRow | undefined {
    return this.sql.exec<TierRow>("SELECT * FROM tier WHERE id = 1").toArray()[0];
  }

  private free(): number {
    const tier = this.tier()!;
    return tier.capacity - tier.sold - tier.held;
  }

  private waitingCount(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM waitlist WHERE status = 'waiting'").one().n;
  }

  private seatStates() {
    return this.sql
      .exec<{ label: string; section: string; row: string; number: number; x: number; y: number; accessible: number; status: string }>("SELECT * FROM seats")
      .toArray()
      .map((s) => ({ ...s, accessible: s.accessible === 1, available: s.status === "available" }));
  }

  private findHold(holdId: string): HoldRow | undefined {
    return this.sql.exec<HoldRow>("SELECT * FROM holds WHERE hold_id = ?", holdId).toArray()[0];
  }

  private findEntry(entryId: string): EntryRow | undefined {
    return this.sql.exec<EntryRow>("SELECT * FROM waitlist WHERE entry_id = ?", entryId).toArray()[0];
  }

  private entryOfHold(holdId: string): EntryRow | undefined {
    return this.sql.exec<EntryRow>("SELECT * FROM waitlist WHERE offer_hold_id = ? AND status = 'offered'", holdId).toArray()[0];
  }

  private presentEntry(entry: EntryRow): WaitlistEntryView {
    const position =
      entry.status === "waiting"
        ? this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM waitlist WHERE status = 'waiting' AND seq <= ?", entry.seq).one().n
        : 0;
    const hold = entry.offer_hold_id ? this.findHold(entry.offer_hold_id) : undefined;
    return {
      entry_id: entry.entry_id,
      seq: entry.seq,
      status: entry.status,
      quantity: entry.quantity,
      position,
      offer_hold_id: entry.offer_hold_id,
      offer_expires_at: entry.offer_expires_at,
      seats: hold ? (JSON.parse(hold.seats) as string[]) : [],
    };
  }

  private insertHold(holdId: string, quantity: number, seats: string[], expiresAt: number, now: number): void {
    for (const label of seats) this.sql.exec("UPDATE seats SET status = 'held', hold_id = ? WHERE label = ?", holdId, label);
    this.sql.exec("UPDATE tier SET held = held + ? WHERE id = 1", quantity);
    this.sql.exec(
      "INSERT INTO holds (hold_id, quantity, seats, status, expires_at, created_at) VALUES (?, ?, ?, 'active', ?, ?)",
      holdId, quantity, JSON.stringify(seats), expiresAt, now,
    );
  }

  private freeHold(hold: HoldRow, status: "released" | "expired", now: number): void {
    this.sql.exec("UPDATE holds SET status = ? WHERE hold_id = ?", status, hold.hold_id);
    this.sql.exec("UPDATE tier SET held = held - ? WHERE id = 1", hold.quantity);
    this.sql.exec("UPDATE seats SET status = 'available', hold_id = NULL WHERE hold_id = ?", hold.hold_id);
    // An offer that ran out or was given back (declined payment) is used up: the next entry's turn.
    const entry = this.entryOfHold(hold.hold_id);
    if (entry) this.endEntry(entry, "expired", now);
  }

  private expireOverdue(now: number): void {
    const overdue = this.sql.exec<HoldRow>("SELECT * FROM holds WHERE status = 'active' AND expires_at <= ?", now).toArray();
    for (const hold of overdue) this.freeHold(hold, "expired", now);
    if (overdue.length > 0) this.promote(now);
  }

  /** Offers free units to the waitlist by the rule in workers/domain/waitlist.ts. */
  private promote(now: number): void {
    const tier = this.tier();
    if (!tier || tier.closed) return;
    for (;;) {
      const free = this.free();
      if (free <= 0) return;
      const queue = this.sql.exec<EntryRow>("SELECT * FROM waitlist WHERE status = 'waiting' ORDER BY seq LIMIT 200").toArray();
      if (queue.length === 0) return;
      const plan = planOffers(
        free,
        queue.map((e) => ({ entryId: e.entry_id, quantity: e.quantity, passOvers: e.pass_overs })),
      );
      for (const [entryId, times] of plan.passedOver) this.sql.exec("UPDATE waitlist SET pass_overs = pass_overs + ? WHERE entry_id = ?", times, entryId);
      let offered = 0;
      for (const offer of plan.offers) {
        if (this.offer(queue.find((e) => e.entry_id === offer.entryId)!, tier, now)) offered++;
      }
      if (offered === 0) return;
    }
  }

  private offer(entry: EntryRow, tier: TierRow, now: number): boolean {
    let seats: string[] = [];
    if (tier.kind === "seated") {
      const states = this.seatStates();
      // Together if possible (accessible seats are kept for those who ask), else the first free ones.
      seats =
        chooseBestAvailable(states, { quantity: entry.quantity }) ??
        chooseBestAvailable(states, { quantity: entry.quantity, accessible: true }) ??
        states.filter((s) => s.available).slice(0, entry.quantity).map((s) => s.label);
      if (seats.length < entry.quantity) return false;
    }
    const holdId = offerHoldId(entry.entry_id);
    const expiresAt = now + tier.offer_minutes * 60_000;
    this.sql.exec("DELETE FROM holds WHERE hold_id = ?", holdId);
    this.insertHold(holdId, entry.quantity, seats, expiresAt, now);
    this.sql.exec(
      "UPDATE waitlist SET status = 'offered', offer_hold_id = ?, offer_expires_at = ?, updated_at = ? WHERE entry_id = ?",
      holdId, expiresAt, now, entry.entry_id,
    );
    this.notify({
      type: "waitlist.offered",
      event_id: tier.event_id,
      tier_id: tier.tier_id,
      entry_id: entry.entry_id,
      hold_id: holdId,
      quantity: entry.quantity,
      seats,
      offer_expires_at: new Date(expiresAt).toISOString(),
    });
    return true;
  }

  private endEntry(entry: EntryRow, status: Exclude<WaitlistStatus, "waiting" | "offered">, now: number, reason?: string): void {
    this.sql.exec("UPDATE waitlist SET status = ?, updated_at = ? WHERE entry_id = ?", status, now, entry.entry_id);
    const tier = this.tier()!;
    this.notify({ type: "waitlist.ended", event_id: tier.event_id, tier_id: tier.tier_id, entry_id: entry.entry_id, status, ...(reason ? { reason } : {}) });
  }

  /** Written in the step that changed the entry; published by the alarm. The seq orders them. */
  private notify(notice: DistributiveOmit<WaitlistNotice, "notice_seq">): void {
    // AUTOINCREMENT's counter never goes back, even after published notices are deleted.
    const sequence = this.lastNoticeSeq() + 1;
    this.sql.exec("INSERT INTO notices (seq, body) VALUES (?, ?)", sequence, JSON.stringify({ ...notice, notice_seq: sequence }));
  }

  private lastNoticeSeq(): number {
    return this.sql.exec<{ seq: number | null }>("SELECT seq FROM sqlite_sequence WHERE name = 'notices'").toArray()[0]?.seq ?? 0;
  }

  private scheduleAlarm(): void {
    const now = Date.now();
    const nextExpiry = this.sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM holds WHERE status = 'active'").one().at;
    const noticesPending = this.sql.exec("SELECT 1 FROM notices LIMIT 1").toArray().length > 0;
    let next = nextExpiry;
    if (noticesPending) {
      // Publish soon; an alarm already due within the second does that as well.
      next = this.alarmAt != null && this.alarmAt <= now + 1_000 ? this.alarmAt : now;
    }
    if (next === this.alarmAt) return;
    this.alarmAt = next;
    if (next === null) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(next);
  }
}

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;

function present(hold: HoldRow): HeldUnits {
  return {
    hold_id: hold.hold_id,
    quantity: hold.quantity,
    seats: JSON.parse(hold.seats) as string[],
    expires_at: hold.expires_at,
    status: hold.status === "confirmed" ? "confirmed" : "active",
  };
}
