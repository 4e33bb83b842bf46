/**
 * The Stripe emulator as the real SDK sees it: happy paths, declines, refunds,
 * idempotency (replays, mismatches, in-flight conflicts), injected faults, and
 * signed, retried, duplicated webhooks.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type StripeEmulator, type StripeEmulatorOptions, startStripeEmulator } from "../../dev/stripe-emulator";

// Stripe's own object shapes (from stripe-mock's fixtures, copied from ../shared/reference).
const FIXTURES_PATH = new URL("./fixtures/stripe-fixtures.json", import.meta.url);
const FIXTURES = (JSON.parse(readFileSync(FIXTURES_PATH, "utf8")) as { resources: Record<string, unknown> }).resources;

let emulator: StripeEmulator;

beforeAll(async () => {
  emulator = await startStripeEmulator({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await emulator.stop();
});
afterEach(() => {
  emulator.faults.clear();
});

/** A client on a fresh account (its own secret key), so tests never see each other's objects. */
function client(on: StripeEmulator = emulator, config: Stripe.StripeConfig = {}, key = `sk_test_${randomUUID().replace(/-/g, "")}`) {
  return new Stripe(key, { host: "127.0.0.1", port: on.port, protocol: "http", maxNetworkRetries: 2, ...config });
}

const CARD_ONLY = { payment_method_types: ["card"] } as const;

async function until<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 5_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function failure(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  throw new Error("expected the request to fail");
}

/**
 * Every key of Stripe's fixture is present with the same type, and no key is
 * invented. Nested objects are compared too, unless one side is null (a
 * nullable field) or the object is a free-form hash (metadata, or empty in the fixture).
 */
function expectStripeShape(actual: unknown, fixture: unknown, path = "$"): void {
  if (fixture === null || actual === null || Array.isArray(fixture) || path.endsWith(".metadata")) return;
  if (typeof fixture !== "object") {
    expect(typeof actual, path).toBe(typeof fixture);
    return;
  }
  expect(typeof actual, path).toBe("object");
  const fixtureKeys = Object.keys(fixture as object);
  if (fixtureKeys.length === 0) return;
  expect(Object.keys(actual as object).sort(), path).toEqual(fixtureKeys.sort());
  for (const key of fixtureKeys) {
    expectStripeShape((actual as Record<string, unknown>)[key], (fixture as Record<string, unknown>)[key], `${path}.${key}`);
  }
}

interface Receiver {
  url: string;
  received: { body: string; signature: string }[];
  close(): Promise<void>;
}

