/**
 * The buyer cancels a pending order (`POST /orders/{id}/cancel`, issue #14): the hold is released at
 * once and the seats are on sale again; a paid order or a payment under way cannot be cancelled;
 * cancelling again answers the same. Invariant under a race of cancel and pay for the same order,
 * fired many times in a seeded order: no order ends with money kept and its seats released, and
 * none ends with its seats sold and no money.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createStripe } from "../../workers/adapters/stripe";
import { shuffled } from "../seeded-random";
import { call } from "./http";
import { getOrder, pay, publishedEvent, register, registration, seatRow } from "./purchase-helpers";
import { seeded } from "./run-seed";

const stripe = () => createStripe(env);
const cancel = (orderId: string, token: string, body: unknown = undefined, contentType?: string) =>
  call("POST", `/api/v1/orders/${orderId}/cancel`, body, {}, { Authorization: `Bearer ${token}`, ...(contentType ? { "Content-Type": contentType } : {}) });

/** What Stripe kept for the order: received minus refunded, over every intent made for it. */
async function netCharged(orderId: string): Promise<number> {
  const intents = (await stripe().paymentIntents.search({ query: `metadata['order_id']:'${orderId}'` })).data;
  let net = 0;
  for (const intent of intents) {
    net += intent.amount_received ?? 0;
    const refunds = (await stripe().refunds.list({ payment_intent: intent.id, limit: 100 })).data;
    net -= refunds.filter((r) => r.status === "succeeded" || r.status === "pending").reduce((sum, r) => sum + r.amount, 0);
  }
  return net;
}

async function seatedEvent(seats: number) {
  const { eventId, tiers } = await publishedEvent([{ name: "Stalls", price: 2500, seats: seatRow("A", seats) }]);
  return { eventId, tierId: tiers[0]!.tier_id };
}

async function holdSeats(eventId: string, tierId: string, seats: string[]) {
  const registered = await register(eventId, registration(tierId, { quantity: seats.length, seats }));
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  return registered.body as { order_id: string; order_token: string };
}

