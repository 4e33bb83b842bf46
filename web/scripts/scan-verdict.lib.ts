/**
 * The scanner's own verdict, for when the network is gone: the same rules as the server's
 * (docs/door.md, "The rules"), in the same order, over what the phone holds offline: the bundle's
 * keys, revocations, doors-open time and list, and the phone's own used set.
 *
 * 1. The signature first, with WebCrypto against the bundle's JWKS; until it verifies nothing in the
 *    token is trusted. A token whose key this event does not have and that names another event is
 *    `wrong_event`; anything else that does not verify is `bad_signature`.
 * 2. A ticket on the revocation list is `revoked`.
 * 3. Before the doors open it is `not_yet_valid`.
 * 4. A ticket whose tier is not one the device's list admits is `wrong_list`.
 * 5. A ticket this phone already admitted on this list is `already_used`; otherwise it is admitted.
 *
 * No DOM and no storage here: `checkTicketOffline` needs only jose, `decideOfflineVerdict` is pure,
 * so both are tested in Node (test/unit/scan-verdict.test.ts).
 */
import { decodeJwt, decodeProtectedHeader, type JSONWebKeySet } from "jose";
import { verifyTicket, type VerifiedTicketClaims } from "../../workers/tickets/ticket-tokens";

export type ScanReason = "revoked" | "wrong_event" | "wrong_list" | "bad_signature" | "already_used" | "not_yet_valid";

/** What `GET /api/v1/checkin/bundle` answers (docs/door.md). */
export interface DoorBundle {
  event: {
    event_id: string;
    title: string;
    starts_at: string;
    ends_at: string;
    doors_open_at: string;
    timezone?: string;
    venue?: { name: string; city: string; address: string };
  };
  device: { device_id: string; name: string };
  checkin_list: { checkin_list_id: string; name: string; tier_ids: string[] | null; main: boolean };
  tiers: { tier_id: string; name: string }[];
  keys: JSONWebKeySet;
  revocations: string[];
  /** Null until a revocation was seen (the first bundle of an event with none). */
  revocations_cursor: string | null;
  revocations_complete: boolean;
  server_time: string;
}

/** This phone's record that it let a ticket in through a list. */
export interface UsedMark {
  ticket_id: string;
  list_id: string;
  nonce: string;
  /** ISO time of the admitting scan. */
  at: string;
  device_id: string;
  device_name: string;
}

/** A verdict as the server words it (docs/door.md), so the page shows online and offline alike. */
export interface Verdict {
  valid: boolean;
  already_used: boolean;
  reason?: ScanReason;
  ticket_id: string | null;
  attendee_name: string | null;
  tier: string | null;
  seat: string | null;
  first_checked_in_at?: string;
  first_device?: { device_id: string; name: string };
}

export type TicketCheck = { ok: true; claims: VerifiedTicketClaims } | { ok: false; reason: "bad_signature" | "wrong_event" };

/** Rule 1: the signature, against the event's current and previous public keys. */
export async function checkTicketOffline(token: string, keys: JSONWebKeySet, eventId: string): Promise<TicketCheck> {
  const verified = await verifyTicket(token.trim(), keys, eventId).catch(() => ({ ok: false as const, reason: "bad_signature" as const }));
  if (verified.ok) return verified;
  if (verified.reason === "wrong_event") return { ok: false, reason: "wrong_event" };
  return { ok: false, reason: signedForAnotherEvent(token.trim(), keys, eventId) ? "wrong_event" : "bad_signature" };
}

/**
 * A token that reads as a ticket, signed by a key this event does not have, naming another event:
 * most likely a real ticket for the venue's other night. Unverified, so it only chooses the words
 * of a refusal, never an admission.
 */
function signedForAnotherEvent(token: string, keys: JSONWebKeySet, eventId: string): boolean {
  try {
    const { kid } = decodeProtectedHeader(token);
    if (keys.keys.some((key) => key.kid === kid)) return false;
    const { eid } = decodeJwt(token);
    return typeof eid === "string" && eid !== eventId;
  } catch {
    return false;
  }
}

/** What the bundle says about this door, read once per bundle rather than per scan. */
export interface DoorRules {
  listId: string;
  doorsOpenAt: number;
  /** Tier ids the list admits; null admits every tier. */
  listTierIds: ReadonlySet<string> | null;
  tierIdsByName: ReadonlyMap<string, readonly string[]>;
  tierNames: ReadonlyMap<string, string>;
  revoked: ReadonlySet<string>;
}

export function doorRulesOf(bundle: DoorBundle, revoked: ReadonlySet<string>): DoorRules {
  const tierIdsByName = new Map<string, string[]>();
  for (const tier of bundle.tiers) tierIdsByName.set(tier.name, [...(tierIdsByName.get(tier.name) ?? []), tier.tier_id]);
  return {
    listId: bundle.checkin_list.checkin_list_id,
    doorsOpenAt: Date.parse(bundle.event.doors_open_at),
    listTierIds: bundle.checkin_list.tier_ids === null ? null : new Set(bundle.checkin_list.tier_ids),
    tierIdsByName,
    tierNames: new Map(bundle.tiers.map((t) => [t.tier_id, t.name])),
    revoked,
  };
}

/**
 * The token's `tier` claim names the tier (API.md); tokens issued so far carry the tier's id there
 * instead. Either is read, so a phone admits both and shows the tier's name.
 */
function tierOf(claim: string, rules: DoorRules): { ids: readonly string[]; name: string } {
  const byName = rules.tierIdsByName.get(claim);
  if (byName) return { ids: byName, name: claim };
  const name = rules.tierNames.get(claim);
  return name ? { ids: [claim], name } : { ids: [], name: claim };
}

export const usedKey = (listId: string, ticketId: string) => `${listId}:${ticketId}`;

/** Rules 2–5, once the signature is settled. `now` is UTC ms by the server's clock as best known. */
export function decideOfflineVerdict(check: TicketCheck, rules: DoorRules, used: ReadonlyMap<string, UsedMark>, now: number): Verdict {
  if (!check.ok) return { valid: false, already_used: false, reason: check.reason, ticket_id: null, attendee_name: null, tier: null, seat: null };
  const { tid, name, seat } = check.claims;
  const tier = tierOf(check.claims.tier, rules);
  const about = { ticket_id: tid, attendee_name: name, tier: tier.name, seat };
  const refuse = (reason: ScanReason): Verdict => ({ valid: false, already_used: false, reason, ...about });
  if (rules.revoked.has(tid)) return refuse("revoked");
  if (now < rules.doorsOpenAt) return refuse("not_yet_valid");
  if (rules.listTierIds && !tier.ids.some((id) => rules.listTierIds!.has(id))) return refuse("wrong_list");
  const first = used.get(usedKey(rules.listId, tid));
  if (first) {
    return {
      valid: false,
      already_used: true,
      reason: "already_used",
      ...about,
      first_checked_in_at: first.at,
      first_device: { device_id: first.device_id, name: first.device_name },
    };
  }
  return { valid: true, already_used: false, ...about };
}
