/**
 * TierInventory's SQLite storage: reads the tier's state as the domain's values and writes back the
 * changes a decision returns (workers/domain/inventory.ts). No rule lives here; the CHECK on the tier
 * row is the last guard that sold + held never passes capacity.
 *
 * What the object already knows is not read again (`known`): the tier row (every statement that
 * writes it answers the new row with RETURNING, so only SQLite's own values are kept), the waitlist's
 * waiting count (forgotten by any waitlist write), whether notices wait to be published, and a floor
 * under every active hold's expiry (exact when read; a placed hold can only lower it, and nothing
 * else makes a hold active or moves an expiry, so it stays a floor). The object is single-threaded
 * and this memory dies with it (eviction, restart), after which everything is read again; a write
 * that throws forgets it all.
 */
import type { InventoryChange, TierKind, TierState, UnnumberedNotice } from "../workers/domain/inventory";
import { InventoryReads } from "./tier-inventory-reads";

export { SCHEMA } from "./tier-inventory-schema";

type Row<T> = T & Record<string, SqlStorageValue>;
type TierRow = Row<{ tier_id: string; event_id: string; kind: string; capacity: number; sold: number; held: number; waitlist_enabled: number; offer_minutes: number; closed: number }>;

/** What the object knows of its rows without reading them; undefined: not known, read it. */
interface Known {
  /** null: no tier row. Never mutated: replaced by the row a write returns. */
  tier?: TierState | null;
  waiting?: { entries: number; units: number };
  /** At or below every active hold's expiry; null: no active hold. */
  expiryFloor?: number | null;
  noticesPending?: boolean;
}

export class InventoryStore extends InventoryReads {
  private known: Known = {};

  /** Drops everything remembered: the next reads go to SQLite. */
  forget(): void {
    this.known = {};
  }

  tier(): TierState | undefined {
    if (this.known.tier === undefined) this.known.tier = tierOf(this.sql.exec<TierRow>("SELECT * FROM tier WHERE id = 1").toArray()[0]);
    return this.known.tier ?? undefined;
  }

  waiting(): { entries: number; units: number } {
    if (!this.known.waiting) {
      const row = this.sql.exec<{ n: number; units: number | null }>("SELECT count(*) AS n, sum(quantity) AS units FROM waitlist WHERE status = 'waiting'").one();
      this.known.waiting = { entries: row.n, units: row.units ?? 0 };
    }
    return { ...this.known.waiting };
  }

  apply(changes: readonly InventoryChange[]): void {
    try {
      for (const change of changes) this.applyOne(change);
    } catch (error) {
      // A statement refused (the tier's CHECK, say): what is remembered may no longer be what is stored.
      this.forget();
      throw error;
    }
  }

  /** Runs a statement that writes the tier row and keeps the row it answers (RETURNING *). */
  private writeTier(query: string, ...bindings: SqlStorageValue[]): void {
    this.known.tier = tierOf(this.sql.exec<TierRow>(`${query} RETURNING *`, ...bindings).toArray()[0]);
  }

