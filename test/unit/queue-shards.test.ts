import { describe, expect, it } from "vitest";
import { advanceWatermark, aheadOf, blockSizeFor, countJoin, denseEntry, holesOf, JOINS_PER_IP_PER_MINUTE, preQueueOffsets, shardOf, SHARDS, waitingAfter, type Block } from "../../workers/domain/queue-shards";
import { nextAdmissionAt } from "../../workers/domain/admission";

const block = (start: number, size: number, used: number, sealed = false): Block => ({ start, size, used, sealed });

describe("join shards", () => {
  it("spreads callers over every shard, the same caller always to one", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2_000; i++) seen.add(shardOf(`198.51.${i >> 8}.${i & 255}`));
    expect(seen.size).toBe(SHARDS);
    expect(shardOf("203.0.113.9")).toBe(shardOf("203.0.113.9"));
  });

  it("lends one position at a time while quiet and bigger blocks in a burst", () => {
    expect(blockSizeFor(0)).toBe(1);
    expect(blockSizeFor(100)).toBe(1);
    expect(blockSizeFor(5_000)).toBe(78);
    expect(blockSizeFor(1_000_000)).toBe(512);
  });

  it("numbers pre-queue entries densely shard by shard at the draw", () => {
    const offsets = preQueueOffsets([3, 0, 2]);
    expect(offsets).toEqual([0, 3, 3]);
    expect([1, 2, 3].map((n) => denseEntry(offsets, 5, 0, n))).toEqual([1, 2, 3]);
    expect(denseEntry(offsets, 5, 0, 4)).toBeNull();
    expect(denseEntry(offsets, 5, 1, 1)).toBeNull();
    expect([1, 2].map((n) => denseEntry(offsets, 5, 2, n))).toEqual([4, 5]);
  });
});

describe("the watermark over blocks", () => {
  it("lets in the pre-queue, then given-out positions in order, jumping a sealed block's holes", () => {
    const blocks = [block(11, 10, 4, true), block(21, 5, 5), block(26, 10, 2)];
    expect(waitingAfter(0, 10, blocks)).toBe(10 + 4 + 5 + 2);
    const first = advanceWatermark({ releasedUpTo: 0, preQueueSize: 10, blocks, want: 12 });
    expect(first).toEqual({ releasedUpTo: 12, released: 12, blockedAt: null });
    const second = advanceWatermark({ releasedUpTo: 12, preQueueSize: 10, blocks, want: 3 });
    // 13, 14, then the holes 15..20 are passed and 21 is let in.
    expect(second).toEqual({ releasedUpTo: 21, released: 3, blockedAt: null });
    expect(aheadOf(23, 12, holesOf(blocks, 12))).toBe(23 - 12 - 1);
    expect(aheadOf(23, 10, holesOf(blocks, 10))).toBe(23 - 10 - 1 - 6);
  });

  it("never passes an unsealed block's tail, and says so when people are wanted behind it", () => {
    const blocks = [block(1, 8, 2), block(9, 4, 4)];
    const move = advanceWatermark({ releasedUpTo: 0, preQueueSize: 0, blocks, want: 5 });
    expect(move).toEqual({ releasedUpTo: 2, released: 2, blockedAt: 1 });
    const sealed = advanceWatermark({ releasedUpTo: 2, preQueueSize: 0, blocks: [block(1, 8, 3, true), block(9, 4, 4)], want: 3 });
    expect(sealed).toEqual({ releasedUpTo: 10, released: 3, blockedAt: null });
  });
});

describe("the next admission", () => {
  const base = { now: 10_000, lastTickAt: 10_000, credit: 0, admitPerMinute: 1, waiting: 3, soldOut: false, freeSlots: 1, firstSessionEndsAt: null };
  it("is due when the credit reaches a whole person, or when a slot frees", () => {
    expect(nextAdmissionAt(base)).toBe(70_000);
    expect(nextAdmissionAt({ ...base, credit: 0.5 })).toBe(40_000);
    expect(nextAdmissionAt({ ...base, freeSlots: 0, firstSessionEndsAt: 100_000 })).toBe(100_000);
    expect(nextAdmissionAt({ ...base, waiting: 0 })).toBeNull();
    expect(nextAdmissionAt({ ...base, soldOut: true })).toBeNull();
  });
});

describe("joins per address", () => {
  it("counts a minute's joins and then refuses with the wait", () => {
    let window;
    for (let i = 0; i < JOINS_PER_IP_PER_MINUTE; i++) {
      const counted = countJoin(window, 1_000 + i);
      expect(counted.retryAfterSeconds).toBeNull();
      window = counted.window;
    }
    expect(countJoin(window, 31_000).retryAfterSeconds).toBe(30);
    expect(countJoin(window, 61_000).retryAfterSeconds).toBeNull();
  });
});
