/**
 * The second chance for `order.refunded`: a refund that was settled by a request which then ended
 * before recording its event (simulated by writing the settled refund straight into the ledger) is
 * announced by the cron's minute job, once, signed, and only when it is past the minute its own
 * request may still be using.
 */
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { recordMissedRefundEvents } from "../../workers/webhooks-out/recover";
import { db, uniqueName } from "./fixtures";
import { pay, publishedEvent, register, registration } from "./purchase-helpers";
import { inboxEndpoint, receivedBy, settled, verified } from "./webhooks-out-helpers";

async function eventsFor(refundId: string) {
  return db().select().from(schema.webhookEvents).where(eq(schema.webhookEvents.dedupeKey, `order.refunded:${refundId}`));
}

describe("a refund whose event was never recorded", () => {
  it("is announced by the minute job once, and not while its own request may still be running", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 2000, capacity: 5, max_per_order: 2 }]);
    const hook = await inboxEndpoint(organizer.key, ["order.refunded"]);
    const registered = await register(eventId, registration(tiers[0]!.tier_id, { quantity: 2 }));
    const paid = await pay(registered.body.order_id, registered.body.order_token);
    expect(paid.status).toBe(200);
    const [first, second] = paid.body.tickets as { ticket_id: string }[];

    const now = new Date();
    const settledRefund = async (ticketId: string, agoMs: number) => {
      const [row] = await db()
        .insert(schema.refunds)
        .values({ orderId: registered.body.order_id, idempotencyKey: uniqueName("lost"), amount: 2000, currency: "EUR", status: "succeeded", ticketIds: [ticketId], initiatedBy: "organizer", reason: "lost event", updatedAt: new Date(now.getTime() - agoMs) })
        .returning();
      return row!;
    };
    const lost = await settledRefund(first!.ticket_id, 5 * 60_000);
    const fresh = await settledRefund(second!.ticket_id, 10_000);

    await recordMissedRefundEvents(env, db(), now);
    expect(await eventsFor(lost.id)).toHaveLength(1);
    expect(await eventsFor(fresh.id)).toEqual([]);

    await settled([hook.endpointId], now);
    const got = await receivedBy(hook.inbox);
    expect(got).toHaveLength(1);
    expect(await verified(got[0]!, hook.secret)).toBe(true);
    expect(JSON.parse(got[0]!.body)).toMatchObject({ type: "order.refunded", data: { order_id: registered.body.order_id, refund_id: lost.id, amount: 2000, ticket_ids: [first!.ticket_id] } });

    // Again, and with a late request racing it: still one event, one delivery.
    await Promise.all([recordMissedRefundEvents(env, db(), now), recordMissedRefundEvents(env, db(), now)]);
    expect(await eventsFor(lost.id)).toHaveLength(1);
    const deliveries = await db()
      .select()
      .from(schema.webhookDeliveries)
      .where(and(eq(schema.webhookDeliveries.endpointId, hook.endpointId), eq(schema.webhookDeliveries.eventId, (await eventsFor(lost.id))[0]!.id)));
    expect(deliveries).toHaveLength(1);
  });
});
