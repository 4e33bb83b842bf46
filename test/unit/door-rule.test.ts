/**
 * The door's rule before a claim (workers/domain/scan-verdict.ts): the first reason that applies wins,
 * and nothing in a token counts before its signature.
 */
import { describe, expect, it } from "vitest";
import { doorsOpenAt, effectiveScanTime, judgeScan, type ScanFacts } from "../../workers/domain/scan-verdict";

const EVENT = "event-1";
const HOUR = 3_600_000;
const start = Date.UTC(2027, 5, 1, 18);

function facts(overrides: Partial<ScanFacts> = {}): ScanFacts {
  return {
    signature: { ok: true, ticketId: "t1", eventId: EVENT, version: 1 },
    ticket: { eventId: EVENT, tierId: "ga", status: "valid", version: 1 },
    eventId: EVENT,
    doorsOpenAt: doorsOpenAt(start, 360),
    listTierIds: null,
    scannedAt: start - HOUR,
    ...overrides,
  };
}

describe("judgeScan", () => {
  it("claims a valid ticket of an admitted tier once the doors are open", () => {
    expect(judgeScan(facts())).toEqual({ claim: true, tierId: "ga" });
    expect(judgeScan(facts({ listTierIds: ["vip", "ga"] }))).toEqual({ claim: true, tierId: "ga" });
  });

  it("refuses a bad signature before anything else, whatever the ledger says", () => {
    expect(judgeScan(facts({ signature: { ok: false, reason: "bad_signature" }, scannedAt: 0, listTierIds: [] }))).toEqual({ claim: false, reason: "bad_signature" });
    expect(judgeScan(facts({ signature: { ok: false, reason: "wrong_event" } }))).toEqual({ claim: false, reason: "wrong_event" });
  });

  it("refuses a ticket naming another event, revoked, superseded by a reissue, or unknown to the ledger", () => {
    expect(judgeScan(facts({ signature: { ok: true, ticketId: "t1", eventId: "other", version: 1 } })).claim).toBe(false);
    expect(judgeScan(facts({ ticket: { eventId: EVENT, tierId: "ga", status: "revoked", version: 1 } }))).toEqual({ claim: false, reason: "revoked" });
    expect(judgeScan(facts({ ticket: { eventId: EVENT, tierId: "ga", status: "valid", version: 2 } }))).toEqual({ claim: false, reason: "revoked" });
    expect(judgeScan(facts({ ticket: undefined }))).toEqual({ claim: false, reason: "revoked" });
  });

  it("refuses before the doors open (by default six hours before the start), then a tier the list does not admit", () => {
    expect(judgeScan(facts({ scannedAt: start - 6 * HOUR - 1 }))).toEqual({ claim: false, reason: "not_yet_valid" });
    expect(judgeScan(facts({ scannedAt: start - 6 * HOUR })).claim).toBe(true);
    expect(judgeScan(facts({ listTierIds: ["vip"] }))).toEqual({ claim: false, reason: "wrong_list" });
    // A revoked ticket at the wrong list is told it is revoked: the more serious reason first.
    expect(judgeScan(facts({ listTierIds: ["vip"], ticket: { eventId: EVENT, tierId: "ga", status: "revoked", version: 1 } })).claim).toBe(false);
  });
});

describe("effectiveScanTime", () => {
  it("trusts the phone's clock, but never past the upload nor more than a week back", () => {
    const now = Date.UTC(2027, 5, 1);
    expect(effectiveScanTime(now - 5_000, now)).toBe(now - 5_000);
    expect(effectiveScanTime(now + 3_600_000, now)).toBe(now);
    expect(effectiveScanTime(0, now)).toBe(now - 7 * 86_400_000);
    expect(effectiveScanTime(undefined, now)).toBe(now);
  });
});
