/**
 * TierInventory's reads that need no memory: holds, waitlist entries, seats, returns and the notices
 * to publish, as the domain's values (workers/domain/inventory.ts). InventoryStore
 * (tier-inventory-store.ts) adds what it remembers (the tier row, the waiting count, the expiry floor)
 * and the writes.
 */
import type { SeatState } from "../workers/domain/best-available";
import type { EntryState, HoldState, WaitlistStatus } from "../workers/domain/inventory";

type Row<T> = T & Record<string, SqlStorageValue>;
type HoldRow = Row<{ hold_id: string; quantity: number; seats: string; status: string; expires_at: number; buyer: string | null; client: string | null }>;
type EntryRow = Row<{ entry_id: string; seq: number; quantity: number; status: string; pass_overs: number; offer_hold_id: string | null; offer_expires_at: number | null }>;
type SeatRow = Row<{ label: string; section: string; row: string; number: number; x: number; y: number; accessible: number; status: string }>;

export class InventoryReads {
  constructor(protected readonly sql: SqlStorage) {}

  hold(holdId: string): HoldState | undefined {
    const row = this.sql.exec<HoldRow>("SELECT * FROM holds WHERE hold_id = ?", holdId).toArray()[0];
    return row && holdOf(row);
  }

  /** The hold stored under this name and the active holds of the buyer and of the client address, in one statement. */
  holdAndActiveHoldsOf(holdId: string, buyer: string | undefined, client: string | null | undefined): { previous: HoldState | undefined; buyerHolds: HoldState[]; clientHolds: HoldState[] } {
    const rows = this.sql
      .exec<HoldRow>(
        "SELECT * FROM holds WHERE hold_id = ? OR (status = 'active' AND buyer = ?) OR (status = 'active' AND client = ?)",
        holdId, buyer ?? null, client ?? null,
      )
      .toArray()
      .map(holdOf);
    return {
      previous: rows.find((h) => h.holdId === holdId),
      buyerHolds: buyer ? rows.filter((h) => h.status === "active" && h.buyer === buyer) : [],
      clientHolds: client ? rows.filter((h) => h.status === "active" && h.client === client) : [],
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

  pendingNotices(limit: number): { seq: number; body: string }[] {
    return this.sql.exec<{ seq: number; body: string }>("SELECT seq, body FROM notices ORDER BY seq LIMIT ?", limit).toArray();
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
