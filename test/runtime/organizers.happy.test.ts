/**
 * An organizer's life through the API: sign up, sign in, keys, and an event from draft to
 * published to cancelled — with the catalog showing exactly what it should at each step.
 */
import { describe, expect, it } from "vitest";
import { call, eventBody, fetchWorker, signUp } from "./http";

describe("organizer accounts", () => {
  it("signs up with an API key shown once and a session cookie", async () => {
    const { key, session, email } = await signUp();
    expect(key.apiKey).toMatch(/^ao_key_/);
    expect((await call("GET", "/api/v1/organizers/me", undefined, key)).body).toMatchObject({ email });
    const me = await call("GET", "/api/v1/organizers/me", undefined, { cookie: session.cookie });
    expect(me.body).toMatchObject({ email, csrf_token: session.csrf });
    const keys = await call("GET", "/api/v1/organizers/me/api-keys", undefined, key);
    expect(keys.body.api_keys).toHaveLength(1);
    expect(JSON.stringify(keys.body)).not.toContain(key.apiKey!);
  });

  it("sets a HttpOnly, SameSite=Lax session cookie that is not Secure on localhost only", async () => {
    const { email, password } = await signUp();
    const local = await call("POST", "/api/v1/sessions", { email, password });
    const cookie = local.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/ao_session=ao_sess_/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const remote = await fetchWorker("https://tickets.example.org/api/v1/sessions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: email.toUpperCase(), password }),
    });
    expect(remote.status).toBe(200);
    expect(remote.headers.get("Set-Cookie")).toMatch(/Secure/);
  });

  it("creates, lists and revokes API keys; a revoked key stops working at once", async () => {
    const { key } = await signUp();
    const created = await call("POST", "/api/v1/organizers/me/api-keys", { name: "CI" }, key);
    expect(created.status).toBe(201);
    const second = { apiKey: created.body.api_key as string };
    expect((await call("GET", "/api/v1/organizers/me", undefined, second)).status).toBe(200);
    expect((await call("DELETE", `/api/v1/organizers/me/api-keys/${created.body.api_key_id}`, undefined, key)).status).toBe(204);
    expect((await call("GET", "/api/v1/organizers/me", undefined, second)).status).toBe(401);
    expect((await call("GET", "/api/v1/organizers/me/api-keys", undefined, key)).body.api_keys.map((k: { name: string }) => k.name)).toEqual(["default"]);
  });

  it("signs out: the cookie no longer works", async () => {
    const { session } = await signUp();
    expect((await call("DELETE", "/api/v1/sessions/current", undefined, session)).status).toBe(204);
    expect((await call("GET", "/api/v1/organizers/me", undefined, session)).status).toBe(401);
  });
});

