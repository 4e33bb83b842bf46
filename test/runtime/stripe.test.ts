/**
 * The Worker's Stripe adapter, inside workerd, against the emulator: the real SDK over fetch, and
 * webhook signatures checked with SubtleCrypto as production does.
 */
import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { createStripe, verifyWebhook } from "../../workers/adapters/stripe";

describe("Stripe adapter in workerd", () => {
  it("creates and confirms a PaymentIntent idempotently", async () => {
    const stripe = createStripe(env);
    const key = `order-${crypto.randomUUID()}`;
    const params = { amount: 4200, currency: "eur", payment_method: "pm_card_visa", confirm: true, metadata: { order_id: key } };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    const replay = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    expect(first.status).toBe("succeeded");
    expect(replay.id).toBe(first.id);
    expect((await stripe.paymentIntents.retrieve(first.id)).amount_received).toBe(4200);
  });

  it("reports a declined card as a card error", async () => {
    const stripe = createStripe(env);
    const failure = await stripe.paymentIntents
      .create({ amount: 1000, currency: "eur", payment_method: "pm_card_chargeDeclined", confirm: true })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((failure as Stripe.errors.StripeCardError).code).toBe("card_declined");
  });

  it("accepts a correctly signed webhook and rejects a tampered one", async () => {
    const stripe = createStripe(env);
    const payload = JSON.stringify({ id: "evt_test", object: "event", type: "payment_intent.succeeded", data: { object: {} } });
    const header = await stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: env.STRIPE_WEBHOOK_SECRET });
    const event = await verifyWebhook(stripe, payload, header, env.STRIPE_WEBHOOK_SECRET);
    expect(event.id).toBe("evt_test");
    await expect(verifyWebhook(stripe, payload.replace("succeeded", "canceled"), header, env.STRIPE_WEBHOOK_SECRET)).rejects.toThrow();
  });
});
