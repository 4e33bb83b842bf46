/**
 * TierInventory — one per ticket tier: the only place its units and seats are held and sold.
 *
 * Every method runs to completion without awaiting anything but its own SQLite storage, so calls
 * are serialized and each check-then-claim is atomic. Outcomes are values (`{ok: false, code}`),
 * never thrown errors (custom error fields do not cross RPC). Every method is idempotent: a hold
 * is named by its caller, so a retried hold, confirm or release answers as the first one did.
 * Holds expire by one multiplexed alarm set to the earliest expiry; every method also expires
 * overdue holds first, so a late alarm never makes the tier look fuller than it is.
 */
import { DurableObject } from "cloudflare:workers";
import { chooseBestAvailable } from "../workers/domain/best-available";
import { migrateStorage } from "./schema-migrations";

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
];

export interface TierSetup {
  tierId: string;
  eventId: string;
  kind: "general_admission" | "seated";
  capacity: number;
  seats?: { label: string; section: string; row: string; number: number; x: number; y: number; accessible: boolean }[];
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
  | { ok: false; code: "invalid"; message: string };

export type ConfirmOutcome = { ok: true; hold: HeldUnits } | { ok: false; code: "hold_expired" | "unknown_hold" };
export type ReleaseOutcome = { ok: true; released: boolean } | { ok: false; code: "already_sold" };

export interface InventorySnapshot {
  configured: boolean;
  capacity: number;
  sold: number;
  held: number;
  available: number;
}

interface TierRow {
  tier_id: string;
  event_id: string;
  kind: string;
  capacity: number;
  sold: number;
  held: number;
  [key: string]: SqlStorageValue;
}

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
  /** The alarm time last set, so a hold that does not move the earliest expiry writes nothing. */
  private alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrateStorage(this.sql, SCHEMA);
    });
  }

  /** Creates the tier, or brings capacity and seats up to date; never below what is sold or held. */
  async configure(setup: TierSetup): Promise<{ ok: true } | { ok: false; code: "capacity_below_committed"; committed: number }> {
    const tier = this.tier();
    const capacity = setup.kind === "seated" ? (setup.seats?.length ?? 0) : setup.capacity;
    if (!tier) {
      this.sql.exec("INSERT INTO tier (id, tier_id, event_id, kind, capacity) VALUES (1, ?, ?, ?, ?)", setup.tierId, setup.eventId, setup.kind, capacity);
    } else {
      this.expireOverdue(Date.now());
      const committed = this.tier()!.sold + this.tier()!.held;
      if (capacity < committed) return { ok: false, code: "capacity_below_committed", committed };
      this.sql.exec("UPDATE tier SET capacity = ? WHERE id = 1", capacity);
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
    return { ok: true };
  }

  async hold(request: HoldRequest): Promise<HoldOutcome> {
    const now = Date.now();
    const tier = this.tier();
    if (!tier) return { ok: false, code: "not_configured" };
    this.expireOverdue(now);

    const previous = this.findHold(request.holdId);
    if (previous?.status === "active" || previous?.status === "confirmed") return { ok: true, hold: present(previous) };
    // A hold that expired or was given back already returned its units; asking again under the same
    // name (a retry whose order was never written) is a fresh claim, not a second one.
    if (previous) this.sql.exec("DELETE FROM holds WHERE hold_id = ?", request.holdId);
    if (!Number.isInteger(request.quantity) || request.quantity < 1) return { ok: false, code: "invalid", message: "quantity must be a positive integer" };
    if (request.expiresAt <= now) return { ok: false, code: "invalid", message: "a hold must expire in the future" };

    const current = this.tier()!;
    const available = current.capacity - current.sold - current.held;
    let seats: string[] = [];
    if (current.kind === "seated") {
      const chosen = this.chooseSeats(request, available);
      if (!chosen.ok) return chosen.outcome;
      seats = chosen.seats;
      for (const label of seats) this.sql.exec("UPDATE seats SET status = 'held', hold_id = ? WHERE label = ?", request.holdId, label);
    } else if (request.seats?.length) {
      return { ok: false, code: "invalid", message: "this tier is general admission: it has no seats to choose" };
    } else if (request.quantity > available) {
      return { ok: false, code: "sold_out", available };
    }

    const quantity = current.kind === "seated" ? seats.length : request.quantity;
    this.sql.exec("UPDATE tier SET held = held + ? WHERE id = 1", quantity);
    this.sql.exec(
      "INSERT INTO holds (hold_id, quantity, seats, status, expires_at, created_at) VALUES (?, ?, ?, 'active', ?, ?)",
      request.holdId, quantity, JSON.stringify(seats), request.expiresAt, now,
    );
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
    const seats = this.sql
      .exec<{ label: string; section: string; row: string; number: number; x: number; y: number; accessible: number; status: string }>("SELECT * FROM seats")
      .toArray()
      .map((s) => ({ ...s, accessible: s.accessible === 1, available: s.status === "available" }));
    const chosen = chooseBestAvailable(seats, { quantity: request.quantity, accessible: request.accessible });
    return chosen ? { ok: true, seats: chosen } : { ok: false, outcome: { ok: false, code: "seat_unavailable", seats: [] } };
  }

  /** Turns a live hold into a sale. A hold that expired or was released cannot be sold. */
  async confirm(holdId: string): Promise<ConfirmOutcome> {
    this.expireOverdue(Date.now());
    const hold = this.findHold(holdId);
    if (!hold) return { ok: false, code: "unknown_hold" };
    if (hold.status === "confirmed") return { ok: true, hold: present(hold) };
    if (hold.status !== "active") return { ok: false, code: "hold_expired" };
    this.sql.exec("UPDATE holds SET status = 'confirmed' WHERE hold_id = ?", holdId);
    this.sql.exec("UPDATE tier SET held = held - ?, sold = sold + ? WHERE id = 1", hold.quantity, hold.quantity);
    this.sql.exec("UPDATE seats SET status = 'sold' WHERE hold_id = ?", holdId);
    return { ok: true, hold: { ...present(hold), status: "confirmed" } };
  }

  /** Gives held units back (payment declined, order abandoned). Releasing twice is harmless. */
  async release(holdId: string): Promise<ReleaseOutcome> {
    this.expireOverdue(Date.now());
    const hold = this.findHold(holdId);
    if (!hold || hold.status !== "active") return hold?.status === "confirmed" ? { ok: false, code: "already_sold" } : { ok: true, released: false };
    this.freeHold(hold, "released");
    this.scheduleAlarm();
    return { ok: true, released: true };
  }

  async snapshot(): Promise<InventorySnapshot> {
    this.expireOverdue(Date.now());
    const tier = this.tier();
    if (!tier) return { configured: false, capacity: 0, sold: 0, held: 0, available: 0 };
    return { configured: true, capacity: tier.capacity, sold: tier.sold, held: tier.held, available: tier.capacity - tier.sold - tier.held };
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

  override async alarm(): Promise<void> {
    // The alarm that fired is no longer set; forget it so the next one is always written.
    this.alarmAt = undefined;
    this.expireOverdue(Date.now());
    this.scheduleAlarm();
  }

  private tier(): TierRow | undefined {
    return this.sql.exec<TierRow>("SELECT * FROM tier WHERE id = 1").toArray()[0];
  }

  private findHold(holdId: string): HoldRow | undefined {
    return this.sql.exec<HoldRow>("SELECT * FROM holds WHERE hold_id = ?", holdId).toArray()[0];
  }

  private freeHold(hold: HoldRow, status: "released" | "expired"): void {
    this.sql.exec("UPDATE holds SET status = ? WHERE hold_id = ?", status, hold.hold_id);
    this.sql.exec("UPDATE tier SET held = held - ? WHERE id = 1", hold.quantity);
    this.sql.exec("UPDATE seats SET status = 'available', hold_id = NULL WHERE hold_id = ?", hold.hold_id);
  }

  private expireOverdue(now: number): void {
    const overdue = this.sql.exec<HoldRow>("SELECT * FROM holds WHERE status = 'active' AND expires_at <= ?", now).toArray();
    for (const hold of overdue) this.freeHold(hold, "expired");
  }

  private scheduleAlarm(): void {
    const next = this.sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM holds WHERE status = 'active'").one().at;
    if (next === this.alarmAt) return;
    this.alarmAt = next;
    if (next === null) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(next);
  }
}

function present(hold: HoldRow): HeldUnits {
  return {
    hold_id: hold.hold_id,
    quantity: hold.quantity,
    seats: JSON.parse(hold.seats) as string[],
    expires_at: hold.expires_at,
    status: hold.status === "confirmed" ? "confirmed" : "active",
  };
}
