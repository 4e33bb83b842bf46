/**
 * The attendee's purchase: register (hold + pending order), pay, read the order; and Stripe's
 * webhook, which drives the same end state when the client disappears after paying.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { findPublishedEvent, listTiersOfEvents } from "../../db/queries/catalog";
import { attendeeOf, itemsOfOrder, paymentOfOrder, refundsOfOrder, type OrderRow } from "../../db/queries/orders";
import { findOrderWithEventEnd } from "../../db/queries/order-links";
import { readPurchase } from "../../db/queries/confirm-order";
import { markWebhookProcessed, wasWebhookProcessed } from "../../db/queries/webhooks";
import { announceChange } from "../live-client";
import { clientAddress } from "../client-address";
import { verifyWebhook } from "../adapters/stripe";
import { isOrderToken, orderTokenKeys } from "../auth/order-tokens";
import { isOrderLinkExpired, ORDER_LINK_DAYS_AFTER_EVENT, orderLinkExpiresAt } from "../domain/order-link";
import type { AppEnv } from "../context";
import { ApiError, validationFailed } from "../errors";
import { inventorySale, payOrder, presentConfirmedOrder, type SaleLedger } from "../use-cases/pay-order";
import { handleStripeEvent } from "../use-cases/stripe-events";
import { NOT_ACTED_ON, stripeEventHandling } from "../domain/stripe-event-policy";
import { refundQuote } from "../use-cases/refund-order";
import { registerOrder, type ClaimStep } from "../use-cases/register-order";
import { claimFromInventory } from "../use-cases/claim-from-inventory";
import { queueAccessOf } from "../waiting-room-client";
import { validate } from "../validation";
import { orderCodeOf } from "../use-cases/order-code";
import { presentOrderStatus } from "../domain/order-status";

/** A path id's schema, built once per isolate rather than per request. */
const pathUuid = z.uuid();

export const registerBody = z
  .object({
    tier_id: z.uuid(),
    quantity: z.number().int().min(1).max(50),
    seats: z.array(z.string().trim().min(1).max(20)).min(1).max(50).optional(),
    best_available: z.boolean().optional(),
    accessible: z.boolean().optional(),
    idempotency_key: z.string().min(8, "Use a random key of at least 8 characters.").max(200),
    attendee: z.object({ email: z.email().max(254), name: z.string().trim().min(1).max(120) }).strict(),
    join_waitlist: z.boolean().optional(),
    promo_code: z.string().trim().min(1).max(40).optional(),
  })
  .strict();

/** A free order needs no payment method; any other order does (checked once the amount is known). */
export const payBody = z
  .object({
    // A Stripe id (`pm_…`): it also goes into the confirm's idempotency key, an HTTP header.
    payment_method: z.string().trim().min(3).max(200).regex(/^[A-Za-z0-9_]+$/, "A payment method id such as pm_card_visa.").optional(),
  })
  .strict();

/** Only the shape is checked (the handler reads the event itself): data.object must be a JSON object, without copying each of its keys as z.record would. */
const jsonObject = z.custom<Record<string, unknown>>((value) => typeof value === "object" && value !== null && !Array.isArray(value));
const stripeEventEnvelope = z.object({ id: z.string().min(1).max(255), type: z.string().min(1).max(255), data: z.object({ object: jsonObject }) });

/** The order named in the path, if the caller holds its order token. */
export async function authorizedOrder(c: Context<AppEnv>) {
  const orderId = await tokenOpenedOrderId(c);
  const found = await findOrderWithEventEnd(c.get("db"), orderId);
  if (!found) throw new ApiError("NOT_FOUND", "No order has this id.");
  refuseExpiredLink(found.eventEndsAt);
  return found.order;
}

/** authorizedOrder's checks over pay's own joined read (db/queries/confirm-order.ts): no extra round trip. */
async function authorizedPurchase(c: Context<AppEnv>) {
  const orderId = await tokenOpenedOrderId(c);
  const facts = await readPurchase(c.get("db"), orderId);
  if (!facts) throw new ApiError("NOT_FOUND", "No order has this id.");
  refuseExpiredLink(facts.event.endsAt);
  return facts;
}

/** The order id in the path, when the Bearer order token opens it (no database read). */
async function tokenOpenedOrderId(c: Context<AppEnv>): Promise<string> {
  const orderId = c.req.param("orderId") ?? "";
  const token = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
  if (!token) throw new ApiError("UNAUTHENTICATED", "Send the order token as `Authorization: Bearer <order_token>`.");
  if (!pathUuid.safeParse(orderId).success || !(await isOrderToken(orderTokenKeys(c.env), orderId, token))) {
    throw new ApiError("UNAUTHENTICATED", "This order token does not open this order.");
  }
  return orderId;
}

function refuseExpiredLink(eventEndsAt: Date): void {
  if (isOrderLinkExpired(eventEndsAt.getTime(), Date.now())) {
    const ended = new Date(orderLinkExpiresAt(eventEndsAt.getTime())).toISOString();
    throw new ApiError("UNAUTHENTICATED", `This order link expired on ${ended}, ${ORDER_LINK_DAYS_AFTER_EVENT} days after the event ended. Contact the organizer about this order.`);
  }
}

/**
 * The routes, given where units are claimed and sold: TierInventory for the platform; the bench
 * builds the same routes over the classic Postgres claim (bench/classic-routes.ts).
 */
