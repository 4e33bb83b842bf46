/**
 * The Stripe emulator as the real SDK sees it: payment intents, declines, refunds, authentication and
 * encoding. Idempotency and faults: stripe-emulator.faults.test.ts; webhooks and disputes:
 * stripe-emulator.webhooks.test.ts.
 */
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { useEmulator, emulator, FIXTURES, client, CARD_ONLY, until, failure, expectStripeShape } from "./stripe-emulator-harness";

useEmulator();

describe("payment intents", () => {
  it("creates and confirms a payment with pm_card_visa", async () => {
    const stripe = client();
    const intent = await stripe.paymentIntents.create({
      amount: 4200,
      currency: "eur",
      payment_method: "pm_card_visa",
      confirm: true,
      metadata: { order_id: "ord_1" },
      ...CARD_ONLY,
    });
    expect(intent.status).toBe("succeeded");
    expect(intent.amount_received).toBe(4200);
    expect(intent.payment_method).toMatch(/^pm_/);
    expect(intent.metadata).toEqual({ order_id: "ord_1" });

    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({ amount: 4200, amount_captured: 4200, paid: true, status: "succeeded", payment_intent: intent.id });
    expect(charge.metadata).toEqual({ order_id: "ord_1" });
    expect(charge.payment_method_details?.card?.last4).toBe("4242");
  });

  it("serves objects with the keys and types of Stripe's own fixtures", async () => {
    const stripe = client();
    const intent = await stripe.paymentIntents.create({ amount: 2000, currency: "usd", payment_method: "pm_card_visa", confirm: true, ...CARD_ONLY });
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 500 });
    const [event] = (await stripe.events.list({ type: "payment_intent.succeeded" })).data;
    expectStripeShape(intent, FIXTURES.payment_intent);
    expectStripeShape(charge, FIXTURES.charge);
    expectStripeShape(refund, FIXTURES.refund);
    // An event's data.object is whatever object it reports on (a plan, in the fixture).
    expectStripeShape({ ...event, data: {} }, { ...(FIXTURES.event as object), data: {} });
    expectStripeShape(event?.data.object, FIXTURES.payment_intent);
    expectStripeShape(await stripe.paymentMethods.retrieve(intent.payment_method as string), FIXTURES.payment_method);
    expectStripeShape(await stripe.balanceTransactions.retrieve(charge.balance_transaction as string), FIXTURES.balance_transaction);
  });

  it("confirms separately, expands ids, updates, lists and searches", async () => {
    const stripe = client();
    const created = await stripe.paymentIntents.create({
      amount: 1500,
      currency: "gbp",
      metadata: { order_id: "ord_search" },
      automatic_payment_methods: { enabled: true, allow_redirects: "never" },
    });
    expect(created.status).toBe("requires_payment_method");
    const updated = await stripe.paymentIntents.update(created.id, { amount: 1800, metadata: { extra: "1" } });
    expect(updated.amount).toBe(1800);
    expect(updated.metadata).toEqual({ order_id: "ord_search", extra: "1" });

    const confirmed = await stripe.paymentIntents.confirm(created.id, { payment_method: "pm_card_mastercard", expand: ["latest_charge"] });
    expect(confirmed.status).toBe("succeeded");
    expect((confirmed.latest_charge as Stripe.Charge).payment_method_details?.card?.brand).toBe("mastercard");

    await stripe.paymentIntents.create({ amount: 900, currency: "gbp", metadata: { order_id: "other" } });
    const listed = await stripe.paymentIntents.list({ limit: 1 });
    expect(listed.data).toHaveLength(1);
    expect(listed.has_more).toBe(true);

    const found = await stripe.paymentIntents.search({ query: "metadata['order_id']:'ord_search' AND status:'succeeded'" });
    expect(found.data.map((intent) => intent.id)).toEqual([created.id]);
  });

  it("requires a return_url when automatic payment methods allow redirects, as Stripe does", async () => {
    const error = await failure(
      client().paymentIntents.create({
        amount: 1000,
        currency: "eur",
        payment_method: "pm_card_visa",
        confirm: true,
        automatic_payment_methods: { enabled: true },
      }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.param).toBe("return_url");
  });

  it("rejects invalid parameters with the offending param", async () => {
    const stripe = client();
    const tooSmall = await failure(stripe.paymentIntents.create({ amount: 10, currency: "usd" }));
    expect(tooSmall).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(tooSmall).toMatchObject({ code: "amount_too_small", param: "amount", statusCode: 400 });

    const unknown = await failure(stripe.paymentIntents.create({ amount: 1000, currency: "usd", colour: "red" } as never));
    expect(unknown).toMatchObject({ code: "parameter_unknown", param: "colour" });

    const missing = await failure(stripe.paymentIntents.retrieve("pi_doesnotexist"));
    expect(missing).toMatchObject({ statusCode: 404, code: "resource_missing" });

    const badMethod = await failure(stripe.paymentIntents.create({ amount: 1000, currency: "usd", payment_method: "pm_nope", confirm: true, ...CARD_ONLY }));
    expect(badMethod).toMatchObject({ code: "resource_missing", param: "payment_method" });
  });

  it("answers an unknown payment method in a body as Stripe does: 400 resource_missing, nothing charged", async () => {
    const stripe = client();
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: "eur", ...CARD_ONLY });
    for (const id of ["pm_xxx", "tok_visa", "none"]) {
      const error = await failure(stripe.paymentIntents.confirm(intent.id, { payment_method: id }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError", code: "resource_missing", param: "payment_method" });
    }
    expect(await stripe.paymentIntents.retrieve(intent.id)).toMatchObject({ status: "requires_payment_method", amount_received: 0 });
    const paid = await stripe.paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" });
    expect(paid.status).toBe("succeeded");
    // The path's own resource missing stays a 404.
    expect(await failure(stripe.paymentMethods.retrieve("pm_xxx"))).toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it.each(["pm_card_threeDSecure2Required", "pm_card_authenticationRequired"])("confirms %s to requires_action, charging nothing until another method pays", async (method) => {
    const stripe = client();
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: "eur", ...CARD_ONLY });
    const pending = await stripe.paymentIntents.confirm(intent.id, { payment_method: method });
    expect(pending).toMatchObject({ status: "requires_action", amount_received: 0, latest_charge: null, next_action: { type: "use_stripe_sdk" } });
    expect(pending.client_secret).toMatch(/^pi_.+_secret_/);
    const paid = await stripe.paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" });
    expect(paid).toMatchObject({ status: "succeeded", amount_received: 1000, next_action: null });
  });

  it("refuses to confirm a PaymentIntent that already succeeded, and to cancel it", async () => {
    const stripe = client();
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", payment_method: "pm_card_visa", confirm: true, ...CARD_ONLY });
    const again = await failure(stripe.paymentIntents.confirm(intent.id));
    expect(again).toMatchObject({ statusCode: 400, code: "payment_intent_unexpected_state" });
    const cancel = await failure(stripe.paymentIntents.cancel(intent.id));
    expect(cancel).toMatchObject({ code: "payment_intent_unexpected_state" });

    const open = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", ...CARD_ONLY });
    const canceled = await stripe.paymentIntents.cancel(open.id, { cancellation_reason: "abandoned" });
    expect(canceled).toMatchObject({ status: "canceled", cancellation_reason: "abandoned" });
  });
});

