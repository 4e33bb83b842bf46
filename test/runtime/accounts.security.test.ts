/**
 * Organizer accounts under attack (issue #12 items 11-13, 16): password guessing is counted before
 * the hash and slowed per (email, address) without locking the owner out; a reset link by mail
 * always gets an organizer back in; sign-ups are limited per address; nobody renames someone else's
 * orders by registering with their email; a foreign tier id reveals nothing; sign-out needs CSRF.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../db/schema";
import entry from "../../workers/index";
import { db, uniqueName } from "./fixtures";
import { call, eventBody, fetchWorker, signUp } from "./http";
import { getOrder, pay, publishedEvent, register, registration } from "./purchase-helpers";

/** A public address of its own per call (198.18.0.0/15 is reserved for tests), so tests never share a count. */
const address = () => `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
const from = (ip: string) => ({ "CF-Connecting-IP": ip });

const signIn = (email: string, password: string, ip: string) => call("POST", "/api/v1/sessions", { email, password }, {}, from(ip));

async function passwordsChecked(email: string): Promise<number> {
  const rows = await db().select().from(schema.loginAttempts).where(eq(schema.loginAttempts.email, email.toLowerCase()));
  return rows.length;
}

async function mailsTo(to: string): Promise<{ subject: string; text: string }[]> {
  const response = await fetch(`${inject("stackUrls").mail}/api/emails?to=${encodeURIComponent(to)}`);
  return ((await response.json()) as { data: { subject: string; text: string }[] }).data;
}

/** Hands the mails queued in the outbox for `to` to the Queue consumer, as the cron and Queue would. */
async function deliverOutboxMailTo(to: string): Promise<number> {
  const rows = await db().select().from(schema.outbox).where(sql`${schema.outbox.payload}->>'to' = ${to}`);
  if (rows.length === 0) return 0;
  const batch = createMessageBatch(
    "admit-one-events",
    rows.map((row) => ({ id: `outbox-${row.id}`, timestamp: new Date(), attempts: 1, body: row.payload })),
  );
  const ctx = createExecutionContext();
  await entry.queue(batch, env, ctx);
  expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([]);
  return rows.length;
}

function ticketName(token: string): string {
  const payload = token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
  return (JSON.parse(atob(payload)) as { name: string }).name;
}

describe("password guessing", () => {
  it("checks at most 5 of 40 parallel wrong passwords, and the owner signs in from elsewhere right after", async () => {
    const owner = await signUp();
    const attacker = address();
    const answers = await Promise.all(Array.from({ length: 40 }, () => signIn(owner.email, "guess guess guess", attacker)));

    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(35);
    expect(await passwordsChecked(owner.email)).toBe(5);
    for (const refused of answers.filter((a) => a.status === 429)) {
      expect(refused.body.error.code).toBe("RATE_LIMITED");
      expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    }

    const ownerElsewhere = await signIn(owner.email, owner.password, address());
    expect(ownerElsewhere.status).toBe(200);
    expect(ownerElsewhere.headers.get("Set-Cookie")).toContain("ao_session=");
    // The guesser's own address waits even with the right password: the wait is not a password oracle.
    expect((await signIn(owner.email, owner.password, attacker)).status).toBe(429);
    expect(await passwordsChecked(owner.email)).toBe(6);
  });

  it("backs off: 429 with Retry-After once the free attempts are spent, doubling with each further failure", async () => {
    const owner = await signUp();
    const ip = address();
    for (let i = 0; i < 5; i++) expect((await signIn(owner.email, "wrong wrong wrong", ip)).status).toBe(401);
    const first = await signIn(owner.email, "wrong wrong wrong", ip);
    expect(first.status).toBe(429);
    expect(first.body.retry_after_seconds).toBeGreaterThan(25);
    expect(first.body.retry_after_seconds).toBeLessThanOrEqual(30);
    expect(first.headers.get("Retry-After")).toBe(String(first.body.retry_after_seconds));

    // The wait runs out (the clock moved on, as far as the throttle can tell): one more check, then twice as long.
    await db().update(schema.loginThrottles).set({ nextAttemptAt: new Date(Date.now() - 1_000) }).where(eq(schema.loginThrottles.email, owner.email.toLowerCase()));
    expect((await signIn(owner.email, "wrong wrong wrong", ip)).status).toBe(401);
    const second = await signIn(owner.email, "wrong wrong wrong", ip);
    expect(second.status).toBe(429);
    expect(second.body.retry_after_seconds).toBeGreaterThan(55);
    expect(second.body.retry_after_seconds).toBeLessThanOrEqual(60);
    expect(await passwordsChecked(owner.email)).toBe(6);
  });

  it("answers an unknown email exactly as a wrong password, and throttles it alike", async () => {
    const ip = address();
    const nobody = `${uniqueName("nobody")}@example.test`;
    const unknown = await signIn(nobody, "whatever password", ip);
    const owner = await signUp();
    const wrong = await signIn(owner.email, "whatever password", ip);
    expect([unknown.status, wrong.status]).toEqual([401, 401]);
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
    for (let i = 0; i < 4; i++) await signIn(nobody, "whatever password", ip);
    expect((await signIn(nobody, "whatever password", ip)).status).toBe(429);
  });
});

describe("password reset by mail", () => {
  it("mails a single-use link that sets the password, signs out every session and lifts the back-off", async () => {
    const owner = await signUp();
    const second = await signIn(owner.email, owner.password, address());
    const secondCookie = second.headers.get("Set-Cookie")!.split(";")[0]!;
    const lockedOut = address();
    for (let i = 0; i < 5; i++) await signIn(owner.email, "forgot it again", lockedOut);
    expect((await signIn(owner.email, owner.password, lockedOut)).status).toBe(429);

    const asked = await call("POST", "/api/v1/password-resets", { email: owner.email.toUpperCase() }, {}, from(address()));
    expect(asked.status).toBe(202);
    expect(await deliverOutboxMailTo(owner.email)).toBe(1);
    const mails = await mailsTo(owner.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("Set a new password for Admit One");
    const token = /http:\/\/admit\.test\/organizer\/reset#token=(ao_reset_[\w-]+)/.exec(mails[0]!.text)?.[1];
    expect(token).toBeDefined();
    const [stored] = await db().select().from(schema.passwordResets).where(eq(schema.passwordResets.organizerId, owner.organizerId));
    expect(stored!.tokenHash).not.toContain(token!);
    expect(Math.abs(stored!.expiresAt.getTime() - stored!.createdAt.getTime() - 30 * 60_000)).toBeLessThan(5_000);

    const newPassword = "a brand new passphrase";
    const reset = await call("POST", `/api/v1/password-resets/${token}`, { password: newPassword });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ organizer_id: owner.organizerId });

    for (const cookie of [owner.session.cookie!, secondCookie]) {
      expect((await call("GET", "/api/v1/organizers/me", undefined, { cookie })).status).toBe(401);
    }
    const again = await call("POST", `/api/v1/password-resets/${token}`, { password: "yet another passphrase" });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe("NOT_FOUND");
    expect((await signIn(owner.email, owner.password, address())).status).toBe(401);
    expect((await signIn(owner.email, newPassword, lockedOut)).status).toBe(200);
  });

  it("answers an unknown email the same 202 and sends nothing; refuses expired and made-up links", async () => {
    const nobody = `${uniqueName("nobody")}@example.test`;
    const owner = await signUp();
    const unknown = await call("POST", "/api/v1/password-resets", { email: nobody }, {}, from(address()));
    const known = await call("POST", "/api/v1/password-resets", { email: owner.email }, {}, from(address()));
    expect([unknown.status, known.status]).toEqual([202, 202]);
    expect(unknown.body).toEqual(known.body);
    expect(await deliverOutboxMailTo(nobody)).toBe(0);
    expect(await mailsTo(nobody)).toEqual([]);

    await deliverOutboxMailTo(owner.email);
    const token = /#token=(ao_reset_[\w-]+)/.exec((await mailsTo(owner.email))[0]!.text)![1]!;
    await db().update(schema.passwordResets).set({ expiresAt: new Date(Date.now() - 1_000) }).where(eq(schema.passwordResets.organizerId, owner.organizerId));
    expect((await call("POST", `/api/v1/password-resets/${token}`, { password: "a brand new passphrase" })).status).toBe(404);
    expect((await call("POST", "/api/v1/password-resets/ao_reset_made-up", { password: "a brand new passphrase" })).status).toBe(404);
    expect((await signIn(owner.email, owner.password, address())).status).toBe(200);
  });

  it("sends at most 3 mails an hour to one email, still answering 202", async () => {
    const owner = await signUp();
    for (let i = 0; i < 5; i++) {
      expect((await call("POST", "/api/v1/password-resets", { email: owner.email }, {}, from(address()))).status).toBe(202);
    }
    expect(await deliverOutboxMailTo(owner.email)).toBe(3);
  });
});

describe("sign-up", () => {
  it("is limited per client address (Cloudflare's), other addresses unaffected", async () => {
    const ip = address();
    const signUpFrom = (headers: Record<string, string>) =>
      call("POST", "/api/v1/organizers", { name: "Flood", email: `${uniqueName("flood")}@example.test`, password: "a long enough password" }, {}, headers);
    for (let i = 0; i < 5; i++) expect((await signUpFrom(from(ip))).status).toBe(201);
    const refused = await signUpFrom(from(ip));
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("RATE_LIMITED");
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await signUpFrom(from(address()))).status).toBe(201);
    // X-Forwarded-For is whatever the sender writes: it neither limits nor escapes the limit.
    expect((await signUpFrom({ ...from(ip), "X-Forwarded-For": address() })).status).toBe(429);
  });
});

describe("attendee names", () => {
  it("registering with someone else's email renames neither their orders nor their tickets", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([
      { name: "GA", price: 1000, capacity: 10 },
      { name: "Late", price: 1000, capacity: 10 },
    ]);
    const victim = { email: `${uniqueName("victim")}@example.test`, name: "Victim Original" };
    const paidFirst = await register(eventId, registration(tiers[0]!.tier_id, { attendee: victim }));
    expect(paidFirst.status).toBe(201);
    expect((await pay(paidFirst.body.order_id, paidFirst.body.order_token)).status).toBe(200);
    const paidLater = await register(eventId, registration(tiers[1]!.tier_id, { attendee: victim }));
    expect(paidLater.status).toBe(201);

    const impostor = await register(eventId, registration(tiers[0]!.tier_id, { attendee: { email: victim.email.toUpperCase(), name: "Mallory Impostor" } }));
    expect(impostor.status).toBe(201);
    const late = await pay(paidLater.body.order_id, paidLater.body.order_token);
    expect(late.status).toBe(200);

    for (const order of [paidFirst.body, paidLater.body]) {
      const view = await getOrder(order.order_id, order.order_token);
      expect(view.body.attendee).toEqual({ name: "Victim Original", email: victim.email });
      expect(view.body.tickets.length).toBeGreaterThan(0);
      for (const ticket of view.body.tickets) expect(ticketName(ticket.token)).toBe("Victim Original");
    }
    expect((await getOrder(impostor.body.order_id, impostor.body.order_token)).body.attendee.name).toBe("Mallory Impostor");
    const [attendee] = await db().select().from(schema.attendees).where(sql`lower(${schema.attendees.email}) = lower(${victim.email})`);
    expect(attendee!.name).toBe("Victim Original");

    const csv = await fetchCsv(`/api/v1/events/${eventId}/reports/orders.csv`, organizer.key.apiKey!);
    const lines = csv.split("\r\n");
    expect(lines.find((l) => l.startsWith(paidFirst.body.order_id))).toContain("Victim Original");
    expect(lines.find((l) => l.startsWith(impostor.body.order_id))).toContain("Mallory Impostor");
    await deliverOutboxMailTo(victim.email);
    const mails = await mailsTo(victim.email);
    expect(mails.length).toBeGreaterThanOrEqual(2);
    expect(mails.every((m) => m.text.startsWith("Hello Victim Original,"))).toBe(true);
  });
});

async function fetchCsv(path: string, apiKey: string): Promise<string> {
  const response = await fetchWorker(`http://127.0.0.1${path}`, { headers: { Authorization: `Bearer ${apiKey}` } });
  expect(response.status).toBe(200);
  return response.text();
}