export function purchaseRoutesFor(claim: ClaimStep, saleFor: (order: OrderRow) => SaleLedger) {
  return new Hono<AppEnv>()
    .post("/events/:eventId/register", validate("json", registerBody), async (c) => {
      const eventId = c.req.param("eventId");
      if (!pathUuid.safeParse(eventId).success) throw new ApiError("NOT_FOUND", "No event on sale has this id.");
      const queueAccess = queueAccessOf(c);
      const result = await registerOrder(c.env, c.get("db"), eventId, c.req.valid("json"), new Date(), queueAccess, claim, clientAddress(c));
      if (result.created) announceChange(c.env, c.executionCtx, eventId);
      return c.json(result.body, result.created ? 201 : 200);
    })
    .post("/orders/:orderId/pay", validate("json", payBody), async (c) => {
      const facts = await authorizedPurchase(c);
      const { order } = facts;
      const { payment_method } = c.req.valid("json");
      if (!payment_method && order.amount > 0 && order.status === "pending") {
        throw validationFailed([{ field: "payment_method", message: "Choose how to pay." }]);
      }
      const paid = await payOrder(c.env, c.get("db"), order.id, payment_method ?? "none", new Date(), saleFor(order), { known: facts, waitUntil: (work) => c.executionCtx.waitUntil(work) });
      announceChange(c.env, c.executionCtx, order.eventId);
      return c.json(paid);
    })
    .get("/orders/:orderId", async (c) => {
      const order = await authorizedOrder(c);
      const db = c.get("db");
      const [confirmed, payment, refunds, items, attendee, event] = await Promise.all([
        presentConfirmedOrder(db, order),
        paymentOfOrder(db, order.id),
        refundsOfOrder(db, order.id),
        itemsOfOrder(db, order.id),
        attendeeOf(db, order.attendeeId),
        findPublishedEvent(db, order.eventId),
      ]);
      const tier = (await listTiersOfEvents(db, [order.eventId])).find((t) => t.id === order.tierId);
      return c.json({
        ...confirmed,
        // A lapsed hold reads expired from the moment it lapsed; the sweeper does the bookkeeping.
        ...presentOrderStatus(order.status, order.holdExpiresAt, new Date()),
        order_code: await orderCodeOf(db, order),
        event_id: order.eventId,
        event_title: event?.title ?? null,
        starts_at: event?.startsAt.toISOString() ?? null,
        timezone: event?.timezone ?? null,
        tier_id: order.tierId,
        tier_name: tier?.name ?? null,
        attendee: { name: order.attendeeName, email: attendee.email },
        seats: items.flatMap((i) => (i.seatLabel ? [i.seatLabel] : [])),
        quantity: order.quantity,
        amount: order.amount,
        currency: order.currency,
        hold_expires_at: order.status === "pending" ? (order.holdExpiresAt?.toISOString() ?? null) : null,
        created_at: order.createdAt.toISOString(),
        payments: payment ? [{ status: payment.status, amount: payment.amount, currency: payment.currency, failure_code: payment.failureCode }] : [],
        refunds: refunds.map((r) => ({
          refund_id: r.id,
          amount: r.amount,
          currency: r.currency,
          status: r.status,
          reason: r.reason,
          ticket_ids: r.ticketIds,
          initiated_by: r.initiatedBy,
          created_at: r.createdAt.toISOString(),
        })),
        // What the refund button would give back now under the event's policy.
        refund_quote: order.status === "confirmed" || order.status === "partially_refunded" ? await refundQuote(db, order, new Date(), event) : null,
      });
    })
    .post("/stripe/webhook", async (c) => {
      const signature = c.req.header("Stripe-Signature");
      if (!signature) throw validationFailed([{ field: "Stripe-Signature", message: "Missing." }], "Webhook requests must be signed by Stripe.");
      const raw = await c.req.text();
      let event: Awaited<ReturnType<typeof verifyWebhook>>;
      try {
        // Every type is verified, also those we ignore: see workers/domain/stripe-event-policy.ts.
        event = await verifyWebhook(raw, signature, c.env.STRIPE_WEBHOOK_SECRET);
      } catch (error) {
        if (error instanceof SyntaxError) throw validationFailed([{ field: "body", message: "Not a Stripe event: it needs an id, a type and data.object." }]);
        throw validationFailed([{ field: "Stripe-Signature", message: "Signature does not match." }], "The webhook signature is not valid.");
      }
      // Signed, yet not an event this handler can read (Stripe never sends one): refused, not a 500.
      if (!stripeEventEnvelope.safeParse(event).success) {
        throw validationFailed([{ field: "body", message: "Not a Stripe event: it needs an id, a type and data.object." }]);
      }
      // Only what needs it is deduped by id; a type we never act on costs no query at all.
      const handling = stripeEventHandling(event.type);
      if (handling === "ignore") return c.json({ received: true, ignored: NOT_ACTED_ON });
      const db = c.get("db");
      if (handling === "deduped" && (await wasWebhookProcessed(db, event.id))) return c.json({ received: true, duplicate: true });
      const outcome = await handleStripeEvent(c.env, db, event, new Date(), saleFor);
      if (outcome.handled && outcome.eventId) announceChange(c.env, c.executionCtx, outcome.eventId);
      if (handling === "deduped") await markWebhookProcessed(db, event.id, event.type);
      return c.json({ received: true, ...(outcome.handled ? {} : { ignored: outcome.ignored }) });
    });
}

export const purchaseRoutes = purchaseRoutesFor(claimFromInventory, () => inventorySale);
