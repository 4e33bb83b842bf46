/**
 * Joins at the edge (workers/domain/queue-edge.ts), as a seeded property test: several isolates
 * take positions from blocks the coordinator lends them, fetch ahead, report late or never (an
 * evicted isolate), while the coordinator's release step (workers/domain/queue-room.ts) moves the
 * watermark. The coordinator's bookkeeping is the one RoomStore does in SQL: a lend, a report
 * applied once (`used = max(used, min(size, reported))` on an unsealed block), and a block not
 * reported in time sealed as fully given out.
 */
import { describe, expect, it } from "vitest";
import { EDGE_REPORT_GRACE_MS, countEdgeJoin, edgeBlockWant, joinsLastSecond, shouldFetchAhead, takeFrom, usable, type EdgeBlock, type JoinRate } from "../../workers/domain/queue-edge";
import { releaseStep, type RoomState } from "../../workers/domain/queue-room";
import { BLOCK_MAX_AGE_MS, MAX_BLOCK_SIZE, type Block } from "../../workers/domain/queue-shards";
import { seededRandom } from "../seeded-random";

describe("edge blocks", () => {
  it("gives out positions in order, only while the block is young and not full", () => {
    const block: EdgeBlock = { start: 10, size: 3, used: 1, lentAt: 1_000, known: 1 };
    expect([takeFrom(block, 1_100), takeFrom(block, 1_200), takeFrom(block, 1_300)]).toEqual([11, 12, null]);
    const old: EdgeBlock = { start: 20, size: 5, used: 0, lentAt: 1_000, known: 0 };
    expect(takeFrom(old, 1_000 + BLOCK_MAX_AGE_MS)).toBeNull();
    expect(usable(null, 0)).toBe(false);
  });

  it("asks for one position while quiet, a quarter second of joins in a burst, and fetches ahead only in a burst", () => {
    expect(edgeBlockWant(5)).toBe(1);
    expect(edgeBlockWant(400)).toBe(100);
    expect(edgeBlockWant(1_000_000)).toBe(MAX_BLOCK_SIZE);
    const current: EdgeBlock = { start: 1, size: 10, used: 6, lentAt: 0, known: 1 };
    expect(shouldFetchAhead({ current, ahead: null, fetching: false, joinsLastSecond: 5, now: 10 })).toBe(false);
    expect(shouldFetchAhead({ current, ahead: null, fetching: false, joinsLastSecond: 100, now: 10 })).toBe(true);
    expect(shouldFetchAhead({ current, ahead: null, fetching: true, joinsLastSecond: 100, now: 10 })).toBe(false);
    let rate: JoinRate = { windowStart: 0, count: 0, previous: 0 };
    for (let t = 0; t < 30; t++) rate = countEdgeJoin(rate, 1_000 + t * 10);
    expect(joinsLastSecond(rate)).toBe(30);
    expect(joinsLastSecond(countEdgeJoin(rate, 5_000))).toBe(1);
  });
});

interface Isolate {
  current: EdgeBlock | null;
  ahead: EdgeBlock | null;
  reports: { start: number; used: number }[];
  rate: JoinRate;
  alive: boolean;
}

