/**
 * The three ways an order is finalized, fired at the same order at the same moment, many times:
 * pay (HTTP), Stripe's payment_intent.succeeded webhook (HTTP) and the sweeper's finalize (called as
 * the sweeper calls it). Finalize confirms with one statement that writes only when it turns the
 * order from pending to confirmed (db/queries/confirm-order.ts); whoever loses must find the work
 * done. Afterwards, per order: tickets issued once (and every answer names those tickets), one
 * confirmation mail row and one order.paid event that both carry exactly those tickets, one charge,
 * and the units sold once in TierInventory and in the ledger's sold count. Seeded: the mix of callers
 * and their order differ per round and replay with TEST_SEED.
 */
import { env } from "cloudflare:workers";
import { eq, like } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../db/schema";
import { createStripe } from "../../workers/adapters/stripe";
import { inventoryOf } from "../../workers/inventory-client";
import { finalizePaidOrder } from "../../workers/use-cases/finalize-order";
import { seededRandom, shuffled } from "../seeded-random";
import { db } from "./fixtures";
import { call } from "./http";
import { pay, publishedEvent, register, registration } from "./purchase-helpers";
import { inboxEndpoint } from "./webhooks-out-helpers";

const ROUNDS = 8;
const PRICE = 1800;
const stripe = () => createStripe(env);

async function deliver(event: unknown) {
  const payload = JSON.stringify(event);
  const signature = await stripe().webhooks.generateTestHeaderStringAsync({ payload, secret: env.STRIPE_WEBHOOK_SECRET });
  return call("POST", "/api/v1/stripe/webhook", payload, {}, { "Stripe-Signature": signature });
}

type Outcome = { by: string; ticketIds: string[] };

describe("pay, the webhook and the sweeper finalizing one order at once", () => {
  it(`${ROUNDS} orders, each finalized concurrently by a seeded mix of all three: everything once`, async () => {
    const random = seededRandom(inject("testSeed"), "purchase.finalize-race: callers");
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: PRICE, capacity: 40, max_per_order: 3 }]);
    const tierId = tiers[0]!.tier_id;
    await inboxEndpoint(organizer.key, ["order.paid"]);
    let soldUnits = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const quantity = 1 + Math.floor(random() * 3);
      const registered = await register(eventId, registration(tierId, { quantity }));
      expect(registered.status, JSON.stringify(registered.body)).toBe(201);
      const orderId = registered.body.order_id as string;
      const amount = PRICE * quantity;

      // The charge went through and was recorded on the order (as pay records it before confirming),
      // but nobody has finalized yet.
      const intent = await stripe().paymentIntents.create(
        { amount, currency: "eur", automatic_payment_methods: { enabled: true, allow_redirects: "never" }, metadata: { order_id: orderId } },
        { idempotencyKey: `pi_create_${orderId}` },
      );
      await db().insert(schema.payments).values({ orderId, idempotencyKey: `order_${orderId}`, amount, currency: "EUR", providerPaymentId: intent.id, status: "processing" });
      await stripe().paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" });
      const [succeeded] = (await stripe().events.list({ limit: 100 })).data.filter(
        (e) => e.type === "payment_intent.succeeded" && (e.data.object as { id?: string }).id === intent.id,
      );
      expect(succeeded).toBeDefined();

      // One to two of each caller, in a seeded order, all at once (at most six requests in flight).
      const callers: (() => Promise<Outcome | undefined>)[] = [];
      const count = () => 1 + Math.floor(random() * 2);
      for (let i = count(); i > 0; i--) {
        callers.push(async () => {
          const answer = await pay(orderId, registered.body.order_token);
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          return { by: "pay", ticketIds: answer.body.ticket_ids };
        });
      }
      for (let i = count(); i > 0; i--) {
        callers.push(async () => {
          const answer = await deliver(succeeded);
          expect(answer.status, JSON.stringify(answer.body)).toBe(200);
          return undefined;
        });
      }
      for (let i = count(); i > 0; i--) {
        callers.push(async () => {
          const answer = await finalizePaidOrder(env, db(), orderId, new Date());
          return { by: "sweeper", ticketIds: answer.ticket_ids };
        });
      }
      const outcomes = (await Promise.all(shuffled(callers, random).map((run) => run()))).filter((o): o is Outcome => o !== undefined);
      soldUnits += quantity;

      // Tickets issued once, and every answer names exactly those.
      const tickets = await db().select().from(schema.tickets).where(eq(schema.tickets.orderId, orderId));
      expect(tickets).toHaveLength(quantity);
      const ids = tickets.map((t) => t.id).sort();
      for (const outcome of outcomes) expect([...outcome.ticketIds].sort(), outcome.by).toEqual(ids);
      const [order] = await db().select().from(schema.orders).where(eq(schema.orders.id, orderId));
      expect(order!.status).toBe("confirmed");
      const [payment] = await db().select().from(schema.payments).where(eq(schema.payments.orderId, orderId));
      expect(payment!.status).toBe("succeeded");

      // One mail row, one order.paid event: both about the tickets that were issued.
      const mails = await db().select().from(schema.outbox).where(like(schema.outbox.dedupeKey, `order-confirmed:${orderId}%`));
      expect(mails).toHaveLength(1);
      const mailTokens = (mails[0]!.payload as { attachments: { qr_png_of?: string }[] }).attachments.flatMap((a) => (a.qr_png_of ? [a.qr_png_of] : []));
      expect(mailTokens.sort()).toEqual(tickets.map((t) => t.token!).sort());
      const events = await db().select().from(schema.webhookEvents).where(eq(schema.webhookEvents.dedupeKey, `order.paid:${orderId}`));
      expect(events).toHaveLength(1);
      const announced = (events[0]!.data as { tickets: { ticket_id: string }[] }).tickets.map((t) => t.ticket_id).sort();
      expect(announced).toEqual(ids);

      // One charge.
      const charges = await stripe().charges.list({ payment_intent: intent.id, limit: 10 });
      expect(charges.data.filter((c) => c.status === "succeeded")).toHaveLength(1);

      // Sold once: TierInventory and the ledger's summary agree with the tickets.
      expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ sold: soldUnits, held: 0 });
      const [tier] = await db().select().from(schema.ticketTiers).where(eq(schema.ticketTiers.id, tierId));
      expect(tier!.soldCount).toBe(soldUnits);
    }
  }, 600_000);
});
