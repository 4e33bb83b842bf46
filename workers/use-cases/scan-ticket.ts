/**
 * A scan at the door, online or synced from an offline phone: check the token (signature, ledger,
 * doors, list) through workers/domain/scan-verdict.ts, let the ticket's tier's TierInventory admit its
 * id once per list in one serialized step, and append the scan with its answer to the check-in log.
 *
 * Exactly once per list holds because TierInventory is the only place that marks a ticket used. The
 * same device nonce gets the same answer because the log stores the first answer under a unique
 * (device, nonce) and every later copy returns what is stored, even when two copies race.
 */
import { decodeProtectedHeader } from "jose";
import type { HttpDatabase } from "../../db/client";
import type { EventRow } from "../../db/queries/catalog";
import {
  appendCheckin,
  checkinOfNonce,
  deviceNames,
  signingKeyByKid,
  storedAnswer,
  ticketForScan,
  type CheckinListRow,
  type DeviceRow,
  type ScannedTicket,
} from "../../db/queries/door";
import { doorsOpenAt, judgeScan, type ScanReason, type SignatureCheck } from "../domain/scan-verdict";
import { ApiError } from "../errors";
import { inventoryOf } from "../inventory-client";
import { eventJwks, SIGNING_ALGORITHM, type EventJwks, type PublicSigningJwk } from "../tickets/signing-keys";
import { verifyTicket } from "../tickets/ticket-tokens";
import { checkinCreated, dispatchNow } from "../webhooks-out/events";

export interface DoorDevice {
  device: DeviceRow;
  list: CheckinListRow;
  event: EventRow;
}

export interface ScanVerdict {
  valid: boolean;
  already_used: boolean;
  reason?: ScanReason;
  ticket_id: string | null;
  attendee_name: string | null;
  tier: string | null;
  seat: string | null;
  first_checked_in_at?: string;
  first_device?: { device_id: string; name: string };
  checkin_list: { checkin_list_id: string; name: string };
  nonce: string;
  scanned_at: string;
  offline: boolean;
  /** Sync only: the phone let this ticket in offline, but it had already been admitted on this list. */
  conflict?: boolean;
  /** Sync only: the phone refused a ticket the server would have admitted; it stays not admitted. */
  refused_offline?: boolean;
}

export interface ScanInput {
  token: string;
  nonce: string;
  scannedAt: number;
  offline: boolean;
  /** What the phone decided on its own (sync). */
  offlineVerdict?: "admit" | "reject";
}

/** Long enough to spare the database on every scan, short enough that a rotated key arrives soon. */
const JWKS_TTL_MS = 30_000;
const jwksCache = new Map<string, { loadedAt: number; jwks: EventJwks }>();

async function keysOf(db: HttpDatabase, eventId: string, kid: string | undefined, now: number): Promise<EventJwks> {
  const hit = jwksCache.get(eventId);
  // A kid we do not know yet may be a key rotated in since the cache was filled: look again.
  if (hit && now - hit.loadedAt < JWKS_TTL_MS && (!kid || hit.jwks.keys.some((k) => k.kid === kid))) return hit.jwks;
  const jwks = await eventJwks(db, eventId);
  jwksCache.set(eventId, { loadedAt: now, jwks });
  return jwks;
}

/**
 * The signature first: only a token one of the event's keys signed is read. A token signed by
 * another event's (unretired) key is `wrong_event`, so staff can tell a guest at the wrong door from
 * a forgery.
 */
async function checkSignature(db: HttpDatabase, token: string, eventId: string, now: number): Promise<SignatureCheck & { claims?: { name: string; tier: string; seat: string | null } }> {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return { ok: false, reason: "bad_signature" };
  }
  const jwks = await keysOf(db, eventId, kid, now);
  const verified = await verifyTicket(token, jwks, eventId);
  if (verified.ok) {
    const { tid, eid, v, name, tier, seat } = verified.claims;
    return { ok: true, ticketId: tid, eventId: eid, version: v, claims: { name, tier, seat } };
  }
  if (verified.reason === "wrong_event") return { ok: false, reason: "wrong_event" };
  if (kid && !jwks.keys.some((k) => k.kid === kid)) {
    const other = await signingKeyByKid(db, kid);
    if (other && other.eventId !== eventId) {
      const jwk = { ...(other.publicJwk as object), kid, alg: SIGNING_ALGORITHM, use: "sig" } as PublicSigningJwk;
      const elsewhere = await verifyTicket(token, { keys: [jwk] }, other.eventId);
      if (elsewhere.ok) return { ok: false, reason: "wrong_event" };
    }
  }
  return { ok: false, reason: "bad_signature" };
}

function describeTicket(ticket: ScannedTicket | undefined, claims: { name: string; tier: string; seat: string | null } | undefined) {
  if (ticket) return { ticket_id: ticket.id, attendee_name: ticket.attendeeName, tier: ticket.tierName, seat: ticket.seatLabel };
  // Signed, but the ledger does not know it: the name and seat as signed; the tier claim is an id, not shown.
  return { ticket_id: null, attendee_name: claims?.name ?? null, tier: null, seat: claims?.seat ?? null };
}

