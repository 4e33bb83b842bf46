/**
 * The Stripe emulator's idempotency (replays, mismatches, in-flight conflicts) and injected faults, as the
 * real SDK sees them.
 */
import { randomUUID } from "node:crypto";
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { useEmulator, emulator, client, CARD_ONLY, until, failure, withEmulator } from "./stripe-emulator-harness";

useEmulator();

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