/** A webhook endpoint that answers `statusFor(n)` to its n-th request (1-based). */
async function startReceiver(statusFor: (call: number) => number = () => 200): Promise<Receiver> {
  const received: Receiver["received"] = [];
  let calls = 0;
  const server: Server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    calls += 1;
    const status = statusFor(calls);
    if (status >= 200 && status < 300) received.push({ body, signature: String(req.headers["stripe-signature"]) });
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function withEmulator(options: StripeEmulatorOptions, run: (emulator: StripeEmulator) => Promise<void>) {
  const instance = await startStripeEmulator({ host: "127.0.0.1", port: 0, ...options });
  try {
    await run(instance);
  } finally {
    await instance.stop();
  }
}

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

describe("idempotency", () => {
  const params = { amount: 4200, currency: "eur", payment_method: "pm_card_visa", confirm: true, ...CARD_ONLY };

  it("replays the first response for the same key and parameters", async () => {
    const stripe = client();
    const key = `order-${randomUUID()}`;
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    const replay = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    expect(replay.id).toBe(first.id);
    expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(first.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect((await stripe.paymentIntents.list()).data).toHaveLength(1);
  });

  it("rejects the same key with different parameters", async () => {
    const stripe = client();
    const key = `order-${randomUUID()}`;
    await stripe.paymentIntents.create(params, { idempotencyKey: key });
    const error = await failure(stripe.paymentIntents.create({ ...params, amount: 4300 }, { idempotencyKey: key }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error.message).toMatch(/same parameters/);
  });

  it("replays a stored decline rather than charging again", async () => {
    const stripe = client();
    const key = `order-${randomUUID()}`;
    const declined = { ...params, payment_method: "pm_card_chargeDeclined" };
    const first = await failure(stripe.paymentIntents.create(declined, { idempotencyKey: key }));
    const second = await failure(stripe.paymentIntents.create(declined, { idempotencyKey: key }));
    expect(second).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(second.headers?.["idempotent-replayed"]).toBe("true");
    expect(second.payment_intent?.id).toBe(first.payment_intent?.id);
    expect((await stripe.paymentIntents.list()).data).toHaveLength(1);
  });

  it("does not store validation failures, so the key stays usable", async () => {
    const stripe = client();
    const key = `order-${randomUUID()}`;
    const invalid = { amount: 10, currency: "usd" };
    await failure(stripe.paymentIntents.create(invalid, { idempotencyKey: key }));
    const again = await failure(stripe.paymentIntents.create(invalid, { idempotencyKey: key }));
    expect(again.code).toBe("amount_too_small");
    expect(again.headers?.["idempotent-replayed"]).toBeUndefined();
  });

  it("answers 409 while the first request with a key is still executing", async () => {
    const stripe = client(emulator, { maxNetworkRetries: 0 });
    emulator.faults.add({ method: "POST", path: "/v1/payment_intents", mode: "delay", delayMs: 500 });
    const key = `order-${randomUUID()}`;
    const slow = stripe.paymentIntents.create(params, { idempotencyKey: key });
    // The delay is taken after the key is claimed: once it is used up, the key is in flight.
    await until(() => emulator.faults.list().length === 0, "the delayed request to start");
    const conflict = await failure(stripe.paymentIntents.create(params, { idempotencyKey: key }));
    expect(conflict.statusCode).toBe(409);
    // The SDK maps a 409 to StripeAPIError whatever its type; by default it would retry it.
    expect((conflict.raw as { type?: string }).type).toBe("idempotency_error");
    expect((await slow).status).toBe("succeeded");
  });

  it("scopes keys to the secret key, like separate accounts", async () => {
    const key = `order-${randomUUID()}`;
    const a = await client().paymentIntents.create(params, { idempotencyKey: key });
    const b = await client().paymentIntents.create(params, { idempotencyKey: key });
    expect(b.id).not.toBe(a.id);
    expect(b.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
  });
});

describe("faults", () => {
  it("error_500: the SDK retries, gets the stored 500 replayed, and gives up", async () => {
    const stripe = client();
    let attempts = 0;
    stripe.on("request", () => (attempts += 1));
    emulator.faults.add({ method: "POST", path: "/v1/payment_intents", mode: "error_500" });
    const key = `order-${randomUUID()}`;
    const params = { amount: 1000, currency: "usd", payment_method: "pm_card_visa", confirm: true, ...CARD_ONLY };

    const error = await failure(stripe.paymentIntents.create(params, { idempotencyKey: key }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error.statusCode).toBe(500);
    expect(attempts).toBe(3);
    expect(error.headers?.["idempotent-replayed"]).toBe("true");

    const replay = await failure(stripe.paymentIntents.create(params, { idempotencyKey: key, maxNetworkRetries: 0 }));
    expect(replay.statusCode).toBe(500);
    expect(replay.headers?.["idempotent-replayed"]).toBe("true");
    expect((await stripe.paymentIntents.list()).data).toHaveLength(0);
  });

  it("a fault scoped to an idempotency key prefix strikes only those requests", async () => {
    const stripe = client(emulator, { maxNetworkRetries: 0 });
    emulator.faults.add({ method: "POST", path: "/v1/payment_intents", mode: "error_500", idempotencyKeyPrefix: "broken-" });
    const params = { amount: 1000, currency: "usd", payment_method: "pm_card_visa", confirm: true, ...CARD_ONLY };
    const other = await stripe.paymentIntents.create(params, { idempotencyKey: `fine-${randomUUID()}` });
    expect(other.status).toBe("succeeded");
    expect(emulator.faults.list()).toHaveLength(1);
    const error = await failure(stripe.paymentIntents.create(params, { idempotencyKey: `broken-${randomUUID()}` }));
    expect(error.statusCode).toBe(500);
    expect(emulator.faults.list()).toHaveLength(0);
    expect(() => emulator.faults.add({ mode: "error_500", idempotencyKeyPrefix: "" })).toThrow(/idempotencyKeyPrefix/);
  });

  it("hang_after_commit: the client times out, yet the charge happened", async () => {
    const stripe = client(emulator, { timeout: 300, maxNetworkRetries: 0 });
    emulator.faults.add({ method: "POST", path: "/v1/payment_intents", mode: "hang_after_commit" });
    const key = `order-${randomUUID()}`;
    const params = { amount: 2500, currency: "usd", payment_method: "pm_card_visa", confirm: true, metadata: { order_id: "ord_timeout" }, ...CARD_ONLY };

    const error = await failure(stripe.paymentIntents.create(params, { idempotencyKey: key }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);

    const [intent] = (await stripe.paymentIntents.search({ query: "metadata['order_id']:'ord_timeout'" })).data;
    expect(intent?.status).toBe("succeeded");
    // Retrying with the same key returns the committed result instead of charging twice.
    const retried = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    expect(retried.id).toBe(intent?.id);
    expect(retried.lastResponse.headers["idempotent-replayed"]).toBe("true");
  });

  it("hang_replay after hang_after_commit: the charge happened, the client and its retries never hear of it, a later retry does", async () => {
    const stripe = client(emulator, { timeout: 300, maxNetworkRetries: 2 });
    const key = `order-${randomUUID()}`;
    emulator.faults.add({ method: "POST", path: "/v1/payment_intents", mode: "hang_after_commit", idempotencyKeyPrefix: key });
    emulator.faults.add({ method: "POST", path: "/v1/payment_intents", mode: "hang_replay", times: 2, idempotencyKeyPrefix: key });
    const params = { amount: 2600, currency: "usd", payment_method: "pm_card_visa", confirm: true, metadata: { order_id: "ord_lost" }, ...CARD_ONLY };

    let attempts = 0;
    stripe.on("request", () => (attempts += 1));
    const error = await failure(stripe.paymentIntents.create(params, { idempotencyKey: key }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(attempts).toBe(3);
    expect(emulator.faults.list()).toEqual([]);
    const intents = (await stripe.paymentIntents.list()).data;
    expect(intents.map((intent) => [intent.status, intent.amount_received])).toEqual([["succeeded", 2600]]);

    // The answer stayed stored: the next retry with the key hears it, and nothing is charged again.
    const replayed = await stripe.paymentIntents.create(params, { idempotencyKey: key });
    expect(replayed.id).toBe(intents[0]!.id);
    expect(replayed.lastResponse.headers["idempotent-replayed"]).toBe("true");
    // A first request is not a replay: the fault does not strike it.
    emulator.faults.add({ method: "POST", path: "/v1/payment_intents", mode: "hang_replay" });
    expect((await stripe.paymentIntents.create(params, { idempotencyKey: `order-${randomUUID()}` })).status).toBe("succeeded");
    expect(emulator.faults.list()).toHaveLength(1);
  });

  it("a create with confirm that is declined names its intent in the card error, and the key replays the same decline", async () => {
    const stripe = client();
    const key = `order-${randomUUID()}`;
    const params = { amount: 1500, currency: "eur", payment_method: "pm_card_chargeDeclined", confirm: true, metadata: { order_id: "ord_declined" }, ...CARD_ONLY };
    const first = await failure(stripe.paymentIntents.create(params, { idempotencyKey: key }));
    expect(first).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(first.payment_intent).toMatchObject({ status: "requires_payment_method", metadata: { order_id: "ord_declined" }, amount: 1500 });
    // Another card with the same key is a request with other parameters: refused, nothing created.
    const other = await failure(stripe.paymentIntents.create({ ...params, payment_method: "pm_card_visa" }, { idempotencyKey: key }));
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((await stripe.paymentIntents.list()).data.map((intent) => intent.id)).toEqual([first.payment_intent!.id]);
    // The intent itself takes the other card.
    expect((await stripe.paymentIntents.confirm(first.payment_intent!.id, { payment_method: "pm_card_visa" })).status).toBe("succeeded");
  });

  it("hang: nothing happens, and the SDK's retry with the same key succeeds once", async () => {
    const stripe = client(emulator, { timeout: 300, maxNetworkRetries: 1 });
    emulator.faults.add({ method: "POST", path: "/v1/payment_intents", mode: "hang" });
    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: "usd", payment_method: "pm_card_visa", confirm: true, ...CARD_ONLY });
    expect(intent.status).toBe("succeeded");
    expect((await stripe.paymentIntents.list()).data).toHaveLength(1);
  });

  it("pm_emulator_error answers 500 and pm_emulator_hang_after_commit commits silently", async () => {
    const stripe = client(emulator, { timeout: 300, maxNetworkRetries: 0 });
    const error = await failure(stripe.paymentIntents.create({ amount: 1000, currency: "usd", payment_method: "pm_emulator_error", confirm: true, ...CARD_ONLY }));
    expect(error.statusCode).toBe(500);
    const hung = await failure(
      stripe.paymentIntents.create({ amount: 1000, currency: "usd", payment_method: "pm_emulator_hang_after_commit", confirm: true, ...CARD_ONLY }),
    );
    expect(hung).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    const statuses = (await stripe.paymentIntents.list()).data.map((intent) => intent.status).sort();
    expect(statuses).toEqual(["requires_confirmation", "succeeded"]);
  });

  it("is controllable over HTTP", async () => {
    const added = await fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      body: JSON.stringify({ method: "GET", path: "/v1/events", mode: "error_500", times: 2 }),
    });
    expect(added.status).toBe(201);
    const listed = (await (await fetch(`${emulator.url}/_emulator/faults`)).json()) as { data: { remaining: number }[] };
    expect(listed.data).toEqual([expect.objectContaining({ mode: "error_500", remaining: 2 })]);

    const stripe = client(emulator, { maxNetworkRetries: 0 });
    expect((await failure(stripe.events.list())).statusCode).toBe(500);
    await fetch(`${emulator.url}/_emulator/faults`, { method: "DELETE" });
    expect((await stripe.events.list()).object).toBe("list");

    const invalid = await fetch(`${emulator.url}/_emulator/faults`, { method: "POST", body: JSON.stringify({ mode: "explode" }) });
    expect(invalid.status).toBe(400);
  });

  it("stop() ends hung requests", async () => {
    const log: string[] = [];
    await withEmulator({ log: (line) => log.push(line) }, async (instance) => {
      instance.faults.add({ mode: "hang", times: Infinity });
      const pending = failure(client(instance, { maxNetworkRetries: 0 }).paymentIntents.list());
      await until(() => log.some((line) => line.includes("injected hang")), "the request to hang");
      await instance.stop();
      expect(await pending).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    });
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
