/**
 * Buying tickets end to end in workerd: hold, pending order, one Stripe charge through the real SDK
 * and the emulator, signed tickets that verify against the event's published keys.
 */
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { decodeProtectedHeader } from "jose";
import { eventJwks } from "../../workers/tickets/signing-keys";
import { verifyTicket } from "../../workers/tickets/ticket-tokens";
import { inventoryOf } from "../../workers/inventory-client";
import { db } from "./fixtures";
import { getOrder, pay, publishedEvent, register, registration, seatRow } from "./purchase-helpers";

describe("general admission purchase", () => {
  it("holds, charges once and issues signed QR tickets", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 2500, capacity: 10 }]);
    const tierId = tiers[0]!.tier_id;
    const buyer = registration(tierId, { quantity: 2 });
    const registered = await register(eventId, buyer);
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ status: "pending", amount: 5000, currency: "EUR", quantity: 2 });
    expect(Date.parse(registered.body.hold_expires_at)).toBeGreaterThan(Date.now());
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 2, sold: 0, available: 8 });

    const paid = await pay(registered.body.order_id, registered.body.order_token);
    expect(paid.status).toBe(200);
    expect(paid.body.status).toBe("confirmed");
    expect(paid.body.tickets).toHaveLength(2);
    expect(paid.body.qr_codes.every((svg: string) => svg.includes("<svg"))).toBe(true);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ held: 0, sold: 2, available: 8 });

    const jwks = await eventJwks(db(), eventId);
    for (const ticket of paid.body.tickets) {
      const verified = await verifyTicket(ticket.token, jwks, eventId);
      expect(verified).toMatchObject({ ok: true, claims: { tid: ticket.ticket_id, eid: eventId, tier: tierId, name: "Ada Buyer", v: 1 } });
      expect(decodeProtectedHeader(ticket.token).kid).toBe(jwks.keys[0]!.kid);
    }

    const mails = async () =>
      (await (await fetch(`${inject("stackUrls").mail}/api/emails?to=${encodeURIComponent(buyer.attendee.email)}`)).json()) as { data: { subject: string; text: string }[] };
    await expect.poll(async () => (await mails()).data.length, { timeout: 15_000 }).toBe(1);
    const [mail] = (await mails()).data;
    expect(mail!.subject).toContain("Organizer test event");
    expect(mail!.text).toContain(`http://admit.test/order?order=${registered.body.order_id}#token=${registered.body.order_token}`);

    const order = await getOrder(registered.body.order_id, registered.body.order_token);
    expect(order.body).toMatchObject({ status: "confirmed", amount: 5000, payments: [{ status: "succeeded", amount: 5000 }], refunds: [] });
    expect(order.body.ticket_ids).toEqual(paid.body.ticket_ids);
  });

  it("returns the same order for the same key and body, and refuses the key for another body", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 5 }]);
    const body = registration(tiers[0]!.tier_id);
    const first = await register(eventId, body);
    const again = await register(eventId, body);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body).toEqual(first.body);
    const other = await register(eventId, { ...body, quantity: 2 });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await inventoryOf(env, tiers[0]!.tier_id).snapshot()).toMatchObject({ held: 1 });
  });

  it("refuses tampered tickets and tickets of another event", async () => {
    const first = await publishedEvent([{ name: "GA", price: 1000, capacity: 5 }]);
    const second = await publishedEvent([{ name: "GA", price: 1000, capacity: 5 }]);
    const registered = await register(first.eventId, registration(first.tiers[0]!.tier_id));
    const paid = await pay(registered.body.order_id, registered.body.order_token);
    const token: string = paid.body.tickets[0].token;
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
    const forged = `${header}.${btoa(JSON.stringify({ ...claims, name: "Mallory" })).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")}.${signature}`;
    expect(await verifyTicket(forged, await eventJwks(db(), first.eventId), first.eventId)).toEqual({ ok: false, reason: "bad_signature" });
    expect((await verifyTicket(token, await eventJwks(db(), second.eventId), second.eventId)).ok).toBe(false);
  });
});

describe("seated purchase", () => {
  it("holds the chosen seats, or the best available ones, and sells them", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "Stalls", price: 3000, seats: [...seatRow("A", 6), ...seatRow("B", 6)] }]);
    const tierId = tiers[0]!.tier_id;
    const chosen = await register(eventId, registration(tierId, { quantity: 2, seats: ["B1", "B2"] }));
    expect(chosen.status).toBe(201);
    expect(chosen.body.seats).toEqual(["B1", "B2"]);
    const best = await register(eventId, registration(tierId, { quantity: 3, best_available: true }));
    expect(best.status).toBe(201);
    expect(best.body.seats).toHaveLength(3);
    expect(best.body.seats.every((s: string) => s.startsWith("A"))).toBe(true);
    const taken = await register(eventId, registration(tierId, { quantity: 1, seats: ["B2"] }));
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ error: { code: "SEAT_UNAVAILABLE" }, seats: ["B2"] });

    const paid = await pay(chosen.body.order_id, chosen.body.order_token);
    expect(paid.body.tickets.map((t: { seat: string }) => t.seat)).toEqual(["B1", "B2"]);
    const map = await (await import("./http")).call("GET", `/api/v1/events/${eventId}/tiers/${tierId}/seats`);
    const status = Object.fromEntries(map.body.seats.map((s: { label: string; status: string }) => [s.label, s.status]));
    expect(status.B1).toBe("sold");
    expect(status.B2).toBe("sold");
    for (const label of best.body.seats) expect(status[label]).toBe("held");
    const untouched = Object.keys(status).filter((l) => !["B1", "B2", ...best.body.seats].includes(l));
    expect(untouched.every((l) => status[l] === "available")).toBe(true);
  });
});

describe("editing a tier that is selling", () => {
  it("raises capacity for the next buyer at once, and refuses to go below what is sold or held", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 2 }]);
    const tierId = tiers[0]!.tier_id;
    expect((await register(eventId, registration(tierId, { quantity: 2 }))).status).toBe(201);
    expect((await register(eventId, registration(tierId))).status).toBe(409);

    const { call } = await import("./http");
    const lower = await call("PATCH", `/api/v1/events/${eventId}`, { tiers: [{ tier_id: tierId, name: "GA", price: 1000, capacity: 1 }] }, organizer.key);
    expect(lower.status).toBe(409);
    expect(lower.body.error.code).toBe("CONFLICT");
    const raised = await call("PATCH", `/api/v1/events/${eventId}`, { tiers: [{ tier_id: tierId, name: "GA", price: 1000, capacity: 3 }] }, organizer.key);
    expect(raised.status).toBe(200);
    expect(await inventoryOf(env, tierId).snapshot()).toMatchObject({ capacity: 3, held: 2, available: 1 });
  });
});

describe("checkout configuration", () => {
  it("offers the emulator's test methods locally, where no publishable key is set", async () => {
    const { call } = await import("./http");
    const config = await call("GET", "/api/v1/config");
    expect(config.status).toBe(200);
    expect(config.body.payments.mode).toBe("test_methods");
    expect(config.body.payments.test_methods.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining(["pm_card_visa", "pm_card_chargeDeclined"]));
  });
});
