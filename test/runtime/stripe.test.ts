/**
 * The Worker's Stripe adapter, inside workerd, against the emulator: the real SDK over fetch, and
 * webhook signatures checked with SubtleCrypto as production does.
 */
import { env } from "cloudflare:workers";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { createStripe, verifyWebhook } from "../../workers/adapters/stripe";
import { verifyStripeSignature, WebhookSignatureError } from "../../workers/adapters/stripe-signature";

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
    const event = await verifyWebhook(payload, header, env.STRIPE_WEBHOOK_SECRET);
    expect(event.id).toBe("evt_test");
    await expect(verifyWebhook(payload.replace("succeeded", "canceled"), header, env.STRIPE_WEBHOOK_SECRET)).rejects.toThrow(WebhookSignatureError);
  });

  it("checks Stripe's scheme as the SDK does: any v1 matches, v0 is ignored, too old is refused", async () => {
    const stripe = createStripe(env);
    const secret = env.STRIPE_WEBHOOK_SECRET;
    const payload = JSON.stringify({ id: "evt_scheme", object: "event", type: "payment_intent.succeeded", data: { object: {} } });
    const now = Math.floor(Date.now() / 1000);
    const signed = async (timestamp: number, key = secret) => (await stripe.webhooks.generateTestHeaderStringAsync({ payload, secret: key, timestamp })).split(",")[1]!;
    const good = await signed(now);
    const other = await signed(now, "whsec_the_previous_secret");
    const accepted = [`t=${now},${good}`, `t=${now},${other},${good}`, `t=${now},${good},v0=00`, `${good},t=${now}`];
    for (const header of accepted) {
      await expect(verifyStripeSignature(payload, header, secret)).resolves.toBeUndefined();
      // The SDK agrees on every one of them.
      await expect(stripe.webhooks.constructEventAsync(payload, header, secret, undefined, Stripe.createSubtleCryptoProvider())).resolves.toMatchObject({ id: "evt_scheme" });
    }
    const old = now - 301;
    const refused = [
      `t=${now},${other}`, // signed with another secret
      `t=${now + 1},${good}`, // the timestamp is part of what is signed
      `t=${old},${await signed(old)}`, // signed, but older than the 300 s tolerance
      `t=${now},v0=${good.slice(3)}`, // only the v1 scheme counts
      `t=${now},${good.toUpperCase().replace("V1=", "v1=")}`, // hex as Stripe writes it, lowercase
      `${good}`, // no timestamp
      `t=${now}`, // no signature
      "",
    ];
    for (const header of refused) {
      await expect(verifyStripeSignature(payload, header, secret)).rejects.toThrow(WebhookSignatureError);
      await expect(stripe.webhooks.constructEventAsync(payload, header, secret, undefined, Stripe.createSubtleCryptoProvider())).rejects.toThrow();
    }
    // The key is cached per secret: another secret in the same isolate is not confused with it.
    await expect(verifyStripeSignature(payload, `t=${now},${other}`, "whsec_the_previous_secret")).resolves.toBeUndefined();
    await expect(verifyStripeSignature(payload, `t=${now},${other}`, secret)).rejects.toThrow(WebhookSignatureError);
  });
});
