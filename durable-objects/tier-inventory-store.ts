/**
 * TierInventory's SQLite storage: reads the tier's state as the domain's values and writes back the
 * changes a decision returns (workers/domain/inventory.ts). No rule lives here; the CHECK on the tier
 * row is the last guard that sold + held never passes capacity.
 */
import type { SeatState } from "../workers/domain/best-available";
import type { EntryState, HoldState, InventoryChange, TierKind, TierState, UnnumberedNotice, WaitlistStatus } from "../workers/domain/inventory";
import { CHECKIN_SCHEMA } from "./tier-inventory-checkins";
import { PROMO_SCHEMA } from "./tier-inventory-promo";

/** Append only: objects in the field have run every step before the last one. */
export const SCHEMA: readonly string[] = [
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
  // Who holds what (workers/domain/buyer-limits.ts): a buyer's new hold replaces their old ones.
  `ALTER TABLE holds ADD COLUMN buyer TEXT`,
  `ALTER TABLE holds ADD COLUMN client TEXT`,
  `CREATE INDEX holds_active_buyer ON holds (buyer) WHERE status = 'active' AND buyer IS NOT NULL`,
  `CREATE INDEX holds_active_client ON holds (client) WHERE status = 'active' AND client IS NOT NULL`,
  `ALTER TABLE waitlist ADD COLUMN client TEXT`,
  // Promo codes' uses and the units they keep (tier-inventory-promo.ts).
  ...PROMO_SCHEMA,
];

type Row<T> = T & Record<string, SqlStorageValue>;
type TierRow = Row<{ tier_id: string; event_id: string; kind: string; capacity: number; sold: number; held: number; waitlist_enabled: number; offer_minutes: number; closed: number }>;
type HoldRow = Row<{ hold_id: string; quantity: number; seats: string; status: string; expires_at: number; buyer: string | null; client: string | null }>;
type EntryRow = Row<{ entry_id: string; seq: number; quantity: number; status: string; pass_overs: number; offer_hold_id: string | null; offer_expires_at: number | null }>;
type SeatRow = Row<{ label: string; section: string; row: string; number: number; x: number; y: number; accessible: number; status: string }>;

export class InventoryStore {
  constructor(private readonly sql: SqlStorage) {}

  tier(): TierState | undefined {
    const row = this.sql.exec<TierRow>("SELECT * FROM tier WHERE id = 1").toArray()[0];
    return (
      row && {
        tierId: row.tier_id,
        eventId: row.event_id,
        kind: row.kind as TierKind,
        capacity: row.capacity,
        sold: row.sold,
        held: row.held,
        waitlistEnabled: row.waitlist_enabled === 1,
        offerMinutes: row.offer_minutes,
        closed: row.closed === 1,
      }
    );
  }

  hold(holdId: string): HoldState | undefined {
    const row = this.sql.exec<HoldRow>("SELECT * FROM holds WHERE hold_id = ?", holdId).toArray()[0];
    return row && holdOf(row);
  }

  /** Active holds of a buyer, and of a client address, for the buyer limits. */
  activeHoldsOf(buyer: string | undefined, client: string | null | undefined): { buyerHolds: HoldState[]; clientHolds: HoldState[] } {
    return {
      buyerHolds: buyer ? this.sql.exec<HoldRow>("SELECT * FROM holds WHERE status = 'active' AND buyer = ?", buyer).toArray().map(holdOf) : [],
      clientHolds: client ? this.sql.exec<HoldRow>("SELECT * FROM holds WHERE status = 'active' AND client = ?", client).toArray().map(holdOf) : [],
    };
  }

  /** Units in the tier's waiting or offered entries from one client address. */
  waitlistUnitsOfClient(client: string | null | undefined): number {
    if (!client) return 0;
    return this.sql.exec<{ units: number | null }>("SELECT sum(quantity) AS units FROM waitlist WHERE client = ? AND status IN ('waiting', 'offered')", client).one().units ?? 0;
  }

  overdueHolds(now: number): HoldState[] {
    return this.sql.exec<HoldRow>("SELECT * FROM holds WHERE status = 'active' AND expires_at <= ?", now).toArray().map(holdOf);
  }

  entry(entryId: string): EntryState | undefined {
    const row = this.sql.exec<EntryRow>("SELECT * FROM waitlist WHERE entry_id = ?", entryId).toArray()[0];
    return row && entryOf(row);
  }

  /** The entry whose open offer this hold is. */
  offeredEntry(holdId: string): EntryState | undefined {
    const row = this.sql.exec<EntryRow>("SELECT * FROM waitlist WHERE offer_hold_id = ? AND status = 'offered'", holdId).toArray()[0];
    return row && entryOf(row);
  }

