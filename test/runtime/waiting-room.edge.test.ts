/**
 * Joins at the edge (workers/waiting-room-edge.ts) against the real coordinator object: hundreds
 * of joins taken at once in this isolate, so it holds blocks, fetches ahead and reports later.
 * Invariants: no position given out twice, the coordinator's count of places is exact once the
 * isolate has reported, people are let in in position order at no more than the rate, and each
 * admitted place claims its access once, however many of its polls race.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connectHttp } from "../../db/client";
import { databaseSettings } from "../../workers/config";
import { sellableEvent } from "../../workers/sellable-tiers";
import { roomConfigOf, roomOf } from "../../workers/waiting-room-client";
import { edgePosition } from "../../workers/waiting-room-edge";
import { signQueueToken } from "../../workers/auth/queue-tokens";
import { call } from "./http";
import { publishedEvent } from "./purchase-helpers";
import { shuffled } from "../seeded-random";
import { seeded } from "./run-seed";

const MINUTE = 60_000;
const random = seeded("waiting-room edge: racing polls");

describe("joins at the edge", () => {
  it("gives each of 400 concurrent joins its own position, counts them exactly, and admits each once in order", { timeout: 240_000 }, async () => {
    const salesStartAt = new Date(Date.now() - MINUTE);
    const { eventId } = await publishedEvent([{ name: "GA", price: 1000, capacity: 1000 }], {
      sales_start_at: salesStartAt.toISOString(),
      waiting_room: { enabled: true, opens_minutes_before: 120, admit_per_minute: 600, max_active_shoppers: 100_000, session_minutes: 10 },
    });
    const sellable = await sellableEvent(connectHttp(databaseSettings(env)), eventId, Date.now());
    const config = roomConfigOf(sellable!.event, sellable!.tiers);

    // 400 joins at once, as a burst reaches one isolate: each takes a position from the isolate's
    // blocks; only a few reach the coordinator (lends), the rest are answered from memory.
    const ctx = createExecutionContext();
    const positions = await Promise.all(Array.from({ length: 400 }, () => edgePosition(env, ctx, config)));
    await waitOnExecutionContext(ctx); // the fetches ahead and the flush after the blocks' last second
    expect(new Set(positions).size).toBe(400);
    const room = roomOf(env, eventId);
    const stats = await room.stats();
    // Exact once reported: the tails nobody took are holes, not places.
    expect(stats.joins).toBe(400);
    expect(stats.lends).toBeLessThan(400);
    console.log(`400 edge joins: ${stats.lends} lends, last position ${stats.last_position}`);

    // Admission in position order: tick the room a few seconds ahead at a time; racing polls per person.
    const people = await Promise.all(positions.map(async (position, i) => ({
      position,
      token: await signQueueToken(env.SIGNING_MASTER_KEY, { eventId, joinId: `edge-${i}`, ticket: { kind: "position", position } }),
    })));
    const byPosition = people.slice().sort((a, b) => a.position - b.position);
    const accessFor = new Map<number, Set<string>>();
    let clock = Date.now() + 10 * MINUTE;
    let releasedBefore = (await room.stats()).released;
    for (let step = 0; step < 4; step++) {
      clock += 3_000;
      const after = await room.tick(clock);
      // 600 a minute: at most 30 in 3 s, plus the 5-second burst cap on the first step.
      expect(after.released - releasedBefore).toBeLessThanOrEqual(step === 0 ? 50 : 30);
      releasedBefore = after.released;
      const admittedNow = byPosition.filter((p) => p.position <= after.released_up_to);
      const waitingNow = byPosition.filter((p) => p.position > after.released_up_to);
      // Everyone at or below the watermark, nobody above it (the holes are nobody's).
      expect(admittedNow.length).toBe(after.released);
      const sample = shuffled(admittedNow, random).slice(0, 12);
      for (let i = 0; i < sample.length; i += 4) {
        // Two polls of the same place at once: both may answer, only one claim reaches the object.
        const answers = await Promise.all(sample.slice(i, i + 4).flatMap((p) => [p, p]).map(async (p) => ({ p, a: await status(eventId, p.token) })));
        for (const { p, a } of answers) {
          expect(a.status).toBe(200);
          if (a.body.state !== "admitted") continue; // the view may be a second behind the tick
          const claims = JSON.parse(atob(a.body.access_token.slice(3).split(".")[0].replace(/-/g, "+").replace(/_/g, "/")));
          expect(claims.p).toBe(p.position);
          if (!accessFor.has(p.position)) accessFor.set(p.position, new Set());
          accessFor.get(p.position)!.add(a.body.access_token);
        }
      }
      for (const p of shuffled(waitingNow, random).slice(0, 4)) {
        const told = await status(eventId, p.token);
        expect(told.body.state).not.toBe("admitted");
      }
    }
    const final = await room.stats();
    // One claim per admitted place, whatever raced: the object's own count of claimed passes.
    expect(final.admitted).toBeLessThanOrEqual(final.released);
    expect(final.admitted).toBe(accessFor.size);
  });
});

function status(eventId: string, token: string) {
  return call("GET", `/api/v1/events/${eventId}/queue/status`, undefined, {}, { Authorization: `Bearer ${token}` });
}
