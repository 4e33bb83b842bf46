/**
 * TierInventory's used-ticket set in its SQLite storage: one row per admitting scan, kept after an
 * undo (so a repeated undo or a late retry of that scan still finds it). A partial unique index lets
 * at most one live admission exist per list and ticket, whatever the code above it does.
 */
import type { RecordedAdmission, UndoRequest } from "../workers/domain/checkin";

export const CHECKIN_SCHEMA: readonly string[] = [
  `CREATE TABLE admissions (
     list_id TEXT NOT NULL, ticket_id TEXT NOT NULL, device_id TEXT NOT NULL, nonce TEXT NOT NULL,
     at INTEGER NOT NULL, recorded_at INTEGER NOT NULL, undone_at INTEGER,
     PRIMARY KEY (list_id, ticket_id, device_id, nonce))`,
  `CREATE UNIQUE INDEX admissions_live ON admissions (list_id, ticket_id) WHERE undone_at IS NULL`,
];

interface AdmissionRow {
  list_id: string;
  ticket_id: string;
  device_id: string;
  nonce: string;
  at: number;
  recorded_at: number;
  undone_at: number | null;
  [key: string]: SqlStorageValue;
}

export class CheckinStore {
  constructor(private readonly sql: SqlStorage) {}

  /** The admission made by this scan (device + nonce), undone or not. */
  ofScan(scan: UndoRequest): RecordedAdmission | undefined {
    const row = this.sql
      .exec<AdmissionRow>(
        "SELECT * FROM admissions WHERE list_id = ? AND ticket_id = ? AND device_id = ? AND nonce = ?",
        scan.listId, scan.ticketId, scan.deviceId, scan.nonce,
      )
      .toArray()[0];
    return row && fromRow(row);
  }

  /** The admission that lets the ticket in through this list now. */
  live(listId: string, ticketId: string): RecordedAdmission | undefined {
    const row = this.sql.exec<AdmissionRow>("SELECT * FROM admissions WHERE list_id = ? AND ticket_id = ? AND undone_at IS NULL", listId, ticketId).toArray()[0];
    return row && fromRow(row);
  }

  insert(a: RecordedAdmission): void {
    this.sql.exec(
      "INSERT INTO admissions (list_id, ticket_id, device_id, nonce, at, recorded_at, undone_at) VALUES (?, ?, ?, ?, ?, ?, NULL)",
      a.listId, a.ticketId, a.deviceId, a.nonce, a.at, a.recordedAt,
    );
  }

  markUndone(scan: UndoRequest, undoneAt: number): void {
    this.sql.exec(
      "UPDATE admissions SET undone_at = ? WHERE list_id = ? AND ticket_id = ? AND device_id = ? AND nonce = ?",
      undoneAt, scan.listId, scan.ticketId, scan.deviceId, scan.nonce,
    );
  }

  /** Tickets admitted now, per list. */
  countsByList(): Record<string, number> {
    const rows = this.sql.exec<{ list_id: string; n: number }>("SELECT list_id, count(*) AS n FROM admissions WHERE undone_at IS NULL GROUP BY list_id").toArray();
    return Object.fromEntries(rows.map((r) => [r.list_id, r.n]));
  }
}

function fromRow(row: AdmissionRow): RecordedAdmission {
  return {
    ticketId: row.ticket_id,
    listId: row.list_id,
    deviceId: row.device_id,
    nonce: row.nonce,
    at: row.at,
    recordedAt: row.recorded_at,
    undoneAt: row.undone_at,
  };
}