export async function scanTicket(env: Env, db: HttpDatabase, door: DoorDevice, input: ScanInput, now: Date): Promise<ScanVerdict> {
  const earlier = await storedAnswer(db, door.device.id, input.nonce);
  if (earlier) return JSON.parse(earlier) as ScanVerdict;

  const signature = await checkSignature(db, input.token, door.event.id, now.getTime());
  const ticket = signature.ok ? await ticketForScan(db, signature.ticketId) : undefined;
  const decision = judgeScan({
    signature,
    ticket,
    eventId: door.event.id,
    doorsOpenAt: doorsOpenAt(door.event.startsAt.getTime(), door.event.doorsOpenMinutesBefore),
    listTierIds: door.list.tierIds ?? null,
    scannedAt: input.scannedAt,
  });

  let reason: ScanReason | undefined = decision.claim ? undefined : decision.reason;
  let first: { at: number; deviceId: string } | undefined;
  // The phone turned this person away offline (its clock, a stale bundle): the scan is recorded as
  // refused, never turned into an admission after the fact. A new scan at the door can let them in.
  const refusedAtTheDoor = decision.claim && input.offlineVerdict === "reject";
  if (decision.claim && !refusedAtTheDoor) {
    const outcome = await inventoryOf(env, decision.tierId).admitTicket({
      ticketId: ticket!.id,
      listId: door.list.id,
      deviceId: door.device.id,
      nonce: input.nonce,
      at: input.scannedAt,
    });
    if (!outcome.ok) {
      reason = "already_used";
      first = { at: outcome.first.at, deviceId: outcome.first.deviceId };
    }
  }

  const verdict: ScanVerdict = {
    valid: reason === undefined && !refusedAtTheDoor,
    already_used: reason === "already_used",
    ...(reason ? { reason } : {}),
    ...describeTicket(ticket, signature.claims),
    ...(first ? await firstScan(db, first) : {}),
    checkin_list: { checkin_list_id: door.list.id, name: door.list.name },
    nonce: input.nonce,
    scanned_at: new Date(input.scannedAt).toISOString(),
    offline: input.offline,
    ...(input.offlineVerdict ? { conflict: input.offlineVerdict === "admit" && reason === "already_used" } : {}),
    ...(refusedAtTheDoor ? { refused_offline: true } : {}),
  };
  const answer = await appendCheckin(db, {
    eventId: door.event.id,
    ticketId: ticket?.id ?? null,
    tierId: ticket?.tierId ?? null,
    deviceId: door.device.id,
    checkinListId: door.list.id,
    nonce: input.nonce,
    result: refusedAtTheDoor ? "rejected" : reason === undefined ? "admitted" : reason === "already_used" ? "duplicate" : "rejected",
    reason: refusedAtTheDoor ? "refused_offline" : (reason ?? null),
    offline: input.offline,
    conflict: verdict.conflict === true,
    answer: JSON.stringify(verdict),
    scannedAt: new Date(input.scannedAt),
  });
  const stored = JSON.parse(answer) as ScanVerdict;
  if (stored.valid && ticket) {
    const at = new Date(input.scannedAt);
    const scan = { eventId: door.event.id, ticketId: ticket.id, tierId: ticket.tierId, checkinListId: door.list.id, deviceId: door.device.id, nonce: input.nonce, scannedAt: at, offline: input.offline, attendeeName: ticket.attendeeName, seat: ticket.seatLabel };
    await dispatchNow(env, await checkinCreated(db, scan, now));
  }
  return stored;
}

async function firstScan(db: HttpDatabase, first: { at: number; deviceId: string }) {
  const names = await deviceNames(db, [first.deviceId]);
  return {
    first_checked_in_at: new Date(first.at).toISOString(),
    first_device: { device_id: first.deviceId, name: names.get(first.deviceId) ?? "another scanner" },
  };
}

/**
 * Staff let someone in by mistake: the admit made by this device's scan `nonce` is taken back within
 * the undo window (decided by TierInventory), and the undo is logged as a row of its own.
 */
export async function undoScan(env: Env, db: HttpDatabase, door: DoorDevice, nonce: string, now: Date): Promise<{ undone: true; ticket_id: string }> {
  const scan = await checkinOfNonce(db, door.device.id, nonce);
  if (!scan || scan.result !== "admitted" || !scan.ticketId || !scan.tierId || !scan.checkinListId) {
    throw new ApiError("UNDO_NOT_ALLOWED", "This phone admitted nobody with that scan.", { reason: "not_admitted" });
  }
  const outcome = await inventoryOf(env, scan.tierId).undoAdmission({ ticketId: scan.ticketId, listId: scan.checkinListId, deviceId: door.device.id, nonce });
  if (!outcome.ok) {
    throw new ApiError(
      "UNDO_NOT_ALLOWED",
      outcome.code === "too_late" ? "An admit can only be undone within 10 seconds." : "This ticket is not admitted by that scan any more.",
      { reason: outcome.code },
    );
  }
  if (outcome.undone) {
    await appendCheckin(db, {
      eventId: door.event.id,
      ticketId: scan.ticketId,
      tierId: scan.tierId,
      deviceId: door.device.id,
      checkinListId: scan.checkinListId,
      nonce: `undo-${nonce}`,
      result: "undone",
      reason: "staff_undo",
      offline: false,
      answer: JSON.stringify({ undone: true, ticket_id: scan.ticketId }),
      scannedAt: now,
    });
  }
  return { undone: true, ticket_id: scan.ticketId };
}
