/**
 * The Stripe emulator's webhooks (signed, retried, duplicated, filtered by an endpoint's enabled events)
 * and disputes, as the real SDK and a receiver see them.
 */
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { useEmulator, client, CARD_ONLY, until, failure, startReceiver, withEmulator } from "./stripe-emulator-harness";

useEmulator();

describe("webhooks", () => {
  it("delivers signed events that the SDK verifies", async () => {
    const receiver = await startReceiver();
    await withEmulator({ webhookUrl: receiver.url }, async (instance) => {
      const stripe = client(instance);
      const intent = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", payment_method: "pm_card_visa", confirm: true, ...CARD_ONLY });
      await instance.flushWebhooks();

      const events = receiver.received.map(({ body, signature }) => stripe.webhooks.constructEvent(body, signature, instance.webhookSecret));
      expect(events.map((event) => event.type)).toEqual(["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"]);
      const succeeded = events[2] as Stripe.PaymentIntentSucceededEvent;
      expect(succeeded.data.object.id).toBe(intent.id);
      expect(succeeded.request?.idempotency_key).toMatch(/^stripe-node-retry-/);
      expect(() => stripe.webhooks.constructEvent(receiver.received[0]!.body, receiver.received[0]!.signature, "whsec_wrong")).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );
      expect((await stripe.events.retrieve(succeeded.id)).pending_webhooks).toBe(0);
    });
    await receiver.close();
  });

  it("retries with backoff after the receiver fails", async () => {
    const receiver = await startReceiver((call) => (call === 1 ? 500 : 200));
    await withEmulator({ webhookUrl: receiver.url, webhookRetryBaseMs: 20 }, async (instance) => {
      const stripe = client(instance);
      await stripe.paymentIntents.create({ amount: 1000, currency: "usd", ...CARD_ONLY });
      await until(() => instance.deliveries().some((delivery) => delivery.ok), "a successful delivery");

      const attempts = instance.deliveries();
      expect(attempts.map(({ attempt, status }) => ({ attempt, status }))).toEqual([
        { attempt: 1, status: 500 },
        { attempt: 2, status: 200 },
      ]);
      expect(attempts[0]!.event_id).toBe(attempts[1]!.event_id);
      expect(receiver.received).toHaveLength(1);
    });
    await receiver.close();
  });

  it("delivers every event at least once when shuffling and duplicating", async () => {
    const receiver = await startReceiver();
    await withEmulator({ webhookUrl: receiver.url, shuffleWebhooks: true, duplicateWebhooks: true }, async (instance) => {
      const stripe = client(instance);
      for (let i = 0; i < 4; i++) {
        const intent = await stripe.paymentIntents.create({ amount: 1000 + i, currency: "usd", payment_method: "pm_card_visa", confirm: true, ...CARD_ONLY });
        await stripe.refunds.create({ payment_intent: intent.id, amount: 100 });
      }
      await instance.flushWebhooks();

      const sent = (await stripe.events.list({ limit: 100 })).data.map((event) => event.id);
      expect(sent).toHaveLength(20);
      const counts = new Map<string, number>();
      for (const { body, signature } of receiver.received) {
        const event = stripe.webhooks.constructEvent(body, signature, instance.webhookSecret);
        counts.set(event.id, (counts.get(event.id) ?? 0) + 1);
      }
      expect([...counts.keys()].sort()).toEqual([...sent].sort());
      expect([...counts.values()].every((count) => count === 2)).toBe(true);
    });
    await receiver.close();
  });

  it("flush gives up on a receiver that keeps failing after the last attempt", async () => {
    const receiver = await startReceiver(() => 503);
    await withEmulator({ webhookUrl: receiver.url, webhookMaxAttempts: 3 }, async (instance) => {
      await client(instance).paymentIntents.create({ amount: 1000, currency: "usd", ...CARD_ONLY });
      await instance.flushWebhooks();
      expect(instance.deliveries().map((delivery) => delivery.attempt)).toEqual([1, 2, 3]);
    });
    await receiver.close();
  });

  it("takes its endpoint from the control API", async () => {
    const receiver = await startReceiver();
    await withEmulator({}, async (instance) => {
      const put = await fetch(`${instance.url}/_emulator/webhook_endpoint`, { method: "PUT", body: JSON.stringify({ url: receiver.url }) });
      expect(((await put.json()) as { secret: string }).secret).toBe(instance.webhookSecret);
      await client(instance).paymentIntents.create({ amount: 1000, currency: "usd", ...CARD_ONLY });
      const flushed = await fetch(`${instance.url}/_emulator/webhooks/flush`, { method: "POST" });
      expect(flushed.status).toBe(200);
      const deliveries = (await (await fetch(`${instance.url}/_emulator/deliveries`)).json()) as { data: { type: string }[] };
      expect(deliveries.data.map((delivery) => delivery.type)).toEqual(["payment_intent.created"]);
    });
    await receiver.close();
  });

  it("sends only the endpoint's enabled_events, as a Stripe webhook endpoint does; the events are still listed", async () => {
    const receiver = await startReceiver();
    await withEmulator({}, async (instance) => {
      const enabled = ["payment_intent.succeeded", "payment_intent.payment_failed"];
      const put = await fetch(`${instance.url}/_emulator/webhook_endpoint`, { method: "PUT", body: JSON.stringify({ url: receiver.url, enabled_events: enabled }) });
      expect(((await put.json()) as { enabled_events: string[] }).enabled_events).toEqual(enabled);
      const stripe = client(instance);
      await stripe.paymentIntents.create({ amount: 1000, currency: "usd", payment_method: "pm_card_visa", confirm: true, ...CARD_ONLY });
      await failure(stripe.paymentIntents.create({ amount: 1000, currency: "usd", payment_method: "pm_card_chargeDeclined", confirm: true, ...CARD_ONLY }));
      await instance.flushWebhooks();
      expect(receiver.received.map(({ body }) => (JSON.parse(body) as { type: string }).type)).toEqual(["payment_intent.succeeded", "payment_intent.payment_failed"]);
      expect((await stripe.events.list({ limit: 100 })).data.map((event) => event.type)).toContain("charge.succeeded");

      // Omitted means every type again; a malformed list is refused and changes nothing.
      const bad = await fetch(`${instance.url}/_emulator/webhook_endpoint`, { method: "PUT", body: JSON.stringify({ url: receiver.url, enabled_events: ["not an event"] }) });
      expect(bad.status).toBe(400);
      const all = await fetch(`${instance.url}/_emulator/webhook_endpoint`, { method: "PUT", body: JSON.stringify({ url: receiver.url }) });
      expect(((await all.json()) as { enabled_events: string[] }).enabled_events).toEqual(["*"]);
    });
    await receiver.close();
  });
});