  private applyOne(c: InventoryChange): void {
    const sql = this.sql;
    if (c.type.startsWith("entry_")) this.known.waiting = undefined;
    switch (c.type) {
      case "tier_created":
        this.writeTier("INSERT INTO tier (id, tier_id, event_id, kind, capacity) VALUES (1, ?, ?, ?, ?)", c.tierId, c.eventId, c.kind, c.capacity);
        return;
      case "capacity_set":
        this.writeTier("UPDATE tier SET capacity = ? WHERE id = 1", c.capacity);
        return;
      case "waitlist_set":
        this.writeTier("UPDATE tier SET waitlist_enabled = ?, offer_minutes = ? WHERE id = 1", c.enabled ? 1 : 0, c.offerMinutes);
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
        for (const label of hold.seats) sql.exec("UPDATE seats SET status = 'held', hold_id = ? WHERE label = ?", hold.holdId, label);
        this.writeTier("UPDATE tier SET held = held + ? WHERE id = 1", hold.quantity);
        // OR REPLACE: a hold stored under this name before (expired, released) is deleted and this one takes its place.
        sql.exec(
          "INSERT OR REPLACE INTO holds (hold_id, quantity, seats, status, expires_at, created_at, buyer, client) VALUES (?, ?, ?, 'active', ?, ?, ?, ?)",
          hold.holdId, hold.quantity, JSON.stringify(hold.seats), hold.expiresAt, c.createdAt, hold.buyer ?? null, hold.client ?? null,
        );
        // The floor stays under every active expiry: a placed hold may lower it, never raise it.
        const floor = this.known.expiryFloor;
        if (floor !== undefined) this.known.expiryFloor = floor === null ? hold.expiresAt : Math.min(floor, hold.expiresAt);
        return;
      }
      case "hold_forgotten":
        sql.exec("DELETE FROM holds WHERE hold_id = ?", c.holdId);
        return;
      case "hold_sold":
        sql.exec("UPDATE holds SET status = 'confirmed' WHERE hold_id = ?", c.holdId);
        this.writeTier("UPDATE tier SET held = held - ?, sold = sold + ? WHERE id = 1", c.quantity, c.quantity);
        // By label (the primary key), only the hold's own seats: none for general admission, so no statement.
        for (const label of c.seats) sql.exec("UPDATE seats SET status = 'sold' WHERE label = ? AND hold_id = ?", label, c.holdId);
        // A promo code's use follows its hold (workers/domain/promo-redemption.ts).
        sql.exec("UPDATE promo_uses SET status = 'confirmed' WHERE hold_id = ? AND status = 'active'", c.holdId);
        return;
      case "hold_freed":
        sql.exec("UPDATE holds SET status = ? WHERE hold_id = ?", c.status, c.holdId);
        this.writeTier("UPDATE tier SET held = held - ? WHERE id = 1", c.quantity);
        for (const label of c.seats) sql.exec("UPDATE seats SET status = 'available', hold_id = NULL WHERE label = ? AND hold_id = ?", label, c.holdId);
        sql.exec("UPDATE promo_uses SET status = ? WHERE hold_id = ? AND status = 'active'", c.status, c.holdId);
        return;
      case "units_returned":
        sql.exec("INSERT INTO returns (return_id, quantity, seats, created_at) VALUES (?, ?, ?, ?)", c.returnId, c.quantity, JSON.stringify(c.seats), c.at);
        this.writeTier("UPDATE tier SET sold = sold - ? WHERE id = 1", c.quantity);
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
        this.writeTier("UPDATE tier SET closed = 1 WHERE id = 1");
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
    this.known.noticesPending = true;
  }

  deleteNoticesUpTo(seq: number): void {
    this.sql.exec("DELETE FROM notices WHERE seq <= ?", seq);
    this.known.noticesPending = undefined;
  }

  hasPendingNotices(): boolean {
    this.known.noticesPending ??= this.sql.exec("SELECT 1 FROM notices LIMIT 1").toArray().length > 0;
    return this.known.noticesPending;
  }

  /** Whether notices wait, when known without reading (undefined: read hasPendingNotices). */
  knownNoticesPending(): boolean | undefined {
    return this.known.noticesPending;
  }

  /** The earliest expiry of an active hold, read (null: none active); it becomes the known floor. */
  nextExpiry(): number | null {
    this.known.expiryFloor = this.sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM holds WHERE status = 'active'").one().at;
    return this.known.expiryFloor;
  }

  /** A time at or before every active hold's expiry (null: none active), when known without reading. */
  expiryFloor(): number | null | undefined {
    return this.known.expiryFloor;
  }

  /** Holds were ended by expiry: the floor is read again before it is trusted. */
  forgetExpiryFloor(): void {
    this.known.expiryFloor = undefined;
  }
}

function tierOf(row: TierRow | undefined): TierState | null {
  return row
    ? {
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
    : null;
}
