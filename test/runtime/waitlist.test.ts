/**
 * Waitlists in workerd against the real ledger, Stripe emulator and mail outbox: freed units reach
 * the waitlist first and in order, offers pass on when they expire, and the Queue's duplicates and
 * reorderings change nothing.
 */
import { createExecutionContext, createMessageBatch, getQueueResult, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../db/schema";
import type { TierInventory } from "../../durable-objects/tier-inventory";
import entry from "../../workers/index";
import { inventoryOf } from "../../workers/inventory-client";
import { db, uniqueName } from "./fixtures";
import { call } from "./http";
import { inBatches, pay, publishedEvent, register, registration } from "./purchase-helpers";
import { shuffled } from "../seeded-random";
import { seeded } from "./run-seed";

const waitlistOn = { waitlist: { enabled: true, offer_minutes: 30 } };

async function soldOutEvent(capacity: number) {
  const published = await publishedEvent([{ name: "GA", price: 2000, capacity, max_per_order: 4 }], waitlistOn);
  const tierId = published.tiers[0]!.tier_id;
  const orders: { order_id: string; order_token: string }[] = [];
  for (let i = 0; i < capacity; i++) {
    const registered = await register(published.eventId, registration(tierId));
    expect(registered.status).toBe(201);
    expect((await pay(registered.body.order_id, registered.body.order_token)).status).toBe(200);
    orders.push(registered.body);
  }
  return { ...published, tierId, orders };
}

function attendee(label: string) {
  return { email: `${uniqueName(label)}@example.test`, name: `Waiting ${label}` };
}

async function join(eventId: string, tierId: string, who = attendee("w"), quantity = 1) {
  const joined = await call("POST", `/api/v1/events/${eventId}/waitlist`, { tier_id: tierId, quantity, attendee: who });
  expect(joined.status).toBe(201);
  return { ...joined.body, email: who.email } as { entry_id: string; entry_token: string; position: number; status: string; email: string };
}

async function entryStatus(joined: { entry_id: string; entry_token: string }) {
  const answer = await call("GET", `/api/v1/waitlist/${joined.entry_id}`, undefined, {}, { Authorization: `Bearer ${joined.entry_token}` });
  expect(answer.status).toBe(200);
  return answer.body;
}

async function organizerRefund(orderId: string, apiKey: string) {
  return call("POST", `/api/v1/orders/${orderId}/refund`, { reason: "Organizer goodwill" }, { apiKey });
}

/** Runs the offer's expiry now, as its alarm would at `offer_expires_at`. */
async function expireOffer(tierId: string, entryId: string) {
  const stub = inventoryOf(env, tierId) as unknown as DurableObjectStub<TierInventory>;
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE hold_id = ?", Date.now() - 1, `offer_${entryId}`);
  });
  await runDurableObjectAlarm(stub);
}

async function mailsTo(address: string): Promise<{ subject: string; text: string }[]> {
  const response = await fetch(`${inject("stackUrls").mail}/api/emails?to=${encodeURIComponent(address)}`);
  return ((await response.json()) as { data: { subject: string; text: string }[] }).data;
}

async function ledgerEntry(entryId: string) {
  const [row] = await db().select().from(schema.waitlistEntries).where(eq(schema.waitlistEntries.id, entryId));
  return row!;
}

