/**
 * "Tell me by mail when it's my turn" in workerd: people in the pre-queue ask for the mail through
 * the Worker, the WaitingRoom keeps the address with the place, and the release that admits a
 * place hands exactly one mail to the outbox, which the Queue consumer delivers to the dev mail
 * outbox. Time is moved with the object's `tick(now)` (what its alarm does with the clock).
 */
import { env } from "cloudflare:workers";
import { like } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../db/schema";
import { roomOf } from "../../workers/waiting-room-client";
import { db, uniqueName } from "./fixtures";
import { call } from "./http";
import { inBatches, publishedEvent } from "./purchase-helpers";
import { seeded } from "./run-seed";

const MINUTE = 60_000;
let ipCounter = 0;
const nextIp = () => `203.0.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

async function mailsTo(address: string): Promise<{ subject: string; text: string }[]> {
  const response = await fetch(`${inject("stackUrls").mail}/api/emails?to=${encodeURIComponent(address)}`);
  return ((await response.json()) as { data: { subject: string; text: string }[] }).data;
}

async function outboxRows(eventId: string): Promise<string[]> {
  const rows = await db().select({ key: schema.outbox.dedupeKey }).from(schema.outbox).where(like(schema.outbox.dedupeKey, `queue-turn:${eventId}:%`));
  return rows.map((r) => r.key);
}

/** An event whose sale opens in an hour, its room taking the pre-queue now: 10 admitted a second once open (50 at most at once). */
async function preQueueEvent(title: string) {
  const salesStartAt = new Date(Date.now() + 60 * MINUTE);
  const made = await publishedEvent([{ name: "GA", price: 1000, capacity: 100 }], {
    title,
    timezone: "Europe/Lisbon",
    sales_start_at: salesStartAt.toISOString(),
    waiting_room: { enabled: true, opens_minutes_before: 120, admit_per_minute: 600, max_active_shoppers: 1000, session_minutes: 10 },
  });
  return { ...made, opensAt: salesStartAt.getTime() };
}

async function joinAll(eventId: string, n: number): Promise<{ token: string }[]> {
  const people = [];
  for (let i = 0; i < n; i++) {
    const joined = await call("POST", `/api/v1/events/${eventId}/queue`, {}, {}, { "CF-Connecting-IP": nextIp() });
    expect(joined.status).toBe(201);
    people.push({ token: joined.body.queue_token as string });
  }
  return people;
}

function ask(eventId: string, token: string, email: string) {
  return call("POST", `/api/v1/events/${eventId}/queue/notify`, { email }, {}, { Authorization: `Bearer ${token}`, "CF-Connecting-IP": nextIp() });
}

async function positionOf(eventId: string, token: string): Promise<number> {
  let position: number | null = null;
  await expect
    .poll(async () => (position = (await call("GET", `/api/v1/events/${eventId}/queue/status`, undefined, {}, { Authorization: `Bearer ${token}` })).body.position), { timeout: 10_000, interval: 200 })
    .not.toBeNull();
  return position!;
}

describe("tell me by mail when it's my turn", () => {
  it("validates the request and refuses without a genuine queue token", async () => {
    const { eventId } = await preQueueEvent(uniqueName("Notify checks"));
    const [person] = await joinAll(eventId, 1);
    const bad = await ask(eventId, person!.token, "not an address");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_FAILED");
    const extra = await call("POST", `/api/v1/events/${eventId}/queue/notify`, { email: "a@example.test", colour: "red" }, {}, { Authorization: `Bearer ${person!.token}` });
    expect(extra.status).toBe(400);
    const anonymous = await call("POST", `/api/v1/events/${eventId}/queue/notify`, { email: "a@example.test" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe("UNAUTHENTICATED");
    const forged = await ask(eventId, `${person!.token.slice(0, -4)}AAAA`, "a@example.test");
    expect(forged.status).toBe(401);
    const elsewhere = await preQueueEvent(uniqueName("Notify other"));
    const wrongEvent = await ask(elsewhere.eventId, person!.token, "a@example.test");
    expect(wrongEvent.status).toBe(401);
    const noRoom = await call("POST", `/api/v1/events/${crypto.randomUUID()}/queue/notify`, { email: "a@example.test" }, {}, { Authorization: `Bearer ${person!.token}` });
    expect(noRoom.status).toBe(404);
    // A typo is fixed a few times; past that the place keeps its last address.
    for (let i = 0; i < 4; i++) expect((await ask(eventId, person!.token, `typo${i}@example.test`)).status).toBe(200);
    const tooMany = await ask(eventId, person!.token, "typo9@example.test");
    expect(tooMany.status).toBe(429);
    expect(tooMany.body.error.code).toBe("RATE_LIMITED");
  });

  it("mails each place that asked exactly once when the watermark admits it, nobody else, whatever runs twice or at once", { timeout: 120_000 }, async () => {
    const title = uniqueName("Turn mail");
    const { eventId, opensAt } = await preQueueEvent(title);
    const people = await joinAll(eventId, 14);
    // Seven of them, picked by the seeded order, ask (the draw decides where they stand); one asks
    // twice at once, one again later. At most six requests at once (workerd's test pool stalls past ~8).
    const order = seeded("turn-mail askers");
    const picked = people.map((p) => ({ p, key: order() })).sort((a, b) => a.key - b.key).slice(0, 7).map((x) => x.p);
    const askers = picked.map((p, i) => ({ ...p, email: `${uniqueName(`turn${i}`)}@example.test` }));
    const asked = await inBatches([...askers, askers[0]!], 6, (a) => ask(eventId, a.token, a.email));
    expect(asked.map((a) => a.status), JSON.stringify(asked.map((a) => a.body))).toEqual(asked.map(() => 200));
    expect(asked[0]!.body).toEqual({ email: askers[0]!.email, notify: "on_turn" });
    expect((await ask(eventId, askers[1]!.token, askers[1]!.email.toUpperCase())).status).toBe(200);

    // The draw at the opening, then one second of admissions (10 people), with the ticks racing.
    const room = roomOf(env, eventId);
    await room.tick(opensAt);
    await Promise.all([room.tick(opensAt + 1_000), room.tick(opensAt + 1_000), room.tick(opensAt + 1_000)]);
    const firstWave = new Set<string>();
    for (const a of askers) if ((await positionOf(eventId, a.token)) <= 10) firstWave.add(a.email);
    await expect.poll(async () => (await outboxRows(eventId)).length, { timeout: 20_000 }).toBe(firstWave.size);

    // Everyone else, twice over: the rest of the askers get theirs, nobody gets a second.
    await Promise.all([room.tick(opensAt + 10_000), room.tick(opensAt + 10_000)]);
    await room.tick(opensAt + 20_000);
    await expect.poll(async () => (await outboxRows(eventId)).length, { timeout: 20_000 }).toBe(askers.length);
    for (const a of askers) {
      await expect.poll(async () => (await mailsTo(a.email)).length, { timeout: 30_000, interval: 250 }).toBe(1);
    }
    // The mail names the event, when the access ends with its zone, and links back with the place.
    const [mail] = await mailsTo(askers[0]!.email);
    expect(mail!.subject).toBe(`It's your turn: ${title}`);
    expect(mail!.text).toMatch(/until .+ (GMT|WET|WEST|UTC)/);
    const link = /\/queue\?event=([0-9a-f-]+)#queue_token=([^\s]+)/.exec(mail!.text);
    expect(link?.[1]).toBe(eventId);
    expect(decodeURIComponent(link![2]!)).toBe(askers[0]!.token);
    // The link's token is the place: joining with it answers the same position, admitted once this
    // isolate's view (up to a second old) has caught up with the release, as the page's polls do.
    const resume = () => call("POST", `/api/v1/events/${eventId}/queue`, { queue_token: decodeURIComponent(link![2]!) }, {}, { "CF-Connecting-IP": nextIp() });
    expect((await resume()).status).toBe(200);
    await expect.poll(async () => (await resume()).body.state, { timeout: 10_000, interval: 300 }).toBe("admitted");
    expect((await resume()).body.position).toBe(await positionOf(eventId, askers[0]!.token));

    // A place whose turn came is told so instead of being mailed.
    const late = await ask(eventId, people.find((p) => !askers.some((a) => a.token === p.token))!.token, "late@example.test");
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe("QUEUE_ALREADY_ADMITTED");
    expect(new Set(await outboxRows(eventId)).size).toBe(askers.length);
  });
});