describe("isolates joining concurrently, reporting late or never", () => {
  it("never gives a position twice, never behind the watermark, keeps FIFO to within a block's second, and never releases faster than the rate", () => {
    const random = seededRandom(Number(process.env.TEST_SEED ?? 20261203), "queue-edge isolates");
    const perMinute = 3_000;
    const settings = { enabled: true, preQueueFrom: 0, opensAt: 0, closesAt: null, admitPerMinute: perMinute, maxActiveShoppers: 1_000_000, sessionMinutes: 10 };
    let room: RoomState = {
      config: { eventId: "e", settings, tierIds: [] }, seed: "00", commitment: "c", opened: true, preQueueSize: 0, preQueueOffsets: [0],
      lastPosition: 0, releasedUpTo: 0, credit: 0, lastTickAt: 0, ticketsLeft: null, soldOut: false, inventoryCheckedAt: 0,
    };
    const blocks: (Block & { lentAt: number })[] = [];
    const lend = (want: number, taking: boolean, reports: Isolate["reports"], now: number): EdgeBlock => {
      for (const r of reports) {
        const b = blocks.find((x) => x.start === r.start && !x.sealed);
        if (b) Object.assign(b, { used: Math.max(b.used, Math.min(b.size, r.used)), sealed: true });
      }
      const size = Math.min(MAX_BLOCK_SIZE, Math.max(1, want));
      const start = room.lastPosition + 1;
      room = { ...room, lastPosition: room.lastPosition + size };
      blocks.push({ start, size, used: taking ? 1 : 0, sealed: false, lentAt: now });
      return { start, size, used: taking ? 1 : 0, lentAt: now, known: taking ? 1 : 0 };
    };
    const given = new Map<number, number>(); // position -> when given out
    const released: { at: number; n: number }[] = [];
    const give = (position: number, now: number) => {
      expect(given.has(position), `position ${position} given twice`).toBe(false);
      expect(position, "a position the watermark already passed").toBeGreaterThan(room.releasedUpTo);
      given.set(position, now);
    };
    const close = (iso: Isolate, block: EdgeBlock | null) => {
      if (block && (block.used > block.known || block.used < block.size)) iso.reports.push({ start: block.start, used: block.used });
    };
    const isolates: Isolate[] = Array.from({ length: 6 }, () => ({ current: null, ahead: null, reports: [], rate: { windowStart: 0, count: 0, previous: 0 }, alive: true }));

    let now = 0;
    for (let step = 0; step < 20_000; step++) {
      now += Math.floor(random() * 6);
      const iso = isolates[Math.floor(random() * isolates.length)]!;
      const roll = random();
      if (roll < 0.0005) {
        // Evicted: whatever it did not report is lost; a fresh isolate takes its place.
        Object.assign(iso, { current: null, ahead: null, reports: [], rate: { windowStart: 0, count: 0, previous: 0 } });
      } else if (roll < 0.93) {
        iso.rate = countEdgeJoin(iso.rate, now);
        let position = takeFrom(iso.current, now);
        if (position === null && iso.ahead && !usable(iso.current, now)) {
          close(iso, iso.current);
          iso.current = iso.ahead;
          iso.ahead = null;
          position = takeFrom(iso.current, now);
        }
        if (position === null) {
          close(iso, iso.current);
          iso.current = lend(edgeBlockWant(joinsLastSecond(iso.rate)), true, iso.reports.splice(0), now);
          position = iso.current.start;
        } else if (shouldFetchAhead({ current: iso.current, ahead: iso.ahead, fetching: false, joinsLastSecond: joinsLastSecond(iso.rate), now })) {
          iso.ahead = lend(edgeBlockWant(joinsLastSecond(iso.rate)), false, iso.reports.splice(0), now);
        }
        give(position, now);
      } else if (roll < 0.97) {
        // The flush after a block's last moment, sometimes late.
        if (iso.current && !usable(iso.current, now)) { close(iso, iso.current); iso.current = null; }
        if (iso.ahead && now - iso.ahead.lentAt >= BLOCK_MAX_AGE_MS) { close(iso, iso.ahead); iso.ahead = null; }
        for (const r of iso.reports.splice(0)) {
          const b = blocks.find((x) => x.start === r.start && !x.sealed);
          if (b) Object.assign(b, { used: Math.max(b.used, Math.min(b.size, r.used)), sealed: true });
        }
      } else {
        // The coordinator's tick: unreported edge blocks past the grace count as fully given out.
        for (const b of blocks) if (!b.sealed && b.used < b.size && b.lentAt <= now - BLOCK_MAX_AGE_MS - EDGE_REPORT_GRACE_MS) Object.assign(b, { used: b.size, sealed: true });
        const open = blocks.filter((b) => b.start + b.size - 1 > room.releasedUpTo);
        const next = releaseStep(room, { blocks: open, active: 0, firstSessionEndsAt: null }, now);
        room = { ...room, releasedUpTo: next.move.releasedUpTo, credit: next.credit, lastTickAt: next.lastTickAt };
        if (next.move.released > 0) released.push({ at: now, n: next.move.released });
      }
    }

    // FIFO: a position given out more than a block's second before another was given out is lower.
    const byTime = [...given].sort((a, b) => a[1] - b[1]);
    let highest = 0;
    let j = 0;
    for (const [position, at] of byTime) {
      while (j < byTime.length && byTime[j]![1] + BLOCK_MAX_AGE_MS < at) highest = Math.max(highest, byTime[j++]![0]);
      expect(position, `position ${position} at ${at} behind one given out before ${at - BLOCK_MAX_AGE_MS}`).toBeGreaterThan(highest);
    }
    // The rate: over every stretch, people let in (holes of unreported blocks counted as people) <= rate × length + one burst.
    const cap = (perMinute * 5) / 60;
    let worst = -Infinity;
    for (let a = 0; a < released.length; a++) {
      let sum = 0;
      for (let b = a; b < released.length; b++) {
        sum += released[b]!.n;
        worst = Math.max(worst, sum - (((released[b]!.at - released[a]!.at) * perMinute) / 60_000 + cap + 1));
      }
    }
    expect(worst).toBeLessThanOrEqual(0);
    // Exactly-once accounting: the watermark counted each position it passed once, people and counted holes alike.
    const passed = blocks.filter((b) => b.start + b.size - 1 <= room.releasedUpTo).reduce((n, b) => n + b.used, 0);
    expect(released.reduce((n, r) => n + r.n, 0)).toBeGreaterThanOrEqual(passed);
    expect(given.size).toBeGreaterThan(10_000);
    expect(blocks.length).toBeLessThan(given.size / 3);
  });
});
