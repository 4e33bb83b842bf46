/**
 * The waiting room's joins spread over the event's join shards (docs/waiting-room.md), proven by
 * firing many joins at once and checking the invariants: every place held by one person, the
 * pre-queue draw re-runnable from the published seed, later arrivals behind earlier ones, people
 * let in strictly in position order, nobody admitted twice, and no one object taking every join.
 * Time moves through the coordinator's `tick(now)`, never by sleeping.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { positionsOfEntries } from "../../workers/domain/admission";
import { SHARDS } from "../../workers/domain/queue-shards";
import { sha256Hex } from "../../workers/auth/tokens";
import { roomOf } from "../../workers/waiting-room-client";
import type { WaitingRoomShard } from "../../durable-objects/waiting-room-shard";
import { call } from "./http";
import { publishedEvent } from "./purchase-helpers";
import { shuffled } from "../seeded-random";
import { seeded } from "./run-seed";

const MINUTE = 60_000;
const random = seeded("waiting-room shards: arrival order and polled sample");
/** A crowd: each person from their own address, in a shuffled order. */
const address = (i: number) => `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

function join(eventId: string, ip: string) {
  return call("POST", `/api/v1/events/${eventId}/queue`, {}, {}, { "CF-Connecting-IP": ip });
}

function status(eventId: string, token: string) {
  return call("GET", `/api/v1/events/${eventId}/queue/status`, undefined, {}, { Authorization: `Bearer ${token}` });
}

/** Joins `count` people at once; every answer must be a new place. */
async function crowd(eventId: string, from: number, count: number): Promise<{ queue_token: string; position: number | null; state: string }[]> {
  const ips = shuffled(Array.from({ length: count }, (_, i) => address(from + i)), random);
  // Sent 8 at a time: more concurrent requests than that from one test stall workerd's test runner.
  const answers = [];
  for (let i = 0; i < ips.length; i += 8) answers.push(...(await Promise.all(ips.slice(i, i + 8).map((ip) => join(eventId, ip)))));
  for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBe(201);
  return answers.map((a) => a.body);
}

async function shardJoins(eventId: string): Promise<number[]> {
  const ns = env.WAITING_ROOM_SHARD as unknown as DurableObjectNamespace<WaitingRoomShard>;
  return Promise.all(Array.from({ length: SHARDS }, async (_, k) => (await ns.getByName(`${eventId}:${k}`).stats()).joins));
}

describe("joins across shards", () => {
  it("keeps the draw, unique places, arrival order and position-order admission under concurrent joins", { timeout: 240_000 }, async () => {
    const salesStartAt = new Date(Date.now() + 60 * MINUTE);
    const { eventId } = await publishedEvent([{ name: "GA", price: 1000, capacity: 1000 }], {
      sales_start_at: salesStartAt.toISOString(),
      waiting_room: { enabled: true, opens_minutes_before: 120, admit_per_minute: 600, max_active_shoppers: 1000, session_minutes: 10 },
    });
    const opensAt = salesStartAt.getTime();
    const commitment = (await call("GET", `/api/v1/events/${eventId}/queue/fairness`)).body.commitment;

    // 1. The pre-queue: 64 people, 8 at a time, spread over the shards.
    const early = await crowd(eventId, 0, 64);
    expect(early.every((p) => p.state === "pre_queue" && p.position === null)).toBe(true);
    const perShard = await shardJoins(eventId);
    expect(perShard.reduce((a, b) => a + b, 0)).toBe(64);
    expect(Math.max(...perShard)).toBeLessThan(64 / 2);
    expect(perShard.filter((n) => n > 0).length).toBeGreaterThan(SHARDS / 2);

    // 2. The draw: anyone re-runs it from the published seed, whose hash was published before.
    const room = roomOf(env, eventId);
    await room.tick(opensAt);
    const fairness = (await call("GET", `/api/v1/events/${eventId}/queue/fairness`)).body;
    expect(fairness).toMatchObject({ drawn: true, pre_queue_size: 64, commitment });
    expect(await sha256Hex(fairness.seed)).toBe(commitment);
    expect(fairness.shard_entries.reduce((a: number, b: number) => a + b, 0)).toBe(64);
    const drawn = positionsOfEntries(fairness.seed, 64);
    // The edge's view of the room is up to a second old: wait until it shows the draw.
    await expect.poll(async () => (await status(eventId, early[0]!.queue_token)).body.pre_queue_entry, { timeout: 10_000, interval: 200 }).not.toBeNull();
    const told: any[] = [];
    for (const p of early) told.push((await status(eventId, p.queue_token)).body);
    for (const t of told) expect(t.position).toBe(drawn[t.pre_queue_entry - 1]);
    expect(told.map((t) => t.pre_queue_entry).sort((a, b) => a - b)).toEqual(Array.from({ length: 64 }, (_, i) => i + 1));

    // 3. After the opening: two waves of concurrent joins, the second sent after the first was
    //    answered and the room ticked (which seals blocks a shard stopped using).
    const waveA = await crowd(eventId, 1_000, 64);
    await room.tick(opensAt + 2 * MINUTE);
    const waveB = await crowd(eventId, 2_000, 64);
    const positionsA = waveA.map((p) => p.position!);
    const positionsB = waveB.map((p) => p.position!);
    const all = [...told.map((t) => t.position as number), ...positionsA, ...positionsB];
    expect(new Set(all).size).toBe(all.length);
    expect(Math.min(...positionsA)).toBeGreaterThan(64);
    expect(Math.min(...positionsB)).toBeGreaterThan(Math.max(...positionsA));

    // 4. Admission in position order, a bit at a time, with every admitted person claiming once.
    const people = [...early.map((p, i) => ({ token: p.queue_token, position: told[i]!.position as number })), ...[...waveA, ...waveB].map((p) => ({ token: p.queue_token, position: p.position! }))];
    const claimed = new Map<number, string>();
    let clock = opensAt + 3 * MINUTE;
    for (let step = 0; step < 5; step++) {
      clock += 5_000;
      const watermark = (await room.tick(clock)).released_up_to;
      const sample = people.filter(() => random() < 0.25);
      const answers: { p: (typeof people)[number]; body: any }[] = [];
      for (let i = 0; i < sample.length; i += 8) {
        answers.push(...(await Promise.all(sample.slice(i, i + 8).map(async (p) => ({ p, body: (await status(eventId, p.token)).body })))));
      }
      const view = Math.max(0, ...answers.filter((a) => a.body.state === "admitted").map((a) => a.body.released_up_to));
      for (const { p, body } of answers) {
        // Nobody is let in past the watermark, nobody at or below it is still told to wait (within the view's second).
        if (body.state === "admitted") {
          expect(p.position).toBeLessThanOrEqual(watermark);
          const earlier = claimed.get(p.position);
          if (earlier) expect(body.access_token === earlier || body.access_token === undefined).toBe(true);
          else claimed.set(p.position, body.access_token);
        } else {
          expect(body.state).toBe("waiting");
          expect(p.position).toBeGreaterThan(Math.min(view || 0, body.released_up_to));
        }
      }
    }
    const final = await room.stats();
    expect(final.released_up_to).toBeGreaterThan(64);
    // The coordinator was asked for blocks, not once per join: the shards took the joins.
    expect(final.joins).toBe(64 + 128);
    expect(final.lends).toBeLessThanOrEqual(128);
    // No position was admitted twice: each access names its own position.
    for (const [position, token] of claimed) {
      const claims = JSON.parse(atob(token.slice(3).split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/")));
      expect(claims.p).toBe(position);
    }
  });
});