describe("declines", () => {
  it("reports a generic decline as a card error and leaves the PaymentIntent payable", async () => {
    const stripe = client();
    const error = await failure(
      stripe.paymentIntents.create({ amount: 1000, currency: "eur", payment_method: "pm_card_chargeDeclined", confirm: true, ...CARD_ONLY }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." });
    const intentId = error.payment_intent?.id as string;
    const intent = await stripe.paymentIntents.retrieve(intentId);
    expect(intent.status).toBe("requires_payment_method");
    expect(intent.last_payment_error).toMatchObject({ type: "card_error", code: "card_declined", decline_code: "generic_decline" });

    // The customer tries another card on the same PaymentIntent.
    const retried = await stripe.paymentIntents.confirm(intentId, { payment_method: "pm_card_visa" });
    expect(retried.status).toBe("succeeded");
    expect(retried.last_payment_error).toBeNull();
  });

  it("reports insufficient funds with its decline code", async () => {
    const error = await failure(
      client().paymentIntents.create({
        amount: 1000,
        currency: "eur",
        payment_method: "pm_card_chargeDeclinedInsufficientFunds",
        confirm: true,
        ...CARD_ONLY,
      }),
    );
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error.decline_code).toBe("insufficient_funds");
  });
});

describe("refunds", () => {
  it("adds partial refunds up to the amount received and no further", async () => {
    const stripe = client();
    const intent = await stripe.paymentIntents.create({ amount: 5000, currency: "usd", payment_method: "pm_card_visa", confirm: true, ...CARD_ONLY });

    const partial = await stripe.refunds.create({ payment_intent: intent.id, amount: 1500, reason: "requested_by_customer" });
    expect(partial).toMatchObject({ amount: 1500, status: "succeeded", charge: intent.latest_charge, payment_intent: intent.id });

    const tooMuch = await failure(stripe.refunds.create({ payment_intent: intent.id, amount: 4000 }));
    expect(tooMuch).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(tooMuch).toMatchObject({ code: "amount_too_large", param: "amount" });

    const rest = await stripe.refunds.create({ charge: intent.latest_charge as string });
    expect(rest.amount).toBe(3500);

    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge).toMatchObject({ amount_refunded: 5000, refunded: true });

    const nothingLeft = await failure(stripe.refunds.create({ payment_intent: intent.id, amount: 1 }));
    expect(nothingLeft).toMatchObject({ code: "charge_already_refunded" });

    const listed = await stripe.refunds.list({ payment_intent: intent.id });
    expect(listed.data.reduce((sum, refund) => sum + refund.amount, 0)).toBe(5000);
  });

  it("never over-refunds when refunds race", async () => {
    const stripe = client();
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", payment_method: "pm_card_visa", confirm: true, ...CARD_ONLY });
    const attempts = await Promise.allSettled(
      Array.from({ length: 5 }, () => stripe.refunds.create({ payment_intent: intent.id, amount: 300 })),
    );
    expect(attempts.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(3);
    const charge = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(charge.amount_refunded).toBe(900);
  });

  it("refuses to refund a PaymentIntent that has not succeeded", async () => {
    const stripe = client();
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", ...CARD_ONLY });
    const error = await failure(stripe.refunds.create({ payment_intent: intent.id }));
    expect(error).toMatchObject({ statusCode: 400, param: "payment_intent" });
  });
});


describe("authentication and encoding", () => {
  it("answers 401 without a test-mode key", async () => {
    const response = await fetch(`${emulator.url}/v1/payment_intents`);
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(response.headers.get("request-id")).toMatch(/^req_/);

    const live = await failure(client(emulator, {}, "sk_live_123456789").paymentIntents.list());
    expect(live).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it("decodes nested form parameters from plain HTTP clients", async () => {
    const response = await fetch(`${emulator.url}/v1/payment_intents`, {
      method: "POST",
      headers: { Authorization: "Bearer sk_test_plainhttp", "Content-Type": "application/x-www-form-urlencoded" },
      body: "amount=1234&currency=usd&payment_method_types[]=card&metadata[order_id]=ord%20x&metadata[seat]=A%5B1%5D",
    });
    expect(response.status).toBe(200);
    const intent = (await response.json()) as Stripe.PaymentIntent;
    expect(intent.metadata).toEqual({ order_id: "ord x", seat: "A[1]" });
    expect(intent.payment_method_types).toEqual(["card"]);
  });
});
