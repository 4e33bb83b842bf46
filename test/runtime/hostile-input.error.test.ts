/**
 * Input that used to reach PostgreSQL or Stripe and come back a 500 (issue 12, items 5–8): text no
 * column can store, prices Stripe will not charge, currencies it does not take, payment methods it
 * does not know. Each is a 4xx with a code and the field named, and nothing is half-changed.
 */
import { describe, expect, it } from "vitest";
import { call, eventBody, signUp } from "./http";
import { getOrder, pay, publishedEvent, register, registration } from "./purchase-helpers";

const fields = (body: { details?: { field: string }[] }) => (body.details ?? []).map((d) => d.field);

describe("text no column can store", () => {
  it.each([
    ["a NUL in a sign-up name", { name: "Ada\u0000", email: "nul@example.test", password: "a long enough password" }, "name"],
    ["a lone high surrogate", { name: "Ada \ud800", email: "hs@example.test", password: "a long enough password" }, "name"],
    ["a lone low surrogate in a key", { name: "Ada", email: "ls@example.test", password: "a long enough password", "\udc00": 1 }, "body"],
  ])("%s → 400 VALIDATION_FAILED naming the field", async (_, body, field) => {
    const answer = await call("POST", "/api/v1/organizers", body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("VALIDATION_FAILED");
    expect(fields(answer.body)).toEqual([field === "body" ? "json" : field]);
  });

  it("is refused in every nested string of an event and a registration, with its path", async () => {
    const organizer = await signUp();
    const seated = eventBody();
    (seated.tiers[1] as { seats: { section: string }[] }).seats[2]!.section = "Stalls\u0000";
    const event = await call("POST", "/api/v1/events", seated, organizer.key);
    expect(event.status).toBe(400);
    expect(fields(event.body)).toEqual(["tiers.1.seats.2.section"]);

    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 5 }]);
    const attendee = await register(eventId, registration(tiers[0]!.tier_id, { attendee: { email: "x@example.test", name: "\ud83c" } }));
    expect(attendee.status).toBe(400);
    expect(fields(attendee.body)).toEqual(["attendee.name"]);
    const key = await register(eventId, registration(tiers[0]!.tier_id, { idempotency_key: "abcdefgh\u0000" }));
    expect(fields(key.body)).toEqual(["idempotency_key"]);
    // A pair that is whole is text like any other.
    const emoji = await register(eventId, registration(tiers[0]!.tier_id, { attendee: { email: "e@example.test", name: "Ada 🎫" } }));
    expect(emoji.status).toBe(201);
  });
});

describe("prices and currencies", () => {
  it.each([
    [{ currency: "ZZZ" }, "currency"],
    [{ currency: "EUR", tiers: [{ name: "GA", price: 1, capacity: 10 }] }, "tiers.0.price"],
    [{ currency: "JPY", tiers: [{ name: "GA", price: 1, capacity: 10 }] }, "tiers.0.price"],
    [{ currency: "EUR", tiers: [{ name: "GA", price: 100_000_000, capacity: 10, max_per_order: 50 }] }, "tiers.0.max_per_order"],
    [{ currency: "EUR", tiers: [{ name: "GA", price: 2_000_000, capacity: 10, max_per_order: 50 }] }, "tiers.0.max_per_order"],
  ])("an event with %j → 400 naming %s", async (overrides, field) => {
    const organizer = await signUp();
    const answer = await call("POST", "/api/v1/events", eventBody(overrides), organizer.key);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("VALIDATION_FAILED");
    expect(fields(answer.body)).toContain(field);
  });

  it("takes free tiers, Stripe's minimum and whole yen, and checks a changed currency against the prices kept", async () => {
    const organizer = await signUp();
    const created = await call("POST", "/api/v1/events", eventBody({ currency: "JPY", tiers: [{ name: "Free", price: 0, capacity: 10 }, { name: "GA", price: 50, capacity: 10 }] }), organizer.key);
    expect(created.status).toBe(201);
    const id = created.body.event_id;
    // ¥50 is fine; 50 cents of a pound is too, but 50 of a forint's hundredths is not (minimum 175 HUF).
    expect((await call("PATCH", `/api/v1/events/${id}`, { currency: "GBP" }, organizer.key)).status).toBe(200);
    const huf = await call("PATCH", `/api/v1/events/${id}`, { currency: "HUF" }, organizer.key);
    expect(huf.status).toBe(400);
    expect(fields(huf.body)).toEqual(["tiers.1.price"]);
    const tooCheap = await call("PATCH", `/api/v1/events/${id}`, { tiers: [{ name: "GA", price: 29, capacity: 10 }] }, organizer.key);
    expect(fields(tooCheap.body)).toEqual(["tiers.0.price"]);
  });
});

describe("payment methods Stripe does not know", () => {
  it.each(["pm_xxx", "tok_visa", "none"])("%s → 400 naming payment_method; the order keeps its hold and pays with a real card", async (method) => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 2500, capacity: 1 }]);
    const order = await register(eventId, registration(tiers[0]!.tier_id));
    expect(order.status).toBe(201);
    const refused = await pay(order.body.order_id, order.body.order_token, method);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe("VALIDATION_FAILED");
    expect(fields(refused.body)).toEqual(["payment_method"]);
    const pending = await getOrder(order.body.order_id, order.body.order_token);
    expect(pending.body).toMatchObject({ status: "pending", tickets: [] });
    // The one unit is still held for this buyer: nobody else can take it.
    expect((await register(eventId, registration(tiers[0]!.tier_id))).body.error.code).toBe("SOLD_OUT");
    const paid = await pay(order.body.order_id, order.body.order_token);
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe("confirmed");
  });

  it("refuses ids that are not ids before they reach Stripe's idempotency header", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 2500, capacity: 1 }]);
    const order = await register(eventId, registration(tiers[0]!.tier_id));
    for (const method of ["pm_card_visa\u0000", "pm_€uro", "pm card", "pm_\n"]) {
      const refused = await pay(order.body.order_id, order.body.order_token, method);
      expect(refused.status, method).toBe(400);
      expect(fields(refused.body)).toEqual(["payment_method"]);
    }
  });

  it.each(["pm_card_threeDSecure2Required", "pm_card_authenticationRequired"])("%s → 402 PAYMENT_ACTION_REQUIRED with the client secret; another card then pays", async (method) => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 2500, capacity: 1 }]);
    const order = await register(eventId, registration(tiers[0]!.tier_id));
    const action = await pay(order.body.order_id, order.body.order_token, method);
    expect(action.status).toBe(402);
    expect(action.body).toMatchObject({ error: { code: "PAYMENT_ACTION_REQUIRED" }, client_secret: expect.stringMatching(/_secret_/) });
    expect((await getOrder(order.body.order_id, order.body.order_token)).body.status).toBe("pending");
    const paid = await pay(order.body.order_id, order.body.order_token);
    expect(paid.body.status).toBe("confirmed");
  });
});