describe("tier ids of another organizer", () => {
  it("PATCH with a foreign tier id answers as for an unknown id, without its sold and held counts", async () => {
    const { eventId: theirEvent, tiers: theirTiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 5 }]);
    const held = await register(theirEvent, registration(theirTiers[0]!.tier_id, { quantity: 2 }));
    expect(held.status).toBe(201);

    const me = await signUp();
    const mine = (await call("POST", "/api/v1/events", eventBody(), me.key)).body;
    const foreign = { tier_id: theirTiers[0]!.tier_id, name: "Mine now", price: 1000, capacity: 1 };
    const patched = await call("PATCH", `/api/v1/events/${mine.event_id}`, { tiers: [foreign] }, me.key);
    expect(patched.status).toBe(400);
    expect(patched.body.error.code).toBe("VALIDATION_FAILED");
    expect(patched.body.details).toEqual([{ field: "tiers.0.tier_id", message: "This event has no tier with this id." }]);
    expect(JSON.stringify(patched.body)).not.toMatch(/sold|checkout|held/i);

    const onTheirs = await call("PATCH", `/api/v1/events/${theirEvent}`, { tiers: [foreign] }, me.key);
    expect(onTheirs.status).toBe(404);
    expect(JSON.stringify(onTheirs.body)).not.toMatch(/sold|checkout|held/i);
  });
});

describe("sign-out", () => {
  it("needs the session's CSRF token and a same-origin Origin, like every cookie write", async () => {
    const owner = await signUp();
    const noToken = await call("DELETE", "/api/v1/sessions/current", undefined, { cookie: owner.session.cookie });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error.code).toBe("FORBIDDEN");
    const crossSite = await call("DELETE", "/api/v1/sessions/current", undefined, owner.session, { Origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect((await call("GET", "/api/v1/organizers/me", undefined, { cookie: owner.session.cookie })).status).toBe(200);

    const signedOut = await call("DELETE", "/api/v1/sessions/current", undefined, owner.session, { Origin: "http://127.0.0.1" });
    expect(signedOut.status).toBe(204);
    expect((await call("GET", "/api/v1/organizers/me", undefined, { cookie: owner.session.cookie })).status).toBe(401);
  });
});
