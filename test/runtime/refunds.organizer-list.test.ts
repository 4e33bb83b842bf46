/**
 * The organizer's order list carries each order's tickets (issue #14 item 2), so the dashboard can
 * refund any one ticket; a refund of an amount (money only) mails the attendee once, saying the
 * amount and that the tickets stay valid. Roles: finance reads the tickets but cannot refund;
 * box office refunds.
 */
import { and, like, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { db } from "./fixtures";
import { call, type Caller } from "./http";
import { getOrder, pay, publishedEvent, register, registration, seatRow } from "./purchase-helpers";

type ListedTicket = { ticket_id: string; seat: string | null; tier: string; price: number; status: string };
type ListedOrder = { order_id: string; status: string; refunded: number; amount: number; tickets: ListedTicket[] };

async function paidSeatedOrder() {
  const published = await publishedEvent([{ name: "Stalls", price: 3000, seats: seatRow("B", 4) }]);
  const tierId = published.tiers[0]!.tier_id;
  const email = `${crypto.randomUUID().slice(0, 8)}-buyer@example.test`;
  const registered = await register(published.eventId, registration(tierId, { quantity: 2, seats: ["B1", "B2"], attendee: { email, name: "Tess Tickets" } }));
  expect(registered.status).toBe(201);
  const paid = await pay(registered.body.order_id, registered.body.order_token);
  expect(paid.status).toBe(200);
  return { ...published, email, orderId: registered.body.order_id as string, token: registered.body.order_token as string };
}

async function listed(eventId: string, caller: Caller, orderId: string): Promise<ListedOrder> {
  const list = await call("GET", `/api/v1/events/${eventId}/orders?limit=10`, undefined, caller);
  expect(list.status, JSON.stringify(list.body)).toBe(200);
  return (list.body.orders as ListedOrder[]).find((o) => o.order_id === orderId)!;
}

async function refundMails(email: string) {
  return db()
    .select()
    .from(schema.outbox)
    .where(and(sql`${schema.outbox.payload}->>'to' = ${email}`, like(schema.outbox.dedupeKey, "refund:%")));
}

async function keyOfRole(owner: Caller, role: string): Promise<Caller> {
  const made = await call("POST", "/api/v1/organizers/me/api-keys", { name: `${role} key`, role }, owner);
  expect(made.status).toBe(201);
  return { apiKey: made.body.api_key };
}

describe("the organizer's order list and refunds of one ticket or an amount", () => {
  it("lists each order's tickets; one ticket refunded, then the rest as an amount, mails each refund once", async () => {
    const { eventId, organizer, orderId, token, email } = await paidSeatedOrder();
    const before = await listed(eventId, organizer.key, orderId);
    expect(before.tickets.map((t) => [t.seat, t.tier, t.price, t.status])).toEqual([
      ["B1", "Stalls", 3000, "valid"],
      ["B2", "Stalls", 3000, "valid"],
    ]);
    // Finance reads the list with its tickets but cannot refund.
    const finance = await keyOfRole(organizer.key, "finance");
    expect((await listed(eventId, finance, orderId)).tickets).toHaveLength(2);
    const forbidden = await call("POST", `/api/v1/orders/${orderId}/refund`, { ticket_ids: [before.tickets[0]!.ticket_id] }, finance);
    expect(forbidden.status).toBe(403);

    // Box office refunds one ticket in full.
    const boxOffice = await keyOfRole(organizer.key, "box_office");
    const one = await call("POST", `/api/v1/orders/${orderId}/refund`, { ticket_ids: [before.tickets[0]!.ticket_id], reason: "One of two" }, boxOffice);
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    expect(one.body).toMatchObject({ amount: 3000, status: "succeeded" });
    const middle = await listed(eventId, organizer.key, orderId);
    expect(middle).toMatchObject({ status: "partially_refunded", refunded: 3000 });
    expect(middle.tickets.map((t) => t.status)).toEqual(["refunded", "valid"]);

    // The rest as an amount: the remaining ticket stays valid. Sent twice with one key: one refund, one mail.
    const body = { amount: 3000, idempotency_key: `rest-${crypto.randomUUID()}` };
    const [rest, replay] = await Promise.all([
      call("POST", `/api/v1/orders/${orderId}/refund`, body, organizer.key),
      call("POST", `/api/v1/orders/${orderId}/refund`, body, organizer.key),
    ]);
    expect(rest.status, JSON.stringify(rest.body)).toBe(200);
    expect(replay.body.refund_id).toBe(rest.body.refund_id);
    const after = await listed(eventId, organizer.key, orderId);
    expect(after).toMatchObject({ refunded: 6000, amount: 6000 });
    expect(after.tickets.map((t) => t.status)).toEqual(["refunded", "valid"]);
    expect((await getOrder(orderId, token)).body.tickets.map((t: { status: string }) => t.status)).toEqual(["revoked", "valid"]);

    const mails = await refundMails(email);
    const byKey = new Map(mails.map((m) => [m.dedupeKey, m.payload as { subject: string; text: string }]));
    expect(mails).toHaveLength(2);
    const ticketMail = byKey.get(`refund:${one.body.refund_id}`)!;
    expect(ticketMail.text).toContain("€30.00 for 1 ticket");
    const amountMail = byKey.get(`refund:${rest.body.refund_id}`)!;
    expect(amountMail.text).toContain("We have refunded €30.00 of your order.");
    expect(amountMail.text).toContain("Your ticket stays valid");
    expect(amountMail.text).not.toContain("no longer admit");
  });

  it("keeps the list's validation: a bad limit or cursor is a 400, another organization's event a 404", async () => {
    const { eventId, organizer } = await paidSeatedOrder();
    expect((await call("GET", `/api/v1/events/${eventId}/orders?limit=0`, undefined, organizer.key)).status).toBe(400);
    expect((await call("GET", `/api/v1/events/${eventId}/orders?cursor=nope`, undefined, organizer.key)).status).toBe(400);
    const stranger = (await publishedEvent([{ name: "GA", price: 100, capacity: 1 }])).organizer;
    expect((await call("GET", `/api/v1/events/${eventId}/orders`, undefined, stranger.key)).status).toBe(404);
    // An order with nothing issued yet lists no tickets.
    const pending = await register(eventId, registration((await call("GET", `/api/v1/events/${eventId}`)).body.tiers[0].tier_id, { quantity: 1, seats: ["B3"] }));
    expect(pending.status).toBe(201);
    const row = await listed(eventId, organizer.key, pending.body.order_id);
    expect(row).toMatchObject({ status: "pending", tickets: [] });
  });
});
