/**
 * The used-ticket set: which tickets have been let in through which check-in list. Pure; the tier's
 * TierInventory keeps the set and runs these decisions one at a time, so "first scan wins" holds
 * however many scanners ask at once (docs/door.md, rule 5).
 *
 * 1. A ticket is admitted at most once per list (a second list, e.g. a VIP lounge, admits it once more).
 * 2. A scan is named by its device and nonce. The same scan asked again (a retry after a lost answer)
 *    gets its first admission back and changes nothing, even after it was undone: a late retry must
 *    not let in again someone the door just turned back.
 * 3. Only the device whose scan admitted a ticket may undo it, and only within UNDO_WINDOW_MS of the
 *    admission by the object's clock (the scanner's clock says when it scanned, not when the object
 *    agreed). Afterwards the ticket can be admitted again by a new scan.
 */

export const UNDO_WINDOW_MS = 10_000;

export interface AdmitRequest {
  ticketId: string;
  listId: string;
  deviceId: string;
  nonce: string;
  /** When the ticket was scanned (UTC ms), by the scanner's clock. */
  at: number;
}

export interface Admission {
  ticketId: string;
  listId: string;
  deviceId: string;
  nonce: string;
  at: number;
}

export type AdmitOutcome =
  | { ok: true; admission: Admission; repeated: boolean }
  | { ok: false; code: "already_used"; first: Admission };

export interface UndoRequest {
  ticketId: string;
  listId: string;
  deviceId: string;
  nonce: string;
}

export type UndoOutcome = { ok: true; undone: boolean; admission: Admission } | { ok: false; code: "not_admitted" | "too_late" };

/** An admission as kept: `recordedAt` and `undoneAt` are the object's clock. */
export interface RecordedAdmission extends Admission {
  recordedAt: number;
  undoneAt: number | null;
}

export interface AdmitDecision {
  outcome: AdmitOutcome;
  /** The admission to store, when this scan admits. */
  record?: RecordedAdmission;
}

/**
 * @param sameScan the admission made earlier by this very scan (device + nonce), undone or not
 * @param current the admission that holds the ticket on this list now (never an undone one)
 */
export function admitTicket(request: AdmitRequest, sameScan: RecordedAdmission | undefined, current: RecordedAdmission | undefined, now: number): AdmitDecision {
  if (sameScan) return { outcome: { ok: true, admission: admissionOf(sameScan), repeated: true } };
  if (current) return { outcome: { ok: false, code: "already_used", first: admissionOf(current) } };
  const admission = admissionOf(request);
  return { outcome: { ok: true, admission, repeated: false }, record: { ...admission, recordedAt: now, undoneAt: null } };
}

export interface UndoDecision {
  outcome: UndoOutcome;
  /** When set, the admission of this scan is undone at this time. */
  undoneAt?: number;
}

/** @param sameScan the admission made by the scan being undone (device + nonce), if any */
export function undoAdmission(sameScan: RecordedAdmission | undefined, now: number): UndoDecision {
  if (!sameScan) return { outcome: { ok: false, code: "not_admitted" } };
  const admission = admissionOf(sameScan);
  if (sameScan.undoneAt !== null) return { outcome: { ok: true, undone: false, admission } };
  if (now - sameScan.recordedAt > UNDO_WINDOW_MS) return { outcome: { ok: false, code: "too_late" } };
  return { outcome: { ok: true, undone: true, admission }, undoneAt: now };
}

function admissionOf(a: Admission): Admission {
  return { ticketId: a.ticketId, listId: a.listId, deviceId: a.deviceId, nonce: a.nonce, at: a.at };
}
