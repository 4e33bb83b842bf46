/**
 * The used-ticket set in TierInventory, through RPC as the scan route calls it: concurrent scans of
 * one ticket admit it once, distinct tickets are all admitted, lists are independent, and an undo
 * lets the ticket in again.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { TierInventory } from "../../durable-objects/tier-inventory";

async function configuredTier() {
  const stub = env.TIER_INVENTORY.getByName(`tier-${crypto.randomUUID()}`) as unknown as DurableObjectStub<TierInventory>;
  await stub.configure({ tierId: "t", eventId: "e", kind: "general_admission", capacity: 500 });
  return stub;
}

const scan = (ticketId: string, nonce: string, listId = "main", deviceId = "d1") => ({ ticketId, listId, deviceId, nonce, at: Date.now() });

describe("TierInventory used-ticket set", () => {
  it("admits a ticket once when 20 scanners ask at the same moment; the others learn the first scan", async () => {
    const stub = await configuredTier();
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => stub.admitTicket(scan("ticket-1", `nonce-${i}`, "main", `device-${i}`))));
    const admitted = outcomes.filter((o) => o.ok);
    expect(admitted).toHaveLength(1);
    const winner = admitted[0]!.ok ? admitted[0]!.admission : undefined;
    for (const o of outcomes.filter((x) => !x.ok)) expect(o).toEqual({ ok: false, code: "already_used", first: winner });
    expect(await stub.checkedIn()).toEqual({ main: 1 });
  });

  it("admits 200 distinct tickets scanned at once, and counts them", async () => {
    const stub = await configuredTier();
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => stub.admitTicket(scan(`ticket-${i}`, `nonce-${i}`))));
    expect(outcomes.filter((o) => o.ok && !o.repeated)).toHaveLength(200);
    expect(await stub.checkedIn()).toEqual({ main: 200 });
    expect(await stub.snapshot()).toMatchObject({ configured: true, capacity: 500, checked_in: { main: 200 } });
  });

  it("admits the ticket once more through a second list, and answers a repeated scan with its first admission", async () => {
    const stub = await configuredTier();
    const first = await stub.admitTicket(scan("ticket-1", "nonce-a"));
    expect(first).toMatchObject({ ok: true, repeated: false });
    expect(await stub.admitTicket(scan("ticket-1", "nonce-b", "vip"))).toMatchObject({ ok: true, repeated: false });
    expect(await stub.admitTicket(scan("ticket-1", "nonce-c", "vip"))).toMatchObject({ ok: false, code: "already_used" });
    expect(await stub.admitTicket(scan("ticket-1", "nonce-a"))).toEqual({ ...first, repeated: true });
    expect(await stub.checkedIn()).toEqual({ main: 1, vip: 1 });
  });

  it("undoes an admission for the scan that made it, then admits the ticket to a new scan", async () => {
    const stub = await configuredTier();
    await stub.admitTicket(scan("ticket-1", "nonce-a"));
    const key = { ticketId: "ticket-1", listId: "main", deviceId: "d1" };
    expect(await stub.undoAdmission({ ...key, deviceId: "d2", nonce: "nonce-a" })).toEqual({ ok: false, code: "not_admitted" });
    expect(await stub.undoAdmission({ ...key, nonce: "nonce-a" })).toMatchObject({ ok: true, undone: true, admission: { nonce: "nonce-a" } });
    expect(await stub.undoAdmission({ ...key, nonce: "nonce-a" })).toMatchObject({ ok: true, undone: false });
    expect(await stub.checkedIn()).toEqual({});
    expect(await stub.admitTicket(scan("ticket-1", "nonce-b"))).toMatchObject({ ok: true, repeated: false });
    expect(await stub.checkedIn()).toEqual({ main: 1 });
  });

  it("refuses an undo once the admission is older than the window by the object's clock", async () => {
    const stub = await configuredTier();
    await stub.admitTicket(scan("ticket-1", "nonce-a"));
    await runInDurableObject(stub, async (_instance, state) => {
      state.storage.sql.exec("UPDATE admissions SET recorded_at = recorded_at - 10001");
    });
    expect(await stub.undoAdmission({ ticketId: "ticket-1", listId: "main", deviceId: "d1", nonce: "nonce-a" })).toEqual({ ok: false, code: "too_late" });
    expect(await stub.checkedIn()).toEqual({ main: 1 });
  });
});
