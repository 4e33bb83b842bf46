import { describe, expect, it } from "vitest";
import { decideClaim, nextTickAt, releaseStep, TICK_MS, type RoomState } from "../../workers/domain/queue-room";

const settings = { enabled: true, preQueueFrom: 0, opensAt: 1_000, closesAt: 10_000_000, admitPerMinute: 60, maxActiveShoppers: 100, sessionMinutes: 10 };
const state = (over: Partial<RoomState> = {}): RoomState => ({
  config: { eventId: "e", settings, tierIds: [] }, seed: "00", commitment: "c", opened: true, preQueueSize: 0, preQueueOffsets: [0],
  lastPosition: 10, releasedUpTo: 0, credit: 0, lastTickAt: 1_000, ticketsLeft: null, soldOut: false, inventoryCheckedAt: 0, ...over,
});
const facts = { blocks: [{ start: 1, size: 10, used: 10, sealed: true }], active: 0, firstSessionEndsAt: null };

describe("the coordinator's release step", () => {
  it("lets in one a second at 60 a minute, and no one extra when run twice at the same moment", () => {
    const first = releaseStep(state(), facts, 4_000);
    expect(first.move).toMatchObject({ releasedUpTo: 3, released: 3 });
    const again = releaseStep(state({ releasedUpTo: 3, credit: first.credit, lastTickAt: first.lastTickAt }), facts, 4_000);
    expect(again.move.released).toBe(0);
  });

  it("keeps the credit an unsealed block stood in the way of", () => {
    const open = { ...facts, blocks: [{ start: 1, size: 10, used: 2, sealed: false }, { start: 11, size: 5, used: 5, sealed: true }] };
    const step = releaseStep(state(), open, 6_000);
    expect(step.move).toMatchObject({ releasedUpTo: 2, released: 2, blockedAt: 1 });
    expect(step.credit).toBe(3);
  });

  it("lets nobody in before the opening or while sold out", () => {
    expect(releaseStep(state({ opened: false }), facts, 9_000).move.released).toBe(0);
    expect(releaseStep(state({ soldOut: true }), facts, 9_000).move.released).toBe(0);
  });
});

describe("claims and the alarm", () => {
  const base = { configured: true, released: true, releasedAt: 1_000, finished: false, sessionMinutes: 10, now: 2_000 };
  it("gives access from the release until the session ends, never after a purchase", () => {
    expect(decideClaim(base)).toEqual({ ok: true, releasedAt: 1_000, expiresAt: 601_000 });
    expect(decideClaim({ ...base, now: 601_000 })).toEqual({ ok: false, code: "session_ended" });
    expect(decideClaim({ ...base, finished: true })).toEqual({ ok: false, code: "session_ended" });
    expect(decideClaim({ ...base, released: false })).toEqual({ ok: false, code: "not_admitted" });
    expect(decideClaim({ ...base, configured: false })).toEqual({ ok: false, code: "not_configured" });
  });

  it("rings at the opening, each second while anyone waits or mail is owed, and not otherwise", () => {
    const tick = { configured: true, opened: true, opensAt: 5_000, waiting: 0, soldOut: false, mailOwed: false, now: 10_000 };
    expect(nextTickAt({ ...tick, opened: false })).toBe(5_000);
    expect(nextTickAt({ ...tick, waiting: 3 })).toBe(10_000 + TICK_MS);
    expect(nextTickAt({ ...tick, mailOwed: true })).toBe(10_000 + TICK_MS);
    expect(nextTickAt(tick)).toBeNull();
  });
});

describe("the release rate over time", () => {
  it("never lets more people in over any stretch than the rate plus one burst, however the blocks and calls fall", async () => {
    const { seededRandom } = await import("../seeded-random");
    const random = seededRandom(Number(process.env.TEST_SEED ?? 20261203), "queue-room release rate");
    const perMinute = 3_000;
    const cap = (perMinute * 5) / 60;
    let s = state({ config: { eventId: "e", settings: { ...settings, admitPerMinute: perMinute, maxActiveShoppers: 1_000_000 }, tierIds: [] }, lastPosition: 0 });
    let blocks: { start: number; size: number; used: number; sealed: boolean }[] = [];
    const released: { at: number; n: number }[] = [];
    let now = 1_000;
    for (let step = 0; step < 1_500; step++) {
      now += Math.floor(random() * 400);
      // Joins arrive in blocks of every size; some stay open for a while, then their shard seals them.
      if (random() < 0.6) {
        const size = 1 + Math.floor(random() * 200);
        blocks.push({ start: s.lastPosition + 1, size, used: 1 + Math.floor(random() * size), sealed: random() < 0.5 });
        s = { ...s, lastPosition: s.lastPosition + size };
      }
      for (const b of blocks) if (!b.sealed && random() < 0.3) b.sealed = true;
      blocks = blocks.filter((b) => b.start + b.size - 1 > s.releasedUpTo);
      const step_ = releaseStep(s, { blocks, active: 0, firstSessionEndsAt: null }, now);
      // Calls race: sometimes the same moment twice.
      s = { ...s, releasedUpTo: step_.move.releasedUpTo, credit: step_.credit, lastTickAt: step_.lastTickAt };
      if (step_.move.released > 0) released.push({ at: now, n: step_.move.released });
    }
    // Over every window [a, b]: people let in <= rate × (b − a) + the burst cap (+1 for the whole-person rounding).
    let worst = -Infinity;
    for (let i = 0; i < released.length; i++) {
      let sum = 0;
      for (let j = i; j < released.length; j++) {
        sum += released[j]!.n;
        worst = Math.max(worst, sum - (((released[j]!.at - released[i]!.at) * perMinute) / 60_000 + cap + 1));
      }
    }
    expect(worst).toBeLessThanOrEqual(0);
    expect(released.reduce((a, r) => a + r.n, 0)).toBeGreaterThan(1_000);
  });
});