  offeredEntries(holdIds: string[]): EntryState[] {
    return holdIds.flatMap((id) => this.offeredEntry(id) ?? []);
  }

  /** Entries still waiting or offered, in join order. */
  openEntries(): EntryState[] {
    return this.sql.exec<EntryRow>("SELECT * FROM waitlist WHERE status IN ('waiting', 'offered') ORDER BY seq").toArray().map(entryOf);
  }

  waitingQueue(limit: number): EntryState[] {
    return this.sql.exec<EntryRow>("SELECT * FROM waitlist WHERE status = 'waiting' ORDER BY seq LIMIT ?", limit).toArray().map(entryOf);
  }

  waiting(): { entries: number; units: number } {
    const row = this.sql.exec<{ n: number; units: number | null }>("SELECT count(*) AS n, sum(quantity) AS units FROM waitlist WHERE status = 'waiting'").one();
    return { entries: row.n, units: row.units ?? 0 };
  }

  /** Waiting entries that joined no later than `seq`: an entry's place in the queue. */
  waitingUpTo(seq: number): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM waitlist WHERE status = 'waiting' AND seq <= ?", seq).one().n;
  }

  lastSeq(): number {
    return this.sql.exec<{ last: number | null }>("SELECT max(seq) AS last FROM waitlist").one().last ?? 0;
  }

  /** Every seat, or only the ones named. */
  seats(labels?: string[]): SeatState[] {
    const rows = labels
      ? this.sql.exec<SeatRow>(`SELECT * FROM seats WHERE label IN (${labels.map(() => "?").join(",")})`, ...labels).toArray()
      : this.sql.exec<SeatRow>("SELECT * FROM seats").toArray();
    return rows.map((s) => ({ label: s.label, section: s.section, row: s.row, number: s.number, x: s.x, y: s.y, accessible: s.accessible === 1, available: s.status === "available" }));
  }

  seatStatuses(): { label: string; status: "available" | "held" | "sold" }[] {
    return this.sql.exec<{ label: string; status: "available" | "held" | "sold" }>("SELECT label, status FROM seats").toArray();
  }

  soldSeats(labels: string[]): string[] {
    if (labels.length === 0) return [];
    return this.sql
      .exec<{ label: string }>(`SELECT label FROM seats WHERE status = 'sold' AND label IN (${labels.map(() => "?").join(",")})`, ...labels)
      .toArray()
      .map((r) => r.label);
  }

  hasReturn(returnId: string): boolean {
    return this.sql.exec("SELECT 1 FROM returns WHERE return_id = ?", returnId).toArray().length > 0;
  }

  schemaVersion(): number {
    return this.sql.exec<{ version: number }>("SELECT version FROM _schema_version").one().version;
  }

  apply(changes: readonly InventoryChange[]): void {
    for (const change of changes) this.applyOne(change);
  }

  private applyOne(c: InventoryChange): void {
    const sql = this.sql;
    switch (c.type) {
      case "tier_created":
        sql.exec("INSERT INTO tier (id, tier_id, event_id, kind, capacity) VALUES (1, ?, ?, ?, ?)", c.tierId, c.eventId, c.kind, c.capacity);
        return;
      case "capacity_set":
        sql.exec("UPDATE tier SET capacity = ? WHERE id = 1", c.capacity);
        return;
      case "waitlist_set":
        sql.exec("UPDATE tier SET waitlist_enabled = ?, offer_minutes = ? WHERE id = 1", c.enabled ? 1 : 0, c.offerMinutes);
        return;
      case "seats_set":
        for (const seat of c.seats) {
          sql.exec(
            `INSERT INTO seats (label, section, row, number, x, y, accessible) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (label) DO UPDATE SET section = excluded.section, row = excluded.row, number = excluded.number,
               x = excluded.x, y = excluded.y, accessible = excluded.accessible`,
            seat.label, seat.section, seat.row, seat.number, seat.x, seat.y, seat.accessible ? 1 : 0,
          );
        }
        for (const label of c.removed) sql.exec("DELETE FROM seats WHERE label = ? AND status = 'available'", label);
        return;
      case "hold_placed": {
        const { hold } = c;
        sql.exec("DELETE FROM holds WHERE hold_id = ?", hold.holdId);
        for (const label of hold.seats) sql.exec("UPDATE seats SET status = 'held', hold_id = ? WHERE label = ?", hold.holdId, label);
        sql.exec("UPDATE tier SET held = held + ? WHERE id = 1", hold.quantity);
        sql.exec(
          "INSERT INTO holds (hold_id, quantity, seats, status, expires_at, created_at, buyer, client) VALUES (?, ?, ?, 'active', ?, ?, ?, ?)",
          hold.holdId, hold.quantity, JSON.stringify(hold.seats), hold.expiresAt, c.createdAt, hold.buyer ?? null, hold.client ?? null,
        );
        return;
      }
      case "hold_forgotten":
        sql.exec("DELETE FROM holds WHERE hold_id = ?", c.holdId);
        return;
      case "hold_sold":
        sql.exec("UPDATE holds SET status = 'confirmed' WHERE hold_id = ?", c.holdId);
        sql.exec("UPDATE tier SET held = held - ?, sold = sold + ? WHERE id = 1", c.quantity, c.quantity);
        sql.exec("UPDATE seats SET status = 'sold' WHERE hold_id = ?", c.holdId);
        // A promo code's use follows its hold (workers/domain/promo-redemption.ts).
        sql.exec("UPDATE promo_uses SET status = 'confirmed' WHERE hold_id = ? AND status = 'active'", c.holdId);
        return;
      case "hold_freed":
        sql.exec("UPDATE holds SET status = ? WHERE hold_id = ?", c.status, c.holdId);
        sql.exec("UPDATE tier SET held = held - ? WHERE id = 1", c.quantity);
        sql.exec("UPDATE seats SET status = 'available', hold_id = NULL WHERE hold_id = ?", c.holdId);
        sql.exec("UPDATE promo_uses SET status = ? WHERE hold_id = ? AND status = 'active'", c.status, c.holdId);
        return;
      case "units_returned":
        sql.exec("INSERT INTO returns (return_id, quantity, seats, created_at) VALUES (?, ?, ?, ?)", c.returnId, c.quantity, JSON.stringify(c.seats), c.at);
        sql.exec("UPDATE tier SET sold = sold - ? WHERE id = 1", c.quantity);
        for (const label of c.seats) sql.exec("UPDATE seats SET status = 'available', hold_id = NULL WHERE label = ?", label);
        return;
      case "entry_joined":
        sql.exec(
          "INSERT INTO waitlist (entry_id, seq, quantity, status, joined_at, updated_at, client) VALUES (?, ?, ?, 'waiting', ?, ?, ?)",
          c.entryId, c.seq, c.quantity, c.at, c.at, c.client,
        );
        return;
      case "entry_passed_over":
        sql.exec("UPDATE waitlist SET pass_overs = pass_overs + ? WHERE entry_id = ?", c.times, c.entryId);
        return;
      case "entry_offered":
        sql.exec(
          "UPDATE waitlist SET status = 'offered', offer_hold_id = ?, offer_expires_at = ?, updated_at = ? WHERE entry_id = ?",
          c.holdId, c.expiresAt, c.at, c.entryId,
        );
        return;
      case "entry_ended":
        sql.exec("UPDATE waitlist SET status = ?, updated_at = ? WHERE entry_id = ?", c.status, c.at, c.entryId);
        return;
      case "tier_closed":
        sql.exec("UPDATE tier SET closed = 1 WHERE id = 1");
        return;
      case "notice":
        this.storeNotice(c.notice);
        return;
    }
  }

  /** Numbered in the step that decided it, so the consumer can apply notices in this order. */
  private storeNotice(notice: UnnumberedNotice): void {
    // AUTOINCREMENT's counter never goes back, even after published notices are deleted.
    const last = this.sql.exec<{ seq: number | null }>("SELECT seq FROM sqlite_sequence WHERE name = 'notices'").toArray()[0]?.seq ?? 0;
    this.sql.exec("INSERT INTO notices (seq, body) VALUES (?, ?)", last + 1, JSON.stringify({ ...notice, notice_seq: last + 1 }));
  }

  pendingNotices(limit: number): { seq: number; body: string }[] {
    return this.sql.exec<{ seq: number; body: string }>("SELECT seq, body FROM notices ORDER BY seq LIMIT ?", limit).toArray();
  }

  deleteNoticesUpTo(seq: number): void {
    this.sql.exec("DELETE FROM notices WHERE seq <= ?", seq);
  }

  hasPendingNotices(): boolean {
    return this.sql.exec("SELECT 1 FROM notices LIMIT 1").toArray().length > 0;
  }

  nextExpiry(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM holds WHERE status = 'active'").one().at;
  }
}

function holdOf(row: HoldRow): HoldState {
  return {
    holdId: row.hold_id,
    quantity: row.quantity,
    seats: JSON.parse(row.seats) as string[],
    status: row.status as HoldState["status"],
    expiresAt: row.expires_at,
    buyer: row.buyer ?? null,
    client: row.client ?? null,
  };
}

function entryOf(row: EntryRow): EntryState {
  return {
    entryId: row.entry_id,
    seq: row.seq,
    quantity: row.quantity,
    status: row.status as WaitlistStatus,
    passOvers: row.pass_overs,
    offerHoldId: row.offer_hold_id,
    offerExpiresAt: row.offer_expires_at,
  };
}
