/**
 * A seated tier's stage (issue #14 item 4): a rectangle in the seat map's coordinates, validated at
 * the edge with the field at fault, stored on the tier and returned to the organizer, by the event
 * view and by the seats endpoint the picker reads. A map without one answers `stage: null`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, eventBody, signUp, type Caller } from "./http";
import { publishedEvent, register, registration, seatRow } from "./purchase-helpers";

let key: Caller;

beforeAll(async () => {
  key = (await signUp()).key;
});

/** Rows A and B of four seats, 30 units apart: x 0–90, y 0–30. */
const seats = ["A", "B"].flatMap((row, r) => [1, 2, 3, 4].map((n) => ({ label: `${row}${n}`, section: "Stalls", row, number: n, x: (n - 1) * 30, y: r * 30 })));
const below = { x: 0, y: 60, width: 90, height: 27, label: "Main stage" };

function seatedEvent(stage?: unknown) {
  return eventBody({ tiers: [{ name: "Seated", price: 3000, seats, ...(stage === undefined ? {} : { stage }) }] });
}

async function stageSeenBy(eventId: string, tierId: string) {
  const seatsAnswer = await call("GET", `/api/v1/events/${eventId}/tiers/${tierId}/seats`, undefined, key);
  expect(seatsAnswer.status).toBe(200);
  const event = await call("GET", `/api/v1/events/${eventId}`, undefined, key);
  expect(event.status).toBe(200);
  const tier = event.body.tiers.find((t: { tier_id: string }) => t.tier_id === tierId);
  expect(tier.stage).toEqual(seatsAnswer.body.stage);
  return seatsAnswer.body.stage;
}