describe("waitlist", () => {
  it("joins in order, answers a second join with the same entry, and register can join for a sold-out buyer", async () => {
    const { eventId, tierId } = await soldOutEvent(2);
    const first = await join(eventId, tierId);
    expect(first).toMatchObject({ status: "waiting", position: 1 });
    expect(first.entry_token).toMatch(/^wt_/);

    const who = attendee("reg");
    const soldOut = await register(eventId, registration(tierId, { attendee: who, join_waitlist: true, quantity: 2 }));
    expect(soldOut.status).toBe(409);
    expect(soldOut.body).toMatchObject({ error: { code: "SOLD_OUT" }, waitlist_position: 2, waitlist_status: "waiting" });
    const again = await call("POST", `/api/v1/events/${eventId}/waitlist`, { tier_id: tierId, quantity: 2, attendee: who });
    expect(again.status).toBe(200);
    expect(again.body.entry_id).toBe(soldOut.body.waitlist_entry_id);

    // No group larger than the tier: it could never be served.
    const tooMany = await call("POST", `/api/v1/events/${eventId}/waitlist`, { tier_id: tierId, quantity: 3, attendee: attendee("big") });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.details[0].field).toBe("quantity");

    const forged = await call("GET", `/api/v1/waitlist/${first.entry_id}`, undefined, {}, { Authorization: `Bearer ${again.body.entry_token}` });
    expect(forged.status).toBe(401);

    // Leaving moves everyone behind up.
    const left = await call("DELETE", `/api/v1/waitlist/${first.entry_id}`, undefined, {}, { Authorization: `Bearer ${first.entry_token}` });
    expect(left.body).toMatchObject({ status: "left" });
    expect(await entryStatus({ entry_id: again.body.entry_id, entry_token: again.body.entry_token })).toMatchObject({ position: 1, status: "waiting" });
  });

  it("refuses to join when the event has no waitlist, and validates the request", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 2000, capacity: 1 }]);
    const off = await call("POST", `/api/v1/events/${eventId}/waitlist`, { tier_id: tiers[0]!.tier_id, quantity: 1, attendee: attendee("x") });
    expect(off.status).toBe(409);
    expect(off.body.error.code).toBe("WAITLIST_DISABLED");
    const bad = await call("POST", `/api/v1/events/${eventId}/waitlist`, { tier_id: "nope", quantity: 0, attendee: { email: "no" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("gives every unit freed by refunds to the waitlist in order while new buyers race for them", async () => {
    const { eventId, tierId, orders, organizer } = await soldOutEvent(6);
    const entries: Awaited<ReturnType<typeof join>>[] = [];
    for (let i = 0; i < 6; i++) entries.push(await join(eventId, tierId, attendee(`race${i}`)));
    expect(entries.map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6]);

    const refunds = orders.slice(0, 4).map((order) => () => organizerRefund(order.order_id, organizer.key.apiKey!));
    const buyers = Array.from({ length: 40 }, () => () => register(eventId, registration(tierId)));
    const answers = await inBatches(shuffled([...refunds, ...buyers], seeded("waitlist: refunds racing buyers")), 16, (run) => run());
    const refundAnswers = answers.filter((a) => a.body?.refund_id);
    expect(refundAnswers).toHaveLength(4);
    expect(refundAnswers.every((a) => a.status === 200 && a.body.status === "succeeded")).toBe(true);
    const buyerAnswers = answers.filter((a) => !a.body?.refund_id);
    expect(buyerAnswers.map((a) => a.body.error?.code)).toEqual(Array(40).fill("SOLD_OUT"));

    const statuses = await Promise.all(entries.map(entryStatus));
    expect(statuses.map((s) => s.status)).toEqual(["offered", "offered", "offered", "offered", "waiting", "waiting"]);
    expect(statuses.slice(4).map((s) => s.position)).toEqual([1, 2]);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 2, held: 4, available: 0, waiting: 2 });

    // The first entrant buys through the offer.
    const accepted = await call("POST", `/api/v1/waitlist/offers/${statuses[0].offer_token}/accept`);
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({ status: "pending", quantity: 1, amount: 2000 });
    expect(Date.parse(accepted.body.hold_expires_at)).toBe(Date.parse(statuses[0].offer_expires_at));
    const again = await call("POST", `/api/v1/waitlist/offers/${statuses[0].offer_token}/accept`);
    expect(again.status).toBe(200);
    expect(again.body.order_id).toBe(accepted.body.order_id);
    expect((await pay(accepted.body.order_id, accepted.body.order_token)).body.status).toBe("confirmed");
    expect(await entryStatus(entries[0]!)).toMatchObject({ status: "purchased" });
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 3, held: 3, available: 0 });
    await expect.poll(async () => (await ledgerEntry(entries[0]!.entry_id)).status, { timeout: 20_000 }).toBe("purchased");
  });

  it("passes an offer on when the first two entrants let theirs expire; the third buys through the mail link", async () => {
    const { eventId, tierId, orders, organizer } = await soldOutEvent(1);
    const [a, b, c] = [await join(eventId, tierId, attendee("a")), await join(eventId, tierId, attendee("b")), await join(eventId, tierId, attendee("c"))];
    expect((await organizerRefund(orders[0]!.order_id, organizer.key.apiKey!)).status).toBe(200);

    const aOffer = await entryStatus(a);
    expect(aOffer).toMatchObject({ status: "offered" });
    await expireOffer(tierId, a.entry_id);
    expect(await entryStatus(a)).toMatchObject({ status: "expired" });
    expect(await entryStatus(b)).toMatchObject({ status: "offered" });
    await expireOffer(tierId, b.entry_id);
    expect(await entryStatus(b)).toMatchObject({ status: "expired" });
    expect(await entryStatus(c)).toMatchObject({ status: "offered", position: 0 });
    // An expired offer cannot be accepted, and an offer token cannot be turned into another entry's.
    const late = await call("POST", `/api/v1/waitlist/offers/${aOffer.offer_token}/accept`);
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe("HOLD_EXPIRED");
    const forged = await call("POST", `/api/v1/waitlist/offers/${(await entryStatus(c)).offer_token.replace(c.entry_id, b.entry_id)}/accept`);
    expect(forged.status).toBe(401);

    // Each of the three was mailed one offer; C's carries the link that buys.
    await expect.poll(async () => (await mailsTo(c.email)).length, { timeout: 20_000 }).toBe(1);
    const [mail] = await mailsTo(c.email);
    const token = /\/offer#token=(wo_[^\s]+)/.exec(mail!.text)![1]!;
    const offer = await call("GET", `/api/v1/waitlist/offers/${token}`);
    expect(offer.body).toMatchObject({ entry_id: c.entry_id, status: "offered", quantity: 1, amount: 2000, currency: "EUR", order_id: null, offer_minutes: 30 });
    const accepted = await call("POST", `/api/v1/waitlist/offers/${token}/accept`);
    expect(accepted.status).toBe(201);
    expect((await pay(accepted.body.order_id, accepted.body.order_token)).body.status).toBe("confirmed");
    expect(await entryStatus(c)).toMatchObject({ status: "purchased", order_id: accepted.body.order_id });

    await expect.poll(async () => (await Promise.all([a, b, c].map((e) => ledgerEntry(e.entry_id)))).map((r) => r.status), { timeout: 20_000 }).toEqual([
      "expired",
      "expired",
      "purchased",
    ]);
    expect((await mailsTo(a.email)).length).toBe(1);
    expect((await mailsTo(b.email)).length).toBe(1);
    const dashboard = await call("GET", `/api/v1/events/${eventId}/waitlist`, undefined, organizer.key);
    expect(dashboard.body.entries.map((e: { status: string }) => e.status)).toEqual(["expired", "expired", "purchased"]);
    expect((await call("GET", `/api/v1/events/${eventId}/waitlist`)).status).toBe(401);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: 1, held: 0, available: 0, waiting: 0 });
  });

  it("offers units freed by expired holds (a declined payment keeps its hold) and a raised capacity to the waitlist", async () => {
    const { eventId, tiers, organizer } = await publishedEvent([{ name: "GA", price: 2000, capacity: 2, max_per_order: 4 }], waitlistOn);
    const tierId = tiers[0]!.tier_id;
    const x = await register(eventId, registration(tierId));
    const y = await register(eventId, registration(tierId));
    expect([x.status, y.status]).toEqual([201, 201]);
    const [a, b, c] = [await join(eventId, tierId, attendee("a")), await join(eventId, tierId, attendee("b")), await join(eventId, tierId, attendee("c"))];

    // A declined card keeps the buyer's hold: nothing is freed for the waitlist yet.
    expect((await pay(y.body.order_id, y.body.order_token, "pm_card_chargeDeclined")).status).toBe(402);
    expect(await entryStatus(a)).toMatchObject({ status: "waiting", position: 1 });
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 2, available: 0 });

    const stub = inventoryOf(env, tierId) as unknown as DurableObjectStub<TierInventory>;
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE status = 'active' AND hold_id NOT LIKE 'offer_%'", Date.now() - 1);
    });
    await runDurableObjectAlarm(stub);
    expect(await entryStatus(a)).toMatchObject({ status: "offered" });
    expect(await entryStatus(b)).toMatchObject({ status: "offered" });
    expect(await entryStatus(c)).toMatchObject({ status: "waiting", position: 1 });

    const raised = await call("PATCH", `/api/v1/events/${eventId}`, { tiers: [{ tier_id: tierId, name: "GA", price: 2000, capacity: 3, max_per_order: 4 }] }, organizer.key);
    expect(raised.status).toBe(200);
    expect(await entryStatus(c)).toMatchObject({ status: "offered" });
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ capacity: 3, sold: 0, held: 3, available: 0, waiting: 0 });
    // The buyers whose holds ran out cannot pay for them any more, the declined one included.
    expect((await pay(x.body.order_id, x.body.order_token)).status).toBe(410);
    expect((await pay(y.body.order_id, y.body.order_token)).status).toBe(410);
  });

  it("applies duplicated and reordered Queue notices once, in TierInventory's order", async () => {
    const { eventId, tierId } = await soldOutEvent(1);
    const e = await join(eventId, tierId, attendee("queue"));
    const offered = {
      type: "waitlist.offered",
      notice_seq: 1001,
      event_id: eventId,
      tier_id: tierId,
      entry_id: e.entry_id,
      hold_id: `offer_${e.entry_id}`,
      quantity: 1,
      seats: [],
      offer_expires_at: new Date(Date.now() + 1_800_000).toISOString(),
    };
    const ended = { type: "waitlist.ended", notice_seq: 1002, event_id: eventId, tier_id: tierId, entry_id: e.entry_id, status: "expired" };
    const deliver = async (bodies: unknown[]) => {
      const batch = createMessageBatch("admit-one-events", bodies.map((body, i) => ({ id: uniqueName(`n${i}`), timestamp: new Date(), attempts: 1, body })));
      const ctx = createExecutionContext();
      await entry.queue(batch, env, ctx);
      return getQueueResult(batch, ctx);
    };
    // The newer notice first, then the older one twice: the entry stays expired, nobody is mailed.
    expect((await deliver([ended, offered, offered])).retryMessages).toEqual([]);
    expect(await ledgerEntry(e.entry_id)).toMatchObject({ status: "expired", noticeSeq: 1002 });
    expect(await mailsTo(e.email)).toHaveLength(0);

    // A fresh offer notice delivered twice, in one batch and again later: one mail.
    const e2 = await join(eventId, tierId, attendee("queue2"));
    const offered2 = { ...offered, entry_id: e2.entry_id, hold_id: `offer_${e2.entry_id}` };
    await deliver([offered2, offered2]);
    await deliver([offered2]);
    expect(await ledgerEntry(e2.entry_id)).toMatchObject({ status: "offered", noticeSeq: 1001 });
    expect(await mailsTo(e2.email)).toHaveLength(1);
  });

  it("serves a large group after at most three smaller groups behind it (TierInventory applies the rule)", async () => {
    const stub = env.TIER_INVENTORY.getByName(`tier-${crypto.randomUUID()}`) as unknown as DurableObjectStub<TierInventory>;
    await stub.configure({ tierId: crypto.randomUUID(), eventId: crypto.randomUUID(), kind: "general_admission", capacity: 3, waitlist: { enabled: true, offerMinutes: 30 } });
    expect(await stub.hold({ holdId: "sold", quantity: 3, expiresAt: Date.now() + 60_000 })).toMatchObject({ ok: true });
    await stub.confirm("sold");
    // Entry ids are UUIDs, as the ledger's are; these have no ledger row, which only this test does.
    const ids = Object.fromEntries(["big", "s1", "s2", "s3", "s4"].map((name) => [name, crypto.randomUUID()]));
    for (const [name, quantity] of [["big", 3], ["s1", 1], ["s2", 1], ["s3", 1], ["s4", 1]] as const) {
      expect(await stub.joinWaitlist({ entryId: ids[name]!, quantity })).toMatchObject({ ok: true });
    }
    for (let i = 0; i < 3; i++) expect(await stub.returnSold({ returnId: `r${i}`, quantity: 1 })).toEqual({ ok: true, returned: true });
    expect(await stub.returnSold({ returnId: "r0", quantity: 1 })).toEqual({ ok: true, returned: false });
    const status = async (name: string) => (await stub.waitlistEntry(ids[name]!))!.status;
    expect(await Promise.all(["big", "s1", "s2", "s3", "s4"].map(status))).toEqual(["waiting", "offered", "offered", "offered", "waiting"]);

    // The fill-ins let their offers lapse: three units come back, and they are set aside for "big".
    for (const name of ["s1", "s2", "s3"]) await stub.leaveWaitlist(ids[name]!);
    expect(await Promise.all(["big", "s4"].map(status))).toEqual(["offered", "waiting"]);
    expect(await stub.snapshot()).toMatchObject({ sold: 0, held: 3, available: 0, waiting: 1 });
  });
});
