/**
 * Thirty-odd malformed requests across the organizer and catalog endpoints: each gets a 4xx with
 * a stable code (and the field at fault, where there is one), never a 5xx.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, eventBody, signUp, type Caller } from "./http";

let key: Caller;
let eventId: string;
let tierIds: string[];

beforeAll(async () => {
  key = (await signUp()).key;
  const created = (await call("POST", "/api/v1/events", eventBody(), key)).body;
  eventId = created.event_id;
  tierIds = created.tiers.map((t: { tier_id: string }) => t.tier_id);
});

const later = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

type Case = [name: string, method: string, path: () => string, body: unknown, status: number, code: string, field?: string];

const cases: Case[] = [
  ["sign-up without a body", "POST", () => "/api/v1/organizers", undefined, 415, "UNSUPPORTED_MEDIA_TYPE"],
  ["sign-up with broken JSON", "POST", () => "/api/v1/organizers", "{\"name\":", 400, "VALIDATION_FAILED", "body"],
  ["sign-up with a bad email", "POST", () => "/api/v1/organizers", { name: "A", email: "not-an-email", password: "long enough pw" }, 400, "VALIDATION_FAILED", "email"],
  ["sign-up with a short password", "POST", () => "/api/v1/organizers", { name: "A", email: "a@example.test", password: "short" }, 400, "VALIDATION_FAILED", "password"],
  ["sign-up with an unknown field", "POST", () => "/api/v1/organizers", { name: "A", email: "a@example.test", password: "long enough pw", role: "admin" }, 400, "VALIDATION_FAILED", "role"],
  ["sign-up with a JSON array", "POST", () => "/api/v1/organizers", [1, 2], 400, "VALIDATION_FAILED"],
  ["sign-in without password", "POST", () => "/api/v1/sessions", { email: "a@example.test" }, 400, "VALIDATION_FAILED", "password"],
  ["sign-in with numbers", "POST", () => "/api/v1/sessions", { email: 5, password: 6 }, 400, "VALIDATION_FAILED", "email"],
  ["API key without a name", "POST", () => "/api/v1/organizers/me/api-keys", {}, 400, "VALIDATION_FAILED", "name"],
  ["revoke a key with a non-uuid id", "DELETE", () => "/api/v1/organizers/me/api-keys/123", undefined, 404, "NOT_FOUND"],
  ["event without tiers", "POST", () => "/api/v1/events", eventBody({ tiers: [] }), 400, "VALIDATION_FAILED", "tiers"],
  ["event ending before it starts", "POST", () => "/api/v1/events", eventBody({ starts_at: later(10), ends_at: later(9) }), 400, "VALIDATION_FAILED", "ends_at"],
  ["event with a time but no zone", "POST", () => "/api/v1/events", eventBody({ starts_at: "2030-01-01T10:00:00" }), 400, "VALIDATION_FAILED", "starts_at"],
  ["event with an unknown time zone", "POST", () => "/api/v1/events", eventBody({ timezone: "Mars/Olympus" }), 400, "VALIDATION_FAILED", "timezone"],
  ["event with a bad currency", "POST", () => "/api/v1/events", eventBody({ currency: "EURO" }), 400, "VALIDATION_FAILED", "currency"],
  ["event with a fractional price", "POST", () => "/api/v1/events", eventBody({ tiers: [{ name: "GA", price: 12.5, capacity: 10 }] }), 400, "VALIDATION_FAILED", "tiers.0.price"],
  ["event with a negative capacity", "POST", () => "/api/v1/events", eventBody({ tiers: [{ name: "GA", price: 100, capacity: -1 }] }), 400, "VALIDATION_FAILED", "tiers.0.capacity"],
  ["tier with both capacity and seats", "POST", () => "/api/v1/events", eventBody({ tiers: [{ name: "X", price: 1, capacity: 2, seats: [] }] }), 400, "VALIDATION_FAILED", "tiers.0.capacity"],
  ["seat map with a duplicate label", "POST", () => "/api/v1/events", eventBody({ tiers: [{ name: "S", price: 1, seats: [{ label: "A1", number: 1, x: 0, y: 0 }, { label: "A1", number: 2, x: 1, y: 0 }] }] }), 400, "VALIDATION_FAILED", "tiers.0.seats.1.label"],
  ["seat without coordinates", "POST", () => "/api/v1/events", eventBody({ tiers: [{ name: "S", price: 1, seats: [{ label: "A1", number: 1 }] }] }), 400, "VALIDATION_FAILED", "tiers.0.seats.0.x"],
  ["refund percent over 100", "POST", () => "/api/v1/events", eventBody({ refund_policy: { schedule: [{ until_hours_before_start: 24, percent: 150 }] } }), 400, "VALIDATION_FAILED", "refund_policy.schedule.0.percent"],
  ["hold minutes out of range", "POST", () => "/api/v1/events", eventBody({ hold_minutes: 0 }), 400, "VALIDATION_FAILED", "hold_minutes"],
  ["waiting room admitting nobody", "POST", () => "/api/v1/events", eventBody({ waiting_room: { enabled: true, admit_per_minute: 0 } }), 400, "VALIDATION_FAILED", "waiting_room.admit_per_minute"],
  ["sales ending after the event", "POST", () => "/api/v1/events", eventBody({ sales_end_at: later(400) }), 400, "VALIDATION_FAILED", "sales_end_at"],
  ["event as form data", "POST", () => "/api/v1/events", "title=x", 415, "UNSUPPORTED_MEDIA_TYPE"],
  ["empty patch", "PATCH", () => `/api/v1/events/${eventId}`, {}, 400, "VALIDATION_FAILED"],
  ["patch with a foreign tier id", "PATCH", () => `/api/v1/events/${eventId}`, { tiers: [{ tier_id: "00000000-0000-4000-8000-000000000000", name: "X", price: 2500, capacity: 1 }] }, 400, "VALIDATION_FAILED", "tiers.0.tier_id"],
  ["patch turning GA into seated", "PATCH", () => `/api/v1/events/${eventId}`, () => ({ tiers: [{ tier_id: tierIds[0], name: "GA", price: 2500, seats: [{ label: "Z1", number: 1, x: 0, y: 0 }] }] }), 400, "VALIDATION_FAILED", "tiers.0"],
  ["patch with a non-uuid event id", "PATCH", () => "/api/v1/events/abc", { title: "x" }, 404, "NOT_FOUND"],
  ["publish an unknown event", "POST", () => "/api/v1/events/00000000-0000-4000-8000-000000000000/publish", undefined, 404, "NOT_FOUND"],
  ["seats of a non-uuid tier", "GET", () => `/api/v1/events/${eventId}/tiers/nope/seats`, undefined, 400, "VALIDATION_FAILED", "tierId"],
  ["catalog with a negative limit", "GET", () => "/api/v1/events?limit=-1", undefined, 400, "VALIDATION_FAILED", "limit"],
  ["a 2 MB body", "POST", () => "/api/v1/events", JSON.stringify({ title: "x".repeat(2 * 1024 * 1024) }), 413, "PAYLOAD_TOO_LARGE"],
];

describe("malformed requests", () => {
  it.each(cases)("%s", async (_name, method, path, lazyBody, status, code, field) => {
    const body = typeof lazyBody === "function" ? lazyBody() : lazyBody;
    const headers: Record<string, string> = typeof body === "string" && body.startsWith("title=") ? { "Content-Type": "application/x-www-form-urlencoded" } : {};
    const answer = await call(method, path(), body, key, headers);
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
    expect(answer.body.error.message.length).toBeGreaterThan(10);
    expect(answer.body.error.request_id).toBeTruthy();
    if (field) expect(answer.body.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it("left the event as it was", async () => {
    const event = await call("GET", `/api/v1/events/${eventId}`, undefined, key);
    expect(event.body).toMatchObject({ title: "Organizer test event", status: "draft" });
    expect(event.body.tiers.map((t: { tier_id: string }) => t.tier_id)).toEqual(tierIds);
  });
});
