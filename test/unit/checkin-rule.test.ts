import { describe, expect, it } from "vitest";
import { admitTicket, UNDO_WINDOW_MS, undoAdmission, type AdmitRequest, type RecordedAdmission } from "../../workers/domain/checkin";

const T0 = Date.UTC(2026, 11, 31, 20, 0, 0);
const scan = (overrides: Partial<AdmitRequest> = {}): AdmitRequest => ({ ticketId: "t1", listId: "main", deviceId: "d1", nonce: "n1", at: T0, ...overrides });

/** Keeps admissions as TierInventory does, so a sequence of scans can be played through the rule. */
function door() {
  const kept: RecordedAdmission[] = [];
  const sameScan = (r: { ticketId: string; listId: string; deviceId: string; nonce: string }) =>
    kept.find((a) => a.ticketId === r.ticketId && a.listId === r.listId && a.deviceId === r.deviceId && a.nonce === r.nonce);
  return {
    admit(request: AdmitRequest, now = request.at) {
      const live = kept.find((a) => a.ticketId === request.ticketId && a.listId === request.listId && a.undoneAt === null);
      const decision = admitTicket(request, sameScan(request), live, now);
      if (decision.record) kept.push(decision.record);
      return decision.outcome;
    },
    undo(request: Omit<AdmitRequest, "at">, now: number) {
      const own = sameScan(request);
      const decision = undoAdmission(own, now);
      if (decision.undoneAt !== undefined) own!.undoneAt = decision.undoneAt;
      return decision.outcome;
    },
    live: () => kept.filter((a) => a.undoneAt === null).length,
  };
}

describe("check-in rule", () => {
  it("admits a ticket once per list; any other scan is already_used with the first admission", () => {
    const d = door();
    expect(d.admit(scan())).toEqual({ ok: true, repeated: false, admission: scan() });
    expect(d.admit(scan({ deviceId: "d2", nonce: "n2", at: T0 + 5_000 }))).toEqual({ ok: false, code: "already_used", first: scan() });
    expect(d.admit(scan({ nonce: "n3" }))).toMatchObject({ ok: false, code: "already_used" });
    expect(d.live()).toBe(1);
  });

  it("admits the same ticket once more through a second list", () => {
    const d = door();
    d.admit(scan());
    expect(d.admit(scan({ listId: "vip", nonce: "n2" }))).toMatchObject({ ok: true, repeated: false });
    expect(d.admit(scan({ listId: "vip", nonce: "n3" }))).toMatchObject({ ok: false, code: "already_used" });
    expect(d.live()).toBe(2);
  });

  it("answers a repeated scan (same device and nonce) with its first admission and keeps nothing new", () => {
    const d = door();
    const first = d.admit(scan());
    expect(d.admit(scan({ at: T0 + 1 }), T0 + 3_000)).toEqual({ ...first, repeated: true });
    expect(d.live()).toBe(1);
  });

  it("lets the admitting scan undo within the window, and a new scan admit the ticket again", () => {
    const d = door();
    d.admit(scan());
    expect(d.undo(scan(), T0 + UNDO_WINDOW_MS)).toEqual({ ok: true, undone: true, admission: scan() });
    expect(d.undo(scan(), T0 + UNDO_WINDOW_MS + 60_000)).toEqual({ ok: true, undone: false, admission: scan() });
    expect(d.live()).toBe(0);
    expect(d.admit(scan({ nonce: "n2", at: T0 + 20_000 }))).toMatchObject({ ok: true, repeated: false });
    expect(d.live()).toBe(1);
  });

  it("judges the window by when the admission was recorded, not by the scanner's clock", () => {
    const d = door();
    // An offline scan synced a minute after it was made: the undo window starts at the sync.
    d.admit(scan(), T0 + 60_000);
    expect(d.undo(scan(), T0 + 65_000)).toMatchObject({ ok: true, undone: true });
  });

  it("refuses an undo after the window, or from a scan that did not admit", () => {
    const d = door();
    d.admit(scan());
    expect(d.undo(scan(), T0 + UNDO_WINDOW_MS + 1)).toEqual({ ok: false, code: "too_late" });
    expect(d.undo(scan({ deviceId: "d2" }), T0 + 1_000)).toEqual({ ok: false, code: "not_admitted" });
    expect(d.admit(scan({ deviceId: "d2", nonce: "n2" }))).toMatchObject({ ok: false, code: "already_used" });
    expect(d.undo(scan({ deviceId: "d2", nonce: "n2" }), T0 + 1_000)).toEqual({ ok: false, code: "not_admitted" });
    expect(d.live()).toBe(1);
  });

  it("does not let a late retry of an undone scan admit the ticket again", () => {
    const d = door();
    d.admit(scan());
    d.undo(scan(), T0 + 2_000);
    expect(d.admit(scan(), T0 + 4_000)).toMatchObject({ ok: true, repeated: true });
    expect(d.live()).toBe(0);
  });
});