describe("a seat map's stage", () => {
  it("round-trips: created below the seats, moved, kept when left out, removed with null", async () => {
    const created = await call("POST", "/api/v1/events", seatedEvent(below), key);
    expect(created.status).toBe(201);
    const eventId = created.body.event_id;
    const tierId = created.body.tiers[0].tier_id;
    expect(created.body.tiers[0].stage).toEqual(below);
    expect(await stageSeenBy(eventId, tierId)).toEqual(below);

    const tier = { tier_id: tierId, name: "Seated", price: 3000, seats };
    const left = { x: -80, y: -20, width: 27, height: 70, label: "  Stage  " };
    const moved = await call("PATCH", `/api/v1/events/${eventId}`, { tiers: [{ ...tier, stage: left }] }, key);
    expect(moved.status).toBe(200);
    expect(await stageSeenBy(eventId, tierId)).toEqual({ ...left, label: "Stage" });

    const untouched = await call("PATCH", `/api/v1/events/${eventId}`, { tiers: [{ ...tier, name: "Seated (renamed)" }] }, key);
    expect(untouched.status).toBe(200);
    expect(await stageSeenBy(eventId, tierId)).toEqual({ ...left, label: "Stage" });

    const removed = await call("PATCH", `/api/v1/events/${eventId}`, { tiers: [{ ...tier, stage: null }] }, key);
    expect(removed.status).toBe(200);
    expect(await stageSeenBy(eventId, tierId)).toBeNull();
  });

  it("is null on a map that never had one, has a default label, and general admission has no stage field", async () => {
    const created = await call("POST", "/api/v1/events", eventBody(), key);
    expect(created.status).toBe(201);
    const [general, seated] = created.body.tiers;
    expect(general).not.toHaveProperty("stage");
    expect(await stageSeenBy(created.body.event_id, seated.tier_id)).toBeNull();

    const unnamed = await call("POST", "/api/v1/events", seatedEvent({ x: 0, y: -60, width: 90, height: 27 }), key);
    expect(unnamed.status).toBe(201);
    expect(unnamed.body.tiers[0].stage).toEqual({ x: 0, y: -60, width: 90, height: 27, label: "Stage" });
  });

  type Case = [name: string, stage: unknown, field: string];
  const bad: Case[] = [
    ["covering a seat", { x: 20, y: 20, width: 20, height: 20 }, "tiers.0.stage"],
    ["far away from the seats", { x: 5000, y: 0, width: 50, height: 20 }, "tiers.0.stage"],
    ["huge", { x: -5000, y: -5000, width: 4000, height: 4000 }, "tiers.0.stage"],
    ["without a width", { x: 0, y: 60, height: 20 }, "tiers.0.stage.width"],
    ["with zero height", { x: 0, y: 60, width: 90, height: 0 }, "tiers.0.stage.height"],
    ["at a string position", { x: "0", y: 60, width: 90, height: 20 }, "tiers.0.stage.x"],
    ["beyond the coordinate range", { x: 0, y: 1e9, width: 90, height: 20 }, "tiers.0.stage.y"],
    ["with a 41-character label", { ...below, label: "S".repeat(41) }, "tiers.0.stage.label"],
    ["with a blank label", { ...below, label: "   " }, "tiers.0.stage.label"],
    ["with a control character in its label", { ...below, label: "Main\u0007stage" }, "tiers.0.stage.label"],
    ["with an unknown field", { ...below, side: "bottom" }, "tiers.0.stage.side"],
    ["as a string", "bottom", "tiers.0.stage"],
  ];

  it.each(bad)("refuses a stage %s: 400 with the field at fault", async (_name, stage, field) => {
    const answer = await call("POST", "/api/v1/events", seatedEvent(stage), key);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("VALIDATION_FAILED");
    expect(answer.body.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(answer.body.details.find((d: { field: string }) => d.field === field).message.length).toBeGreaterThan(5);
  });

  it("refuses a stage on a general-admission tier", async () => {
    const answer = await call("POST", "/api/v1/events", eventBody({ tiers: [{ name: "GA", price: 100, capacity: 10, stage: below }] }), key);
    expect(answer.status).toBe(400);
    expect(answer.body.details.map((d: { field: string }) => d.field)).toContain("tiers.0.stage");
  });

  it("names the seat it covers, and refuses moving seats under a saved stage that was left out", async () => {
    const covering = await call("POST", "/api/v1/events", seatedEvent({ x: 50, y: -10, width: 20, height: 20 }), key);
    expect(covering.status).toBe(400);
    expect(covering.body.details[0].message).toContain("A3");

    const created = await call("POST", "/api/v1/events", seatedEvent(below), key);
    expect(created.status).toBe(201);
    const eventId = created.body.event_id;
    const tierId = created.body.tiers[0].tier_id;
    const shifted = seats.map((s) => ({ ...s, y: s.y + 60 }));
    const answer = await call("PATCH", `/api/v1/events/${eventId}`, { tiers: [{ tier_id: tierId, name: "Seated", price: 3000, seats: shifted }] }, key);
    expect(answer.status).toBe(400);
    expect(answer.body.details.map((d: { field: string }) => d.field)).toEqual(["tiers.0.stage"]);
    expect(await stageSeenBy(eventId, tierId)).toEqual(below);
    const seatsNow = await call("GET", `/api/v1/events/${eventId}/tiers/${tierId}/seats`, undefined, key);
    expect(seatsNow.body.seats.map((s: { y: number }) => s.y).sort()).toEqual(seats.map((s) => s.y).sort());
  });

  it("makes best available start from the row nearest the stage, in the preview and at register alike", async () => {
    // Rows A, B, C of 8 (y grows from A to C); the stage below row C, then none (the top, as before).
    const hall = [...seatRow("A", 8), ...seatRow("B", 8), ...seatRow("C", 8)];
    const rowC = Math.max(...hall.map((s) => s.y));
    const cases = [
      { stage: { x: 0, y: rowC + 40, width: 210, height: 27 }, row: "C" },
      { stage: null, row: "A" },
    ];
    for (const { stage, row } of cases) {
      const { eventId, tiers } = await publishedEvent([{ name: "Stalls", price: 1000, max_per_order: 6, seats: hall, stage }]);
      const tierId = tiers[0]!.tier_id;
      const preview = await call("GET", `/api/v1/events/${eventId}/tiers/${tierId}/best-available?quantity=2`);
      expect(preview.status).toBe(200);
      expect(preview.body.seats.every((label: string) => label.startsWith(row))).toBe(true);
      const held = await register(eventId, registration(tierId, { quantity: 2, best_available: true }));
      expect(held.status).toBe(201);
      expect([...held.body.seats].sort()).toEqual([...preview.body.seats].sort());
    }
  });
});
