/**
 * What the door decides before a ticket is claimed. The rule in a sentence: a ticket gets in when one
 * of its event's keys signed it, the ledger still holds it valid at that version, the doors are open,
 * and the device's check-in list admits its tier — then its tier's TierInventory admits its id once
 * per list (workers/domain/checkin.ts). Checked in that order, so nothing in a token is trusted
 * before its signature, and a refused scan names the first reason that applies.
 */
export type ScanReason = "revoked" | "wrong_event" | "wrong_list" | "bad_signature" | "already_used" | "not_yet_valid";

export type SignatureCheck =
  | { ok: true; ticketId: string; eventId: string; version: number }
  | { ok: false; reason: "bad_signature" | "wrong_event" };

export interface LedgerTicket {
  eventId: string;
  tierId: string;
  status: "valid" | "revoked";
  version: number;
}

export interface ScanFacts {
  signature: SignatureCheck;
  /** The ticket row the token names, when it verified and the ledger has it. */
  ticket: LedgerTicket | undefined;
  /** The event the scanning device belongs to. */
  eventId: string;
  doorsOpenAt: number;
  /** Tiers the device's list admits; null admits every tier. */
  listTierIds: readonly string[] | null;
  scannedAt: number;
}

export type ScanDecision = { claim: true; tierId: string } | { claim: false; reason: ScanReason };

export function judgeScan(facts: ScanFacts): ScanDecision {
  const { signature, ticket } = facts;
  if (!signature.ok) return { claim: false, reason: signature.reason };
  if (signature.eventId !== facts.eventId) return { claim: false, reason: "wrong_event" };
  // Signed by us but not in the ledger (its order never committed) or superseded: not a ticket now.
  if (!ticket || ticket.status !== "valid" || ticket.version !== signature.version) return { claim: false, reason: "revoked" };
  if (ticket.eventId !== facts.eventId) return { claim: false, reason: "wrong_event" };
  if (facts.scannedAt < facts.doorsOpenAt) return { claim: false, reason: "not_yet_valid" };
  if (facts.listTierIds !== null && !facts.listTierIds.includes(ticket.tierId)) return { claim: false, reason: "wrong_list" };
  return { claim: true, tierId: ticket.tierId };
}

export const DEFAULT_DOORS_OPEN_MINUTES = 360;

export function doorsOpenAt(startsAt: number, minutesBefore: number): number {
  return startsAt - minutesBefore * 60_000;
}

/**
 * When an offline scan happened, as the server will judge it: the device's clock, but never later
 * than the upload (a clock running fast cannot open the doors early) nor older than a week.
 */
export function effectiveScanTime(reported: number | undefined, receivedAt: number): number {
  if (reported === undefined || !Number.isFinite(reported)) return receivedAt;
  return Math.min(Math.max(reported, receivedAt - 7 * 86_400_000), receivedAt);
}
