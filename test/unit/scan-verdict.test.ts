/**
 * The scanner's offline verdict (web/scripts/scan-verdict.lib.ts): with only the bundle and its own
 * used set, a phone refuses what the server would refuse, for the same reason, in the same order.
 */
import { base64url, exportJWK, generateKeyPair, type JSONWebKeySet } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { signTicket, type TicketClaims, type TicketSigningKey } from "../../workers/tickets/ticket-tokens";
import {
  checkTicketOffline,
  decideOfflineVerdict,
  doorRulesOf,
  usedKey,
  type DoorBundle,
  type TicketCheck,
  type UsedMark,
} from "../../web/scripts/scan-verdict.lib";

const EVENT_ID = "7f8d2c1e-0b7a-4c9e-9d55-3a1f6b2e4c10";
const OTHER_EVENT_ID = "2b1c0d9e-8f7a-4b6c-8d5e-4f3a2b1c0d9e";
const GA = "11111111-0000-4000-8000-000000000001";
const VIP = "11111111-0000-4000-8000-000000000002";
const MAIN_LIST = "22222222-0000-4000-8000-000000000001";
const DOORS_OPEN = Date.parse("2026-11-05T18:00:00.000Z");
const AFTER_OPEN = DOORS_OPEN + 60_000;
const claims: TicketClaims = { tid: "b3c4d5e6-0000-4000-8000-000000000001", eid: EVENT_ID, tier: "General", seat: "A12", name: "Ada Lovelace", v: 1 };