describe("cancelling a pending order", () => {
  it("releases the seats at once, answers the same when repeated, and another buyer can take the seats", async () => {
    const { eventId, tierId } = await seatedEvent(4);
    const order = await holdSeats(eventId, tierId, ["A1", "A2"]);
    // Someone else cannot have them while they are held.
    expect((await register(eventId, registration(tierId, { quantity: 1, seats: ["A2"] }))).body.error.code).toBe("SEAT_UNAVAILABLE");

    const first = await cancel(order.order_id, order.order_token);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ order_id: order.order_id, status: "cancelled", cancelled_now: true, quantity: 2, seats: ["A1", "A2"] });
    const again = await cancel(order.order_id, order.order_token, {});
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: "cancelled", cancelled_now: false });
    expect((await getOrder(order.order_id, order.order_token)).body).toMatchObject({ status: "cancelled", hold_expires_at: null, tickets: [] });

    const other = await holdSeats(eventId, tierId, ["A1", "A2"]);
    expect((await pay(other.order_id, other.order_token)).status).toBe(200);
    // Paying the cancelled order afterwards charges nothing.
    const late = await pay(order.order_id, order.order_token);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("ORDER_CANCELLED");
    expect(await netCharged(order.order_id)).toBe(0);
  });

  it("validates the body and the order token", async () => {
    const { eventId, tierId } = await seatedEvent(2);
    const order = await holdSeats(eventId, tierId, ["A1"]);
    const extra = await cancel(order.order_id, order.order_token, { reason: "changed my mind" });
    expect(extra.status).toBe(400);
    expect(extra.body).toMatchObject({ error: { code: "VALIDATION_FAILED" }, details: [{ field: "reason" }] });
    expect((await cancel(order.order_id, order.order_token, "{not json")).body.error.code).toBe("VALIDATION_FAILED");
    expect((await cancel(order.order_id, order.order_token, "[]")).status).toBe(400);
    const noToken = await call("POST", `/api/v1/orders/${order.order_id}/cancel`);
    expect(noToken.status).toBe(401);
    expect(noToken.body.error.code).toBe("UNAUTHENTICATED");
    const other = await holdSeats(eventId, tierId, ["A2"]);
    expect((await cancel(order.order_id, other.order_token)).body.error.code).toBe("UNAUTHENTICATED");
    expect((await cancel("not-a-uuid", order.order_token)).status).toBe(401);
    // Nothing above cancelled it.
    expect((await getOrder(order.order_id, order.order_token)).body.status).toBe("pending");
  });

  it("refuses a paid order with ORDER_NOT_CANCELLABLE and leaves it paid", async () => {
    const { eventId, tierId } = await seatedEvent(2);
    const order = await holdSeats(eventId, tierId, ["A1"]);
    expect((await pay(order.order_id, order.order_token)).status).toBe(200);
    const refused = await cancel(order.order_id, order.order_token);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: "ORDER_NOT_CANCELLABLE" }, order_status: "confirmed" });
    expect(refused.body.error.message).toContain("refund");
    expect((await getOrder(order.order_id, order.order_token)).body.status).toBe("confirmed");
    expect(await netCharged(order.order_id)).toBe(2500);
  });

  it("after a declined card, cancels the payment so no later card can charge it", async () => {
    const { eventId, tierId } = await seatedEvent(2);
    const order = await holdSeats(eventId, tierId, ["A1", "A2"]);
    expect((await pay(order.order_id, order.order_token, "pm_card_chargeDeclined")).status).toBe(402);
    expect((await cancel(order.order_id, order.order_token)).body).toMatchObject({ status: "cancelled", cancelled_now: true });
    const intents = (await stripe().paymentIntents.search({ query: `metadata['order_id']:'${order.order_id}'` })).data;
    expect(intents.map((i) => i.status)).toEqual(["canceled"]);
    const late = await pay(order.order_id, order.order_token, "pm_card_visa");
    expect(late.status).toBeLessThan(500);
    expect(late.status).not.toBe(200);
    expect(await netCharged(order.order_id)).toBe(0);
    expect((await holdSeats(eventId, tierId, ["A1", "A2"])).order_id).toBeTruthy();
  });

  it("cancel racing pay for the same order, 10 orders in a seeded order: never money kept with seats released, never seats sold without money", async () => {
    const random = seeded("order-cancel: cancel vs pay");
    const ORDERS = 10;
    const { eventId, tierId } = await seatedEvent(ORDERS * 2);
    for (let i = 0; i < ORDERS; i++) {
      const seats = [`A${2 * i + 1}`, `A${2 * i + 2}`];
      const order = await holdSeats(eventId, tierId, seats);
      // Half of them first meet a declined card, so an intent already exists when the race starts.
      if (random() < 0.5) expect((await pay(order.order_id, order.order_token, "pm_card_chargeDeclined")).status).toBe(402);
      const moves = shuffled(["pay", "cancel", random() < 0.5 ? "pay" : "cancel"] as const, random);
      const answers = await Promise.all(moves.map((move) => (move === "pay" ? pay(order.order_id, order.order_token) : cancel(order.order_id, order.order_token))));
      for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);

      const view = (await getOrder(order.order_id, order.order_token)).body;
      const net = await netCharged(order.order_id);
      const label = `order ${i} (${moves.join(", ")}): ${JSON.stringify(answers.map((a) => [a.status, a.body?.error?.code ?? a.body?.status]))}`;
      expect(["confirmed", "cancelled"], label).toContain(view.status);
      const taker = await register(eventId, registration(tierId, { quantity: 2, seats }));
      if (view.status === "confirmed") {
        expect(net, label).toBe(5000);
        expect(view.tickets.filter((t: { status: string }) => t.status === "valid"), label).toHaveLength(2);
        expect(taker.body.error?.code, label).toBe("SEAT_UNAVAILABLE");
        // Every cancel that did not win was told why.
        for (const [k, move] of moves.entries()) if (move === "cancel") expect(["PAYMENT_IN_PROGRESS", "ORDER_NOT_CANCELLABLE"], label).toContain(answers[k]!.body.error.code);
      } else {
        expect(net, label).toBe(0);
        expect(view.tickets, label).toEqual([]);
        // The seats are on sale again: another buyer holds them.
        expect(taker.status, label).toBe(201);
        for (const [k, move] of moves.entries()) if (move === "pay") expect(answers[k]!.status, label).not.toBe(200);
      }
    }
  });
});
