/**
 * The waiting room end to end in workerd: joins through the Worker, the WaitingRoom object, the
 * edge view, the gate on register. Time is moved by calling the object's `tick(now)` with an
 * explicit `now` (what its alarm does with the clock), never by sleeping. Status answers come from
 * a view up to a second old, so a test that needs the object's latest state polls for it, as the
 * real page does.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signAccessToken } from "../../workers/auth/queue-tokens";
import { positionsOfEntries } from "../../workers/domain/admission";
import { roomOf, VIEW_TTL_MS } from "../../workers/waiting-room-client";
import { sha256Hex } from "../../workers/auth/tokens";
import { JOINS_PER_IP_PER_MINUTE } from "../../durable-objects/waiting-room";
import { call } from "./http";
import { pay, publishedEvent, register, registration } from "./purchase-helpers";

const MINUTE = 60_000;
let ipCounter = 0;
/** Each simulated person comes from their own address, as a crowd would. */
const nextIp = () => `198.51.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

function room(overrides: Record<string, unknown> = {}) {
  return { enabled: true, opens_minutes_before: 120, admit_per_minute: 600, max_active_shoppers: 1000, session_minutes: 10, ...overrides };
}

/** An event whose sale opened a minute ago, behind a waiting room. */
async function openRoomEvent(waitingRoom: Record<string, unknown>, tiers: unknown[] = [{ name: "GA", price: 1000, capacity: 100 }], extra: Record<string, unknown> = {}) {
  const salesStartAt = new Date(Date.now() - MINUTE);
  const made = await publishedEvent(tiers, { sales_start_at: salesStartAt.toISOString(), waiting_room: room(waitingRoom), ...extra });
  return { ...made, opensAt: salesStartAt.getTime() };
}

async function join(eventId: string, init: { cookie?: string; body?: unknown; ip?: string } = {}) {
  const answer = await call("POST", `/api/v1/events/${eventId}/queue`, init.body ?? {}, init.cookie ? { cookie: init.cookie } : {}, { "CF-Connecting-IP": init.ip ?? nextIp() });
  const queueCookie = answer.headers.getSetCookie().find((c) => c.startsWith("ao_queue="));
  return { ...answer, cookie: queueCookie?.split(";")[0] };
}

function status(eventId: string, queueToken: string, headers: Record<string, string> = {}) {
  return call("GET", `/api/v1/events/${eventId}/queue/status`, undefined, {}, { Authorization: `Bearer ${queueToken}`, ...headers });
}

const POLL = { timeout: 10_000, interval: 200 };

describe("the pre-queue draw", () => {
  it("draws the pre-queue at opening with the seed committed to beforehand, then serves later arrivals in order", async () => {
    const salesStartAt = new Date(Date.now() + 60 * MINUTE);
    const { eventId } = await publishedEvent([{ name: "GA", price: 1000, capacity: 100 }], {
      sales_start_at: salesStartAt.toISOString(),
      waiting_room: room(),
    });
    const opensAt = salesStartAt.getTime();

    const before = await call("GET", `/api/v1/events/${eventId}/queue/fairness`);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ drawn: false, seed: null, pre_queue_size: null });
    expect(before.body.commitment).toMatch(/^[0-9a-f]{64}$/);

    const early = [];
    for (let i = 0; i < 8; i++) early.push((await join(eventId)).body);
    expect(early.map((j) => j.state)).toEqual(Array(8).fill("pre_queue"));
    // Entries are numbered by the join shard each person went through; the draw numbers them all.
    expect(early.map((j) => j.pre_queue_entry)).toEqual(Array(8).fill(null));
    expect(early.every((j) => j.position === null)).toBe(true);

    const room_ = roomOf(env, eventId);
    await room_.tick(opensAt);
    const after = await call("GET", `/api/v1/events/${eventId}/queue/fairness`);
    expect(after.body).toMatchObject({ drawn: true, pre_queue_size: 8, commitment: before.body.commitment });
    expect(await sha256Hex(after.body.seed)).toBe(before.body.commitment);

    // Anyone can re-run the draw from the published seed and find every place where it was given:
    // each person's drawn entry number is a different one of 1..8, and their position is the draw's.
    const drawn = positionsOfEntries(after.body.seed, 8);
    expect(after.body.shard_entries.reduce((a: number, b: number) => a + b, 0)).toBe(8);
    const entries: number[] = [];
    for (const person of early) {
      await expect.poll(async () => (await status(eventId, person.queue_token)).body.position, POLL).not.toBeNull();
      const told = (await status(eventId, person.queue_token)).body;
      expect(told.position).toBe(drawn[told.pre_queue_entry - 1]);
      entries.push(told.pre_queue_entry);
    }
    expect(entries.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    // After the opening: first come, first served, behind the whole pre-queue.
    const late = [];
    for (let i = 0; i < 3; i++) late.push((await join(eventId)).body);
    expect(late.map((j) => j.position)).toEqual([9, 10, 11]);

    // Admission moves strictly in position order: 200 ms at 600/min lets the first two in.
    const stats = await room_.tick(opensAt + 200);
    expect(stats).toMatchObject({ released_up_to: 2, waiting: 9 });
    const standing = async (token: string) => (await status(eventId, token)).body.state;
    const positionOfPerson = new Map<string, number>();
    for (const person of early) positionOfPerson.set(person.queue_token, (await status(eventId, person.queue_token)).body.position);
    const firstTwo = early.filter((p) => positionOfPerson.get(p.queue_token)! <= 2);
    const rest = early.filter((p) => positionOfPerson.get(p.queue_token)! > 2);
    for (const person of firstTwo) await expect.poll(() => standing(person.queue_token), POLL).toBe("admitted");
    for (const person of [...rest, ...late]) expect(await standing(person.queue_token)).toBe("waiting");
    expect((await room_.tick(opensAt + 200)).released_up_to).toBe(2);
    expect((await room_.tick(opensAt + 1_000)).released_up_to).toBe(10);
  });
});

describe("admission", () => {
  it("lets people in no faster than admit_per_minute", async () => {
    const { eventId } = await openRoomEvent({ admit_per_minute: 60 });
    const room_ = roomOf(env, eventId);
    // The room's clock stands at `base` (ahead of the wall clock) while the crowd joins.
    const base = Date.now() + 10 * MINUTE;
    expect((await join(eventId)).body.state).toBe("admitted");
    await room_.tick(base);
    for (let i = 0; i < 80; i++) expect((await join(eventId)).status).toBe(201);
    // A room idle for a while lets in at most the five-second burst at once...
    expect((await room_.stats()).released_up_to).toBe(1 + 5);
    // ...then one a second, ticking as the alarm does; a tick run twice lets no one extra in.
    for (let second = 1; second <= 30; second++) await room_.tick(base + second * 1_000);
    expect((await room_.stats()).released_up_to).toBe(1 + 5 + 30);
    for (let second = 31; second <= 60; second++) await room_.tick(base + second * 1_000);
    expect((await room_.tick(base + MINUTE)).released_up_to).toBe(1 + 5 + 60);
  });

  it("keeps at most max_active_shoppers inside; a paid purchase or an ended session frees a slot", async () => {
    const made = await openRoomEvent({ admit_per_minute: 600, max_active_shoppers: 3, session_minutes: 10 });
    const { eventId, tiers } = made;
    const people = [];
    for (let i = 0; i < 8; i++) people.push((await join(eventId)).body);
    const room_ = roomOf(env, eventId);
    expect(await room_.stats()).toMatchObject({ released_up_to: 3, active: 3, waiting: 5 });
    const base = Date.now();
    expect((await room_.tick(base + MINUTE)).released_up_to).toBe(3);

    // The first person buys: once paid (not at register), their slot goes to the next in line.
    const first = await status(eventId, people[0].queue_token);
    expect(first.body.state).toBe("admitted");
    expect(first.body.access_token).toMatch(/^qa_/);
    const bought = await call("POST", `/api/v1/events/${eventId}/register`, registration(tiers[0]!.tier_id), {}, { "X-Queue-Access": first.body.access_token });
    expect(bought.status).toBe(201);
    expect((await room_.stats()).released_up_to).toBe(3);
    expect((await pay(bought.body.order_id, bought.body.order_token)).status).toBe(200);
    await expect.poll(async () => (await room_.stats()).released_up_to, POLL).toBe(4);
    expect(await room_.stats()).toMatchObject({ active: 3, waiting: 4 });
    // The organizer's stats carry the same counts.
    const { organizer } = made;
    expect((await call("GET", `/api/v1/events/${eventId}/stats`, undefined, organizer.key)).body.queue).toMatchObject({ waiting: 4, admitted: 1, active: 3 });

    // Sessions counted from each release end ten minutes later: everyone's slot is free again.
    const later = await room_.tick(base + MINUTE + 11 * MINUTE);
    expect(later).toMatchObject({ released_up_to: 7, active: 3 });
  });

  it("tells the queue at once when every tier is sold out and offers the waitlist", async () => {
    const { eventId, tiers } = await openRoomEvent({ admit_per_minute: 1 }, [{ name: "GA", price: 1000, capacity: 1 }], {
      waitlist: { enabled: true, offer_minutes: 30 },
    });
    const first = (await join(eventId)).body;
    const second = (await join(eventId)).body;
    expect([first.position, second.position]).toEqual([1, 2]);
    const admitted = await status(eventId, first.queue_token);
    expect(admitted.body.state).toBe("admitted");
    const bought = await call("POST", `/api/v1/events/${eventId}/register`, registration(tiers[0]!.tier_id), {}, { "X-Queue-Access": admitted.body.access_token });
    expect(bought.status).toBe(201);

    const stats = await roomOf(env, eventId).tick(Date.now());
    expect(stats.released_up_to).toBe(1);
    await expect.poll(async () => (await status(eventId, second.queue_token)).body.state, POLL).toBe("sold_out");
    const told = await status(eventId, second.queue_token);
    expect(told.body).toMatchObject({ state: "sold_out", tickets_left: 0, waitlist: { enabled: true, offer_minutes: 30 } });
    // Nobody is let in to find nothing.
    expect((await roomOf(env, eventId).tick(Date.now() + 10 * MINUTE)).released_up_to).toBe(1);
  });
});

describe("register behind the room", () => {
  it("refuses registration without a genuine, unexpired access token for this event", async () => {
    const { eventId, tiers } = await openRoomEvent({});
    const other = await openRoomEvent({});
    const body = () => registration(tiers[0]!.tier_id);
    const refused = async (headers: Record<string, string>) => {
      const answer = await call("POST", `/api/v1/events/${eventId}/register`, body(), {}, headers);
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe("QUEUE_REQUIRED");
      expect(answer.body.queue_url).toBe(`/queue?event=${eventId}`);
    };
    await refused({});

    const person = (await join(eventId)).body;
    const access: string = (await status(eventId, person.queue_token)).body.access_token;
    expect(access).toMatch(/^qa_/);
    const [payload, signature] = access.slice(3).split(".");
    const claims = JSON.parse(atob(payload!.replace(/-/g, "+").replace(/_/g, "/")));
    const forgedPayload = btoa(JSON.stringify({ ...claims, x: claims.x + 3_600_000 })).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    await refused({ "X-Queue-Access": `qa_${forgedPayload}.${signature}` });
    await refused({ "X-Queue-Access": "qa_not-a-token" });
    await refused({ "X-Queue-Access": await signAccessToken(env.SIGNING_MASTER_KEY, { eventId, position: 1, expiresAt: Date.now() - 1 }) });
    await refused({ "X-Queue-Access": await signAccessToken(env.SIGNING_MASTER_KEY, { eventId: other.eventId, position: 1, expiresAt: Date.now() + MINUTE }) });
    // A queue token is not an access token, even though both are signed by the platform.
    await refused({ "X-Queue-Access": person.queue_token });

    const order = body();
    const accepted = await call("POST", `/api/v1/events/${eventId}/register`, order, {}, { "X-Queue-Access": access });
    expect(accepted.status).toBe(201);
    // The browser's cookie carries the same pass: a retry of the order is answered; a second order
    // takes the pass over and the first can no longer be paid.
    const byCookie = await call("POST", `/api/v1/events/${eventId}/register`, order, { cookie: `ao_queue_access=${access}` });
    expect(byCookie.status).toBe(200);
    expect(byCookie.body.order_id).toBe(accepted.body.order_id);
    const another = await call("POST", `/api/v1/events/${eventId}/register`, body(), { cookie: `ao_queue_access=${access}` });
    expect(another.status).toBe(201);
    const first = await call("GET", `/api/v1/orders/${accepted.body.order_id}`, undefined, {}, { Authorization: `Bearer ${accepted.body.order_token}` });
    expect(first.body.status).toBe("cancelled");
  });

  it("lets registrations through without a token when the event has no room", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 5 }]);
    expect((await register(eventId, registration(tiers[0]!.tier_id))).status).toBe(201);
    const joined = await join(eventId);
    expect(joined.status).toBe(409);
    expect(joined.body.error.code).toBe("QUEUE_NOT_ACTIVE");
  });
});

describe("queue places", () => {
  it("keeps one place per browser: a reload or a repeated join answers the same place", async () => {
    const { eventId } = await openRoomEvent({ admit_per_minute: 1 });
    await join(eventId);
    const first = await join(eventId);
    expect(first.status).toBe(201);
    expect(first.cookie).toMatch(/^ao_queue=qt_/);
    expect(first.headers.get("Set-Cookie")).toContain(`Path=/api/v1/events/${eventId}/queue`);
    expect(first.headers.get("Set-Cookie")).toContain("HttpOnly");

    const again = await join(eventId, { cookie: first.cookie });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ queue_token: first.body.queue_token, position: first.body.position });
    const byBody = await join(eventId, { body: { queue_token: first.body.queue_token } });
    expect(byBody.body.position).toBe(first.body.position);
    // An app presents the token as a bearer token: joining again with it keeps the place too.
    const byBearer = await call("POST", `/api/v1/events/${eventId}/queue`, {}, {}, { Authorization: `Bearer ${first.body.queue_token}`, "CF-Connecting-IP": nextIp() });
    expect(byBearer.status).toBe(200);
    expect(byBearer.body).toMatchObject({ queue_token: first.body.queue_token, position: first.body.position });
    const byBearerNoBody = await call("POST", `/api/v1/events/${eventId}/queue`, undefined, {}, { Authorization: `Bearer ${first.body.queue_token}` });
    expect(byBearerNoBody.status).toBe(200);
    expect(byBearerNoBody.body.position).toBe(first.body.position);
    const polled = await call("GET", `/api/v1/events/${eventId}/queue/status`, undefined, { cookie: first.cookie });
    expect(polled.status).toBe(200);
    expect(polled.body).toMatchObject({ state: "waiting", position: 2, ahead: 0 });
    expect((await roomOf(env, eventId).stats()).last_position).toBe(2);
  });

  it("answers status polls at the edge: the object sees at most one view per view lifetime, however slow the polls", async () => {
    const { eventId } = await openRoomEvent({ admit_per_minute: 1 });
    const people: { queue_token: string }[] = [];
    for (let i = 0; i < 5; i++) people.push((await join(eventId)).body);
    const before = (await roomOf(env, eventId).stats()).views;
    const sources: string[] = [];
    const startedAt = Date.now();
    // Bursts of concurrent polls, so the edge is tried with polls that arrive together; the claim
    // checked is the rate, measured against the time the polls actually took on this machine.
    for (let round = 0; round < 5; round++) {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => status(eventId, people[i % 5]!.queue_token)));
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        sources.push(answer.headers.get("X-Queue-View")!);
      }
    }
    const elapsed = Date.now() - startedAt;
    const reached = (await roomOf(env, eventId).stats()).views - before;
    // Every view the object served is one poll that says so; no other poll reached it.
    expect(reached).toBe(sources.filter((s) => s === "object").length);
    // Zero is right on a fast machine: the view the joins fetched may still be fresh for every poll.
    expect(sources.every((s) => s === "object" || s === "memory" || s === "cache"), sources.join(",")).toBe(true);
    expect(reached, `${reached} views in ${elapsed} ms`).toBeLessThanOrEqual(Math.floor(elapsed / VIEW_TTL_MS) + 1);
  });

  it("limits joins per address", async () => {
    const { eventId } = await openRoomEvent({});
    const ip = nextIp();
    for (let i = 0; i < JOINS_PER_IP_PER_MINUTE; i++) expect((await join(eventId, { ip })).status).toBe(201);
    const limited = await join(eventId, { ip });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    expect(limited.body.retry_after_seconds).toBeGreaterThan(0);
    expect((await join(eventId)).status).toBe(201);
  });

  it("validates what it is sent", async () => {
    const { eventId } = await openRoomEvent({});
    expect((await call("POST", `/api/v1/events/not-an-id/queue`, {})).body.error.code).toBe("NOT_FOUND");
    const bad = await call("POST", `/api/v1/events/${eventId}/queue`, { position: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ field: "position", message: "This field is not accepted here." }]);
    const forged = await call("GET", `/api/v1/events/${eventId}/queue/status`, undefined, {}, { Authorization: "Bearer qt_e30.AAAA" });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe("UNAUTHENTICATED");
    const other = await openRoomEvent({});
    const theirs = (await join(other.eventId)).body.queue_token;
    expect((await status(eventId, theirs)).status).toBe(401);
  });
});