async function newKey(kid: string): Promise<{ key: TicketSigningKey; jwks: JSONWebKeySet }> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  return { key: { kid, privateKey }, jwks: { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" }] } };
}

function bundle(keys: JSONWebKeySet, listTierIds: string[] | null = null): DoorBundle {
  return {
    event: { event_id: EVENT_ID, title: "Harbour Night", starts_at: "2026-11-05T20:00:00.000Z", ends_at: "2026-11-05T23:00:00.000Z", doors_open_at: new Date(DOORS_OPEN).toISOString() },
    device: { device_id: "dev-1", name: "North gate" },
    checkin_list: { checkin_list_id: MAIN_LIST, name: "Main entrance", tier_ids: listTierIds, main: true },
    tiers: [
      { tier_id: GA, name: "General" },
      { tier_id: VIP, name: "VIP" },
    ],
    keys,
    revocations: [],
    revocations_cursor: "0",
    revocations_complete: true,
    server_time: new Date(AFTER_OPEN).toISOString(),
  };
}

const valid = (overrides: Partial<TicketClaims> = {}): TicketCheck => ({ ok: true, claims: { ...claims, ...overrides, iat: 1_790_000_000 } });
const noneUsed = new Map<string, UsedMark>();

describe("offline signature check", () => {
  let event: Awaited<ReturnType<typeof newKey>>;
  let otherEvent: Awaited<ReturnType<typeof newKey>>;
  let previous: Awaited<ReturnType<typeof newKey>>;
  beforeAll(async () => {
    [event, otherEvent, previous] = await Promise.all([newKey("evt_current"), newKey("evt_other"), newKey("evt_previous")]);
  });

  it("accepts a ticket signed by the event's current or previous key", async () => {
    const keys = { keys: [...event.jwks.keys, ...previous.jwks.keys] };
    for (const key of [event.key, previous.key]) {
      const check = await checkTicketOffline(await signTicket(key, claims, new Date()), keys, EVENT_ID);
      expect(check).toMatchObject({ ok: true, claims: { tid: claims.tid, name: "Ada Lovelace", tier: "General", seat: "A12" } });
    }
  });

  it("calls a ticket of another event, under a key this event does not have, wrong_event", async () => {
    const token = await signTicket(otherEvent.key, { ...claims, eid: OTHER_EVENT_ID }, new Date());
    expect(await checkTicketOffline(token, event.jwks, EVENT_ID)).toEqual({ ok: false, reason: "wrong_event" });
  });

  it("calls a flipped signature, a stranger's key naming this event, and text that is no token bad_signature", async () => {
    const token = await signTicket(event.key, claims, new Date());
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const bytes = base64url.decode(signature);
    bytes[0] = bytes[0]! ^ 0xff;
    const flipped = `${header}.${payload}.${base64url.encode(bytes)}`;
    const stranger = await signTicket(otherEvent.key, claims, new Date());
    for (const text of [flipped, stranger, "not a ticket", "", `${header}.${payload}`]) {
      expect(await checkTicketOffline(text, event.jwks, EVENT_ID)).toEqual({ ok: false, reason: "bad_signature" });
    }
  });
});

describe("offline verdict", () => {
  const rules = (listTierIds: string[] | null = null, revoked: string[] = []) => doorRulesOf(bundle({ keys: [] }, listTierIds), new Set(revoked));

  it("admits a valid ticket once the doors are open, with its name, tier and seat", () => {
    expect(decideOfflineVerdict(valid(), rules(), noneUsed, AFTER_OPEN)).toEqual({
      valid: true,
      already_used: false,
      ticket_id: claims.tid,
      attendee_name: "Ada Lovelace",
      tier: "General",
      seat: "A12",
    });
  });

  it("refuses a ticket this phone already admitted on this list, saying when and where", () => {
    const mark: UsedMark = { ticket_id: claims.tid, list_id: MAIN_LIST, nonce: "n-1", at: "2026-11-05T18:05:00.000Z", device_id: "dev-1", device_name: "North gate" };
    const used = new Map([[usedKey(MAIN_LIST, claims.tid), mark]]);
    expect(decideOfflineVerdict(valid(), rules(), used, AFTER_OPEN)).toMatchObject({
      valid: false,
      already_used: true,
      reason: "already_used",
      first_checked_in_at: "2026-11-05T18:05:00.000Z",
      first_device: { device_id: "dev-1", name: "North gate" },
    });
    // Used on another list says nothing about this one.
    const elsewhere = new Map([[usedKey("another-list", claims.tid), { ...mark, list_id: "another-list" }]]);
    expect(decideOfflineVerdict(valid(), rules(), elsewhere, AFTER_OPEN).valid).toBe(true);
  });

  it("refuses a revoked ticket, before the doors open, and a tier the list does not admit", () => {
    expect(decideOfflineVerdict(valid(), rules(null, [claims.tid]), noneUsed, AFTER_OPEN).reason).toBe("revoked");
    expect(decideOfflineVerdict(valid(), rules(), noneUsed, DOORS_OPEN - 1).reason).toBe("not_yet_valid");
    expect(decideOfflineVerdict(valid(), rules(), noneUsed, DOORS_OPEN).valid).toBe(true);
    expect(decideOfflineVerdict(valid(), rules([VIP]), noneUsed, AFTER_OPEN)).toMatchObject({ valid: false, reason: "wrong_list", attendee_name: "Ada Lovelace" });
    expect(decideOfflineVerdict(valid({ tier: "VIP" }), rules([VIP]), noneUsed, AFTER_OPEN).valid).toBe(true);
    expect(decideOfflineVerdict(valid({ tier: "Unknown" }), rules([GA, VIP]), noneUsed, AFTER_OPEN).reason).toBe("wrong_list");
  });

  it("reads a tier id in the tier claim as well as a name, and shows the name", () => {
    expect(decideOfflineVerdict(valid({ tier: VIP }), rules([VIP]), noneUsed, AFTER_OPEN)).toMatchObject({ valid: true, tier: "VIP" });
    expect(decideOfflineVerdict(valid({ tier: GA }), rules([VIP]), noneUsed, AFTER_OPEN)).toMatchObject({ reason: "wrong_list", tier: "General" });
  });

  it("checks in the server's order: revoked before doors, doors before list, list before used", () => {
    const mark: UsedMark = { ticket_id: claims.tid, list_id: MAIN_LIST, nonce: "n", at: "2026-11-05T18:05:00.000Z", device_id: "d", device_name: "g" };
    const used = new Map([[usedKey(MAIN_LIST, claims.tid), mark]]);
    expect(decideOfflineVerdict(valid(), rules([VIP], [claims.tid]), used, DOORS_OPEN - 1).reason).toBe("revoked");
    expect(decideOfflineVerdict(valid(), rules([VIP]), used, DOORS_OPEN - 1).reason).toBe("not_yet_valid");
    expect(decideOfflineVerdict(valid(), rules([VIP]), used, AFTER_OPEN).reason).toBe("wrong_list");
  });

  it("names nobody when the signature failed", () => {
    expect(decideOfflineVerdict({ ok: false, reason: "bad_signature" }, rules(), noneUsed, AFTER_OPEN)).toEqual({
      valid: false,
      already_used: false,
      reason: "bad_signature",
      ticket_id: null,
      attendee_name: null,
      tier: null,
      seat: null,
    });
  });
});
