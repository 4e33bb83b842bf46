/**
 * How a waiting room takes joins without one object seeing each of them, pure: which shard a
 * person joins through, how big a block of positions a shard is lent, how the admission watermark
 * moves over blocks (skipping the places a shard lent but never gave out), and how people are
 * counted ahead of a place. No runtime imports; time comes in as `now`.
 *
 * - Before the opening a shard numbers its own pre-queue entries 1, 2, 3, …; at the draw the
 *   coordinator closes every shard's pre-queue and numbers the entries densely, shard by shard
 *   (`preQueueOffsets`): entry n of shard s is `offsets[s] + n`. The draw is over those numbers.
 * - After the opening positions come in *blocks* lent by the coordinator: [start, start + size).
 *   A shard gives them out in order and stops using a block when it is full or a second old
 *   (BLOCK_MAX_AGE_MS), so two joins a second apart are always in arrival order whichever shards
 *   they went through. The unused tail of a block is a hole: nobody holds those positions.
 * - The coordinator knows how many of a block's positions were given out (`used`) once the
 *   block is *sealed* (full, reported by its shard, or closed at the coordinator's request). The
 *   watermark moves over given-out positions only, may jump a sealed block's holes, and never
 *   passes an unsealed block's unknown tail: a position given out later is always behind it.
 */

/** Join shards per event: 50,000 joins in 10 s is ~312 a second for each (docs/waiting-room.md). */
export const SHARDS = 16;

/** A shard stops giving out a block's positions a second after it was lent. */
export const BLOCK_MAX_AGE_MS = 1_000;

export const MAX_BLOCK_SIZE = 512;

/** Allocations per shard per second the block size aims for under a burst. */
const ALLOCATIONS_PER_SHARD_PER_SECOND = 4;

/** FNV-1a over the key: the shard a caller joins through (the same address always lands on one). */
export function shardOf(key: string, shards = SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/**
 * The size of the next block, from the positions lent across all shards in the last second: one
 * at a time while the room is quiet (every join is then exactly placed and no hole appears), and
 * about a quarter second of a shard's share of the burst when it is not.
 */
export function blockSizeFor(positionsLentLastSecond: number, shards = SHARDS): number {
  const size = Math.floor(positionsLentLastSecond / (shards * ALLOCATIONS_PER_SHARD_PER_SECOND));
  return size < 2 ? 1 : Math.min(MAX_BLOCK_SIZE, size);
}

export interface Block {
  start: number;
  size: number;
  /** Positions given out, as far as the coordinator knows (all of them once sealed). */
  used: number;
  sealed: boolean;
}

const lastOf = (block: Block) => block.start + block.size - 1;
/** A full block is sealed whatever its shard says: nothing more can come out of it. */
const isSealed = (block: Block) => block.sealed || block.used >= block.size;

export interface WatermarkMove {
  releasedUpTo: number;
  /** People let in (positions given out), never holes. */
  released: number;
  /** Stopped at an unsealed block with people wanted behind it: seal it and try again. */
  blockedAt: number | null;
}

/**
 * Lets in up to `want` people after `releasedUpTo`: the rest of the pre-queue (1..preQueueSize)
 * first, then the given-out positions of each block in order. `blocks` are every block whose last
 * position is past the watermark, in order of start; blocks are contiguous from preQueueSize + 1.
 */
export function advanceWatermark(input: { releasedUpTo: number; preQueueSize: number; blocks: readonly Block[]; want: number }): WatermarkMove {
  let w = input.releasedUpTo;
  let released = 0;
  const want = Math.max(0, Math.floor(input.want));
  if (w < input.preQueueSize) {
    const take = Math.min(want, input.preQueueSize - w);
    w += take;
    released += take;
    if (w < input.preQueueSize) return { releasedUpTo: w, released, blockedAt: null };
  }
  for (const block of input.blocks) {
    if (lastOf(block) <= w) continue;
    const lastGiven = block.start + block.used - 1;
    if (w < lastGiven) {
      const take = Math.min(want - released, lastGiven - w);
      w += take;
      released += take;
      if (w < lastGiven) break;
    }
    if (!isSealed(block)) {
      // Someone may still get a position in this block: nobody behind it goes first.
      return { releasedUpTo: w, released, blockedAt: released < want ? block.start : null };
    }
    w = lastOf(block);
  }
  return { releasedUpTo: w, released, blockedAt: null };
}

/** People holding positions after the watermark, as far as the blocks say. */
export function waitingAfter(releasedUpTo: number, preQueueSize: number, blocks: readonly Block[]): number {
  let waiting = Math.max(0, preQueueSize - releasedUpTo);
  for (const block of blocks) {
    const lastGiven = block.start + block.used - 1;
    if (lastGiven > releasedUpTo) waiting += lastGiven - Math.max(releasedUpTo, block.start - 1);
  }
  return waiting;
}

/** A sealed block's holes, for the edge: [its last position, positions nobody holds in it]. */
export type Holes = [last: number, holes: number];

export function holesOf(blocks: readonly Block[], releasedUpTo: number): Holes[] {
  return blocks.filter((b) => isSealed(b) && b.used < b.size && b.start > releasedUpTo).map((b) => [lastOf(b), b.size - b.used]);
}

/** People ahead of `position`: positions between the watermark and it, less the holes among them. */
export function aheadOf(position: number, releasedUpTo: number, holes: readonly Holes[]): number {
  let ahead = position - releasedUpTo - 1;
  for (const [last, count] of holes) if (last < position && last > releasedUpTo) ahead -= count;
  return Math.max(0, ahead);
}

/** Dense pre-queue numbering at the draw: offsets[s] is how many entries shards before s took. */
export function preQueueOffsets(counts: readonly number[]): number[] {
  const offsets: number[] = [];
  let sum = 0;
  for (const count of counts) {
    offsets.push(sum);
    sum += count;
  }
  return offsets;
}

/** The drawn entry number of shard `shard`'s entry `entry`, or null if that shard never gave it out. */
export function denseEntry(offsets: readonly number[], size: number, shard: number, entry: number): number | null {
  const from = offsets[shard];
  if (from === undefined || !Number.isInteger(entry) || entry < 1) return null;
  const to = shard + 1 < offsets.length ? offsets[shard + 1]! : size;
  return from + entry <= to ? from + entry : null;
}

// ---------------------------------------------------------------------------------------------
// Joins per address

/** Places one address may take a minute: a household or an office, not a lottery of pre-queue entries. */
export const JOINS_PER_IP_PER_MINUTE = 10;

export interface JoinWindow {
  windowStart: number;
  count: number;
}

/** Counts one join from an address into its one-minute window, or refuses it with the wait. */
export function countJoin(window: JoinWindow | undefined, now: number): { window: JoinWindow; retryAfterSeconds: number | null } {
  if (!window || now - window.windowStart >= 60_000) return { window: { windowStart: now, count: 1 }, retryAfterSeconds: null };
  if (window.count >= JOINS_PER_IP_PER_MINUTE) {
    return { window, retryAfterSeconds: Math.max(1, Math.ceil((window.windowStart + 60_000 - now) / 1000)) };
  }
  return { window: { windowStart: window.windowStart, count: window.count + 1 }, retryAfterSeconds: null };
}