describe("disputes", () => {
  it("pm_card_createDispute charges, then the bank disputes the charge: charge.dispute.created is delivered signed", async () => {
    const receiver = await startReceiver();
    await withEmulator({ webhookUrl: receiver.url }, async (instance) => {
      const stripe = client(instance);
      const intent = await stripe.paymentIntents.create({ amount: 2500, currency: "eur", payment_method: "pm_card_createDispute", confirm: true, ...CARD_ONLY });
      expect(intent.status).toBe("succeeded");
      await instance.flushWebhooks();

      const events = receiver.received.map(({ body, signature }) => stripe.webhooks.constructEvent(body, signature, instance.webhookSecret));
      expect(events.map((event) => event.type)).toEqual(["payment_intent.created", "charge.succeeded", "payment_intent.succeeded", "charge.dispute.created"]);
      const dispute = (events[3] as Stripe.ChargeDisputeCreatedEvent).data.object;
      expect(dispute).toMatchObject({ object: "dispute", amount: 2500, currency: "eur", charge: intent.latest_charge, payment_intent: intent.id, status: "needs_response", reason: "fraudulent" });
      expect(await stripe.disputes.retrieve(dispute.id)).toEqual(dispute);
      expect((await stripe.disputes.list({ payment_intent: intent.id })).data.map((d) => d.id)).toEqual([dispute.id]);
      expect((await stripe.charges.retrieve(intent.latest_charge as string)).disputed).toBe(true);
    });
    await receiver.close();
  });
});
