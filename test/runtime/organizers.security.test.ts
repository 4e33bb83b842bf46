/**
 * Organizers are kept apart: every organizer endpoint is tried with no credentials, with bad
 * ones, and with another organizer's key and session. Cookies need their CSRF token to write,
 * passwords are never stored in clear, and guessing passwords is slowed per email and address
 * (more in accounts.security.test.ts).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import * as schema from "../../db/schema";
import { db } from "./fixtures";
import { call, eventBody, signUp, type Caller } from "./http";

let owner: Awaited<ReturnType<typeof signUp>>;
let intruder: Awaited<ReturnType<typeof signUp>>;
let eventId: string;
let ownerKeyId: string;

beforeAll(async () => {
  owner = await signUp();
  intruder = await signUp();
  eventId = (await call("POST", "/api/v1/events", eventBody(), owner.key)).body.event_id;
  ownerKeyId = (await call("GET", "/api/v1/organizers/me/api-keys", undefined, owner.key)).body.api_keys[0].api_key_id;
});

type Endpoint = [method: string, path: () => string, body?: unknown];

const ownerOnly: Endpoint[] = [
  ["PATCH", () => `/api/v1/events/${eventId}`, { title: "Hijacked" }],
  ["POST", () => `/api/v1/events/${eventId}/publish`],
  ["POST", () => `/api/v1/events/${eventId}/cancel`],
  ["DELETE", () => `/api/v1/organizers/me/api-keys/${ownerKeyId}`],
];

const authenticated: Endpoint[] = [
  ["POST", () => "/api/v1/events", eventBody()],
  ["GET", () => "/api/v1/organizers/me"],
  ["GET", () => "/api/v1/organizers/me/events"],
  ["GET", () => "/api/v1/organizers/me/api-keys"],
  ["POST", () => "/api/v1/organizers/me/api-keys", { name: "x" }],
  ...ownerOnly,
];

describe("without credentials", () => {
  it.each(authenticated)("%s %s → 401 UNAUTHENTICATED", async (method, path, body) => {
    const answer = await call(method, path(), body);
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe("UNAUTHENTICATED");
  });

  it.each(authenticated)("%s %s with a made-up key → 401", async (method, path, body) => {
    for (const apiKey of ["ao_key_forged", "sk_live_whatever"]) {
      const answer = await call(method, path(), body, { apiKey });
      expect(answer.status).toBe(401);
    }
    expect((await call(method, path(), body, { cookie: "ao_session=ao_sess_forged", csrf: "x" })).status).toBe(401);
  });
});

describe("with another organizer's credentials", () => {
  it.each(ownerOnly)("%s %s → 404 NOT_FOUND, and nothing changes", async (method, path, body) => {
    for (const caller of [intruder.key, intruder.session] as Caller[]) {
      const answer = await call(method, path(), body, caller);
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe("NOT_FOUND");
    }
    const event = await call("GET", `/api/v1/events/${eventId}`, undefined, owner.key);
    expect(event.body).toMatchObject({ title: "Organizer test event", status: "draft" });
    expect((await call("GET", "/api/v1/organizers/me", undefined, owner.key)).status).toBe(200);
  });

  it("cannot see the owner's draft, its seat map, events list or keys", async () => {
    const draft = await call("GET", `/api/v1/events/${eventId}`, undefined, intruder.key);
    expect(draft.status).toBe(404);
    const tierId = (await call("GET", `/api/v1/events/${eventId}`, undefined, owner.key)).body.tiers[1].tier_id;
    expect((await call("GET", `/api/v1/events/${eventId}/tiers/${tierId}/seats`, undefined, intruder.key)).status).toBe(404);
    const theirs = await call("GET", "/api/v1/organizers/me/events", undefined, intruder.key);
    expect(theirs.body.events).toEqual([]);
    const keys = await call("GET", "/api/v1/organizers/me/api-keys", undefined, intruder.key);
    expect(keys.body.api_keys.map((k: { api_key_id: string }) => k.api_key_id)).not.toContain(ownerKeyId);
  });
});

describe("session cookies and CSRF", () => {
  it("refuses a cookie-authenticated write without the CSRF token, or from another origin", async () => {
    const noToken = await call("PATCH", `/api/v1/events/${eventId}`, { title: "x" }, { cookie: owner.session.cookie });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.code).toBe("FORBIDDEN");
    const wrongToken = await call("PATCH", `/api/v1/events/${eventId}`, { title: "x" }, { cookie: owner.session.cookie, csrf: "nope" });
    expect(wrongToken.status).toBe(403);
    const crossSite = await call("PATCH", `/api/v1/events/${eventId}`, { title: "x" }, owner.session, { Origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    const ok = await call("PATCH", `/api/v1/events/${eventId}`, { title: "Organizer test event" }, owner.session, { Origin: "http://127.0.0.1" });
    expect(ok.status).toBe(200);
  });
});

describe("passwords", () => {
  it("are stored only as salted PBKDF2 hashes", async () => {
    const [row] = await db().select().from(schema.organizers).where(eq(schema.organizers.id, owner.organizerId));
    expect(row!.passwordHash).not.toContain(owner.password);
    expect(row!.passwordHash).toMatch(/^pbkdf2-sha256\$/);
    const keys = await db().select().from(schema.organizerApiKeys).where(eq(schema.organizerApiKeys.organizerId, owner.organizerId));
    expect(keys.every((k) => !k.keyHash.includes(owner.key.apiKey!) && k.keyHash.length === 64)).toBe(true);
  });

  it("answers the same for an unknown email and a wrong password", async () => {
    const unknown = await call("POST", "/api/v1/sessions", { email: "nobody-at-all@example.test", password: "whatever-password" });
    const wrong = await call("POST", "/api/v1/sessions", { email: intruder.email, password: "wrong password here" });
    expect([unknown.status, wrong.status]).toEqual([401, 401]);
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
  });

  it("slows guessing per email and address: after 5 failures that address waits, the owner elsewhere does not", async () => {
    const victim = await signUp();
    const attempts = await Promise.all(
      Array.from({ length: 5 }, () => call("POST", "/api/v1/sessions", { email: victim.email, password: "guess guess guess" }, {}, { "CF-Connecting-IP": "203.0.113.9" })),
    );
    expect(attempts.map((a) => a.status)).toEqual([401, 401, 401, 401, 401]);
    const blocked = await call("POST", "/api/v1/sessions", { email: victim.email, password: victim.password }, {}, { "CF-Connecting-IP": "203.0.113.9" });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe("RATE_LIMITED");
    expect(blocked.body.retry_after_seconds).toBeGreaterThan(0);
    expect(blocked.headers.get("Retry-After")).toBe(String(blocked.body.retry_after_seconds));
    const owner = await call("POST", "/api/v1/sessions", { email: victim.email, password: victim.password }, {}, { "CF-Connecting-IP": "198.51.100.7" });
    expect(owner.status).toBe(200);
  });
});
