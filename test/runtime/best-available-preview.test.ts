/**
 * GET /events/{id}/tiers/{tierId}/best-available: a preview of best available that holds nothing.
 * It names the seats register's best available would take at that moment, skips held seats, and
 * refuses bad input with stable codes (never a 5xx).
 */
import { describe, expect, it } from "vitest";
import { call } from "./http";
import { publishedEvent, register, registration, seatRow } from "./purchase-helpers";

const preview = (eventId: string, tierId: string, query: string) => call("GET", `/api/v1/events/${eventId}/tiers/${tierId}/best-available?${query}`);
const statuses = async (eventId: string, tierId: string) =>
  Object.fromEntries(((await call("GET", `/api/v1/events/${eventId}/tiers/${tierId}/seats`)).body.seats as { label: string; status: string }[]).map((s) => [s.label, s.status]));

describe("best available preview", () => {
  it("proposes the same block register then takes, holding nothing until then, and steps around held seats", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "Stalls", price: 1000, max_per_order: 6, seats: [...seatRow("A", 8), ...seatRow("B", 8)] }]);
    const tierId = tiers[0]!.tier_id;
    const first = await preview(eventId, tierId, "quantity=2");
    expect(first.status).toBe(200);
    expect(first.body.seats).toHaveLength(2);
    expect(Object.values(await statuses(eventId, tierId)).every((s) => s === "available")).toBe(true);
    // The same question answered by register's own best available takes exactly those seats.
    const held = await register(eventId, registration(tierId, { quantity: 2, best_available: true }));
    expect(held.status).toBe(201);
    expect([...held.body.seats].sort()).toEqual([...first.body.seats].sort());
    const next = await preview(eventId, tierId, "quantity=2");
    expect(next.status).toBe(200);
    expect(next.body.seats.some((label: string) => first.body.seats.includes(label))).toBe(false);
    const live = await statuses(eventId, tierId);
    expect(next.body.seats.every((label: string) => live[label] === "available")).toBe(true);
  });

  it("refuses what it cannot answer with a code: bad quantity, more than one order allows, general admission, unknown ids, no block free", async () => {
    const { eventId, tiers } = await publishedEvent([
      { name: "Stalls", price: 1000, max_per_order: 4, seats: seatRow("A", 3) },
      { name: "Standing", price: 500, capacity: 10, max_per_order: 4 },
    ]);
    const [stalls, standing] = [tiers.find((t) => t.name === "Stalls")!.tier_id, tiers.find((t) => t.name === "Standing")!.tier_id];
    for (const query of ["quantity=0", "quantity=abc", "", "quantity=2&extra=1", "quantity=2&accessible=maybe"]) {
      const answer = await preview(eventId, stalls, query);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code).toBe("VALIDATION_FAILED");
    }
    expect((await preview(eventId, stalls, "quantity=5")).body.error.code).toBe("VALIDATION_FAILED");
    expect((await preview(eventId, standing, "quantity=1")).body.error.code).toBe("VALIDATION_FAILED");
    expect((await preview(eventId, crypto.randomUUID(), "quantity=1")).status).toBe(404);
    expect((await preview(crypto.randomUUID(), stalls, "quantity=1")).status).toBe(404);
    expect((await preview("not-a-uuid", stalls, "quantity=1")).status).toBe(400);
    const none = await preview(eventId, stalls, "quantity=4");
    expect(none.status).toBe(409);
    expect(none.body.error.code).toBe("SEAT_UNAVAILABLE");
  });
});
