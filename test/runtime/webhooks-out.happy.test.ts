/**
 * Webhooks out in workerd against the real ledger and the dev stack's webhook inbox: endpoints are
 * registered per organization with a secret shown once; a purchase, a refund, a scan, a waitlist
 * offer and a cancellation each reach the receiver signed, with an id to dedupe on; the delivery
 * log shows every attempt; a delivery can be re-sent by hand.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { deliverWebhooks } from "../../workers/webhooks-out/deliver";
import { dueDeliveries } from "../../db/queries/webhook-deliveries";
import { db } from "./fixtures";
import { call, signUp } from "./http";
import { pay, publishedEvent, register, registration } from "./purchase-helpers";
import { ALL_TYPES, deliveriesOf, inboxEndpoint, receivedBy, settled, verified } from "./webhooks-out-helpers";

describe("webhook endpoints", () => {
  it("are registered with a secret shown once, listed without it, and refused for bad input", async () => {
    const owner = await signUp();
    const { endpointId, secret, url } = await inboxEndpoint(owner.key, ["order.paid"]);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const list = await call("GET", "/api/v1/webhook-endpoints", undefined, owner.key);
    expect(list.status).toBe(200);
    expect(list.body.endpoints).toEqual([expect.objectContaining({ endpoint_id: endpointId, url, events: ["order.paid"], deliveries: { pending: 0, failed: 0, succeeded: 0 } })]);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(JSON.stringify((await call("GET", `/api/v1/webhook-endpoints/${endpointId}`, undefined, owner.key)).body)).not.toContain(secret);
    const audit = await call("GET", "/api/v1/organizations/current/audit-log", undefined, owner.key);
    expect(audit.body.entries).toContainEqual(expect.objectContaining({ action: "webhook_endpoint.created" }));
    expect(JSON.stringify(audit.body)).not.toContain(secret);

    const bad = async (body: unknown, field: string) => {
      const answer = await call("POST", "/api/v1/webhook-endpoints", body, owner.key);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe("VALIDATION_FAILED");
      expect(answer.body.details.map((d: { field: string }) => d.field)).toContain(field);
    };
    await bad({ url: "http://10.0.0.7/hook", events: ["order.paid"] }, "url");
    await bad({ url: "http://169.254.169.254/latest/meta-data", events: ["order.paid"] }, "url");
    await bad({ url: "https://user:pw@example.com/", events: ["order.paid"] }, "url");
    await bad({ url: "not a url", events: ["order.paid"] }, "url");
    await bad({ url: "https://example.com/hook", events: ["order.shipped"] }, "events.0");
    await bad({ url: "https://example.com/hook", events: [] }, "events");
    await bad({ url: "https://example.com/hook", events: ["order.paid"], secret: "mine" }, "secret");
  });

  it("belong to one organization: another's are 404, and nobody without credentials gets in", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const { endpointId } = await inboxEndpoint(owner.key);
    expect((await call("GET", `/api/v1/webhook-endpoints/${endpointId}`, undefined, stranger.key)).status).toBe(404);
    expect((await call("GET", `/api/v1/webhook-endpoints/${endpointId}/deliveries`, undefined, stranger.key)).status).toBe(404);
    expect((await call("DELETE", `/api/v1/webhook-endpoints/${endpointId}`, undefined, stranger.key)).status).toBe(404);
    expect((await call("GET", "/api/v1/webhook-endpoints", undefined, stranger.key)).body.endpoints).toEqual([]);
    expect((await call("GET", "/api/v1/webhook-endpoints")).status).toBe(401);
    expect((await call("GET", "/api/v1/webhook-endpoints/not-a-uuid", undefined, owner.key)).status).toBe(400);
    // A cookie write without the session's CSRF token changes nothing.
    expect((await call("POST", "/api/v1/webhook-endpoints", { url: "https://example.com/h", events: ["order.paid"] }, { cookie: owner.session.cookie })).status).toBe(403);
  });
});

describe("deliveries", () => {
  it("tell the receiver of a paid order and its refund, signed, in order, each with an id", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 2500, capacity: 20 }]);
    const hook = await inboxEndpoint(organizer.key);
    const registered = await register(eventId, registration(tiers[0]!.tier_id, { quantity: 2 }));
    const paid = await pay(registered.body.order_id, registered.body.order_token);
    expect(paid.status).toBe(200);
    const refunded = await call("POST", `/api/v1/orders/${registered.body.order_id}/refund`, {}, organizer.key);
    expect([200, 201]).toContain(refunded.status);
    await settled([hook.endpointId], new Date());

    const got = await receivedBy(hook.inbox);
    expect(got.map((d) => d.event_type)).toEqual(["order.paid", "order.refunded"]);
    for (const delivery of got) expect(await verified(delivery, hook.secret)).toBe(true);
    const [paidEvent, refundEvent] = got.map((d) => JSON.parse(d.body));
    expect(paidEvent).toMatchObject({
      id: got[0]!.event_id,
      type: "order.paid",
      data: { order_id: registered.body.order_id, event_id: eventId, quantity: 2, amount: 5000, currency: "EUR" },
    });
    const ticketIds = (tickets: { ticket_id: string }[]) => tickets.map((t) => t.ticket_id).sort();
    expect(ticketIds(paidEvent.data.tickets)).toEqual(ticketIds(paid.body.tickets));
    expect(refundEvent).toMatchObject({ type: "order.refunded", data: { order_id: registered.body.order_id, amount: 5000, order_status: "refunded" } });
    expect(refundEvent.sequence).toBeGreaterThan(paidEvent.sequence);

    const log = await call("GET", `/api/v1/webhook-endpoints/${hook.endpointId}/deliveries`, undefined, organizer.key);
    expect(log.status).toBe(200);
    expect(log.body.deliveries).toHaveLength(2);
    for (const d of log.body.deliveries) {
      expect(d).toMatchObject({ status: "succeeded", last_status: 200 });
      expect(d.log.at(-1)).toMatchObject({ response_status: 200, response_excerpt: '{"received":true}', error: null });
      expect(d.log.at(-1).duration_ms).toBeGreaterThanOrEqual(0);
    }
  });

  it("are made only for the types an endpoint picked and only for its own organization's events", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 5 }]);
    const other = await signUp();
    const onlyRefunds = await inboxEndpoint(organizer.key, ["order.refunded"]);
    const foreign = await inboxEndpoint(other.key, ALL_TYPES);
    const registered = await register(eventId, registration(tiers[0]!.tier_id));
    expect((await pay(registered.body.order_id, registered.body.order_token)).status).toBe(200);
    await settled([onlyRefunds.endpointId, foreign.endpointId], new Date());
    expect(await deliveriesOf(onlyRefunds.endpointId)).toEqual([]);
    expect(await receivedBy(foreign.inbox)).toEqual([]);
  });

  it("can be re-sent by hand: the same event id again, logged as manual", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 5 }]);
    const hook = await inboxEndpoint(organizer.key, ["order.paid"]);
    const registered = await register(eventId, registration(tiers[0]!.tier_id));
    await pay(registered.body.order_id, registered.body.order_token);
    await settled([hook.endpointId], new Date());
    const [delivery] = await deliveriesOf(hook.endpointId);
    const resent = await call("POST", `/api/v1/webhook-endpoints/${hook.endpointId}/deliveries/${delivery!.delivery.id}/resend`, undefined, organizer.key);
    expect(resent.status).toBe(202);
    // The Queue may take it first; either way it is sent once more.
    await deliverWebhooks(env, db(), [delivery!.delivery.id], new Date(), true);
    await settled([hook.endpointId], new Date());
    const got = await receivedBy(hook.inbox);
    expect(got).toHaveLength(2);
    expect(new Set(got.map((d) => d.event_id)).size).toBe(1);
    const log = await call("GET", `/api/v1/webhook-endpoints/${hook.endpointId}/deliveries`, undefined, organizer.key);
    expect(log.body.deliveries[0].log.map((a: { response_status: number }) => a.response_status)).toEqual([200, 200]);
    expect((await call("POST", `/api/v1/webhook-endpoints/${hook.endpointId}/deliveries/${crypto.randomUUID()}/resend`, undefined, organizer.key)).status).toBe(404);
  });

  it("stop for a deleted endpoint", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 5 }]);
    const hook = await inboxEndpoint(organizer.key, ["order.paid"]);
    expect((await call("DELETE", `/api/v1/webhook-endpoints/${hook.endpointId}`, undefined, organizer.key)).status).toBe(200);
    const registered = await register(eventId, registration(tiers[0]!.tier_id));
    await pay(registered.body.order_id, registered.body.order_token);
    expect(await deliveriesOf(hook.endpointId)).toEqual([]);
    expect((await dueDeliveries(db(), new Date(Date.now() + 86_400_000), 1000)).length).toBeGreaterThanOrEqual(0);
    expect((await call("GET", `/api/v1/webhook-endpoints/${hook.endpointId}`, undefined, organizer.key)).status).toBe(404);
  });

  it("tell of a cancelled event", async () => {
    const { organizer, eventId } = await publishedEvent([{ name: "GA", price: 1000, capacity: 5 }]);
    const hook = await inboxEndpoint(organizer.key, ["event.cancelled"]);
    expect((await call("POST", `/api/v1/events/${eventId}/cancel`, undefined, organizer.key)).status).toBeLessThan(300);
    await settled([hook.endpointId], new Date());
    const got = await receivedBy(hook.inbox);
    expect(got.map((d) => JSON.parse(d.body))).toEqual([expect.objectContaining({ type: "event.cancelled", data: expect.objectContaining({ event_id: eventId }) })]);
    expect(inject("stackUrls").mail).toBeTruthy();
  });
});