describe("event lifecycle", () => {
  it("creates a draft with GA and seated tiers, hidden from the catalog but previewable by its owner", async () => {
    const { key } = await signUp();
    const body = eventBody();
    const created = await call("POST", "/api/v1/events", body, key);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "draft", currency: "EUR", category: "conference", hold_minutes: 10 });
    expect(created.body.refund_policy.schedule[0]).toEqual({ until_hours_before_start: 720, percent: 100 });
    const [ga, seated] = created.body.tiers;
    expect(ga).toMatchObject({ name: "General", kind: "general_admission", capacity: 100, available: 100, sold: 0 });
    expect(seated).toMatchObject({ name: "Reserved", kind: "seated", capacity: 3, max_per_order: 4 });
    expect(seated.seats.map((s: { label: string }) => s.label)).toEqual(["A1", "A2", "A3"]);

    const id = created.body.event_id;
    expect((await call("GET", `/api/v1/events/${id}`)).status).toBe(404);
    expect((await call("GET", `/api/v1/events/${id}`, undefined, key)).body).toMatchObject({ event_id: id, status: "draft" });
    expect((await call("GET", `/api/v1/events?city=${encodeURIComponent(body.venue.city)}`)).body.events).toEqual([]);
    expect((await call("GET", "/api/v1/organizers/me/events", undefined, key)).body.events.map((e: { event_id: string }) => e.event_id)).toEqual([id]);
  });

  it("publishes: the event appears in the catalog with its seat map", async () => {
    const { key } = await signUp();
    const body = eventBody();
    const id = (await call("POST", "/api/v1/events", body, key)).body.event_id;
    const published = await call("POST", `/api/v1/events/${id}/publish`, undefined, key);
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ status: "published" });
    expect((await call("POST", `/api/v1/events/${id}/publish`, undefined, key)).status).toBe(200);

    const listed = await call("GET", `/api/v1/events?city=${encodeURIComponent(body.venue.city)}`);
    expect(listed.body.events.map((e: { event_id: string }) => e.event_id)).toEqual([id]);
    const seatedTier = published.body.tiers[1].tier_id;
    const seats = await call("GET", `/api/v1/events/${id}/tiers/${seatedTier}/seats`);
    expect(seats.body.seats).toEqual([
      { label: "A1", section: "Stalls", row: "A", number: 1, x: 0, y: 0, accessible: true, status: "available" },
      { label: "A2", section: "Stalls", row: "A", number: 2, x: 30, y: 0, accessible: false, status: "available" },
      { label: "A3", section: "Stalls", row: "A", number: 3, x: 60, y: 0, accessible: false, status: "available" },
    ]);
  });

  it("edits details and tiers: update by id, add new, remove unsold", async () => {
    const { key } = await signUp();
    const created = (await call("POST", "/api/v1/events", eventBody(), key)).body;
    const [ga, seated] = created.tiers;
    const patched = await call(
      "PATCH",
      `/api/v1/events/${created.event_id}`,
      {
        title: "Renamed",
        waitlist: { enabled: true },
        tiers: [
          { tier_id: seated.tier_id, name: "Reserved", price: 4500, seats: [...seated.seats.slice(0, 2), { label: "B1", section: "Stalls", row: "B", number: 1, x: 0, y: 30, accessible: false }] },
          { name: "VIP", price: 9900, capacity: 10 },
        ],
      },
      key,
    );
    expect(patched.status).toBe(200);
    expect(patched.body.title).toBe("Renamed");
    expect(patched.body.waitlist).toEqual({ enabled: true, offer_minutes: 30 });
    expect(patched.body.tiers.map((t: { name: string; capacity: number }) => [t.name, t.capacity])).toEqual([["Reserved", 3], ["VIP", 10]]);
    expect(patched.body.tiers[0].tier_id).toBe(seated.tier_id);
    expect(patched.body.tiers[0].seats.map((s: { label: string }) => s.label).sort()).toEqual(["A1", "A2", "B1"]);
    expect(patched.body.tiers.map((t: { tier_id: string }) => t.tier_id)).not.toContain(ga.tier_id);
  });

  it("lets a published refund policy grow more generous, never narrower", async () => {
    const { key } = await signUp();
    const id = (await call("POST", "/api/v1/events", eventBody(), key)).body.event_id;
    await call("POST", `/api/v1/events/${id}/publish`, undefined, key);
    const narrower = await call("PATCH", `/api/v1/events/${id}`, { refund_policy: { schedule: [{ until_hours_before_start: 720, percent: 100 }] } }, key);
    expect(narrower.status).toBe(409);
    expect(narrower.body.error.code).toBe("REFUND_POLICY_NARROWED");
    const wider = await call("PATCH", `/api/v1/events/${id}`, { refund_policy: { schedule: [{ until_hours_before_start: 24, percent: 100 }] } }, key);
    expect(wider.status).toBe(200);
    expect(wider.body.refund_policy).toEqual({ schedule: [{ until_hours_before_start: 24, percent: 100 }] });
  });

  it("cancels: the event stays visible as cancelled and can no longer change", async () => {
    const { key } = await signUp();
    const id = (await call("POST", "/api/v1/events", eventBody(), key)).body.event_id;
    await call("POST", `/api/v1/events/${id}/publish`, undefined, key);
    expect((await call("POST", `/api/v1/events/${id}/cancel`, undefined, key)).body.status).toBe("cancelled");
    expect((await call("GET", `/api/v1/events/${id}`)).body.status).toBe("cancelled");
    expect((await call("PATCH", `/api/v1/events/${id}`, { title: "Too late" }, key)).status).toBe(409);
    expect((await call("POST", `/api/v1/events/${id}/publish`, undefined, key)).status).toBe(409);
  });

  it("applies concurrent edits of one event one at a time", async () => {
    const { key } = await signUp();
    const created = (await call("POST", "/api/v1/events", eventBody(), key)).body;
    const names = Array.from({ length: 6 }, (_, i) => `Tier ${i}`);
    const results = await Promise.all(
      names.map((name) => call("PATCH", `/api/v1/events/${created.event_id}`, { tiers: [{ name, price: 100, capacity: 5 }] }, key)),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const final = (await call("GET", `/api/v1/events/${created.event_id}`, undefined, key)).body;
    expect(final.tiers).toHaveLength(1);
    expect(names).toContain(final.tiers[0].name);
  });
});
