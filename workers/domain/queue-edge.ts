/**
 * Joins after the opening answered by the Worker isolate itself, pure (docs/waiting-room.md,
 * "Joins at the edge"). An isolate holds a block of positions lent by the coordinator and gives
 * them out in memory, in order, with no object call on the response path; it tells the coordinator
 * how many it gave out (a BlockReport) later, riding on its next lend or on a flush after the
 * block's last moment. No runtime imports; time comes in as `now`.
 *
 * Why it stays safe:
 * - No duplicate position: the coordinator lends each position once, and an isolate's JavaScript
 *   runs one step at a time, so `used++` hands each position to one join.
 * - FIFO to within BLOCK_MAX_AGE_MS: a block's positions are given out only until that long after
 *   the coordinator lent it (its clock, `lentAt`), and later lends hold higher positions.
 * - Release accounting never over-counts: the watermark never passes an edge block the
 *   coordinator has not heard about; a block whose isolate never reported (evicted) is sealed by
 *   the coordinator EDGE_REPORT_GRACE_MS after its last moment as if every position was given out,
 *   so its unused tail counts as people let in, never the other way round.
 */
import { BLOCK_MAX_AGE_MS, MAX_BLOCK_SIZE } from "./queue-shards";

/** The coordinator's shard number for blocks held by Worker isolates (it cannot ask them to seal). */
export const EDGE_SHARD = -1;

/** After a block's last moment, how long the coordinator waits for its isolate's report. */
export const EDGE_REPORT_GRACE_MS = 5_000;

/** Below this many joins a second an isolate asks for one position per join, exactly placed, and fetches nothing ahead. */
export const EDGE_BURST_JOINS_PER_SECOND = 20;

/** Lends an isolate aims for each second in a burst: a block is about a quarter second of its joins. */
const LENDS_PER_SECOND = 4;

export interface EdgeBlock {
  start: number;
  size: number;
  used: number;
  /** When the coordinator lent it, by the coordinator's clock. */
  lentAt: number;
  /** Positions the coordinator already counts as given out (the one taken at the lend, or none). */
  known: number;
}

/** Whether positions may still come out of the block at `now`. */
export function usable(block: EdgeBlock | null, now: number): block is EdgeBlock {
  return block !== null && block.used < block.size && now - block.lentAt < BLOCK_MAX_AGE_MS;
}

/** The next position of the block (and marks it given out), or null when it is full or too old. */
export function takeFrom(block: EdgeBlock | null, now: number): number | null {
  if (!usable(block, now)) return null;
  return block.start + block.used++;
}

/** The block size an isolate asks for: one while quiet, about a quarter second of its joins in a burst. */
export function edgeBlockWant(joinsLastSecond: number): number {
  if (joinsLastSecond < EDGE_BURST_JOINS_PER_SECOND) return 1;
  return Math.min(MAX_BLOCK_SIZE, Math.ceil(joinsLastSecond / LENDS_PER_SECOND));
}

/**
 * Whether to fetch the next block now, off the response path: only in a burst (a block fetched
 * ahead in a quiet room would mostly expire unused), when nothing is fetched ahead yet and the
 * current block is half used or half its life gone.
 */
export function shouldFetchAhead(input: { current: EdgeBlock | null; ahead: EdgeBlock | null; fetching: boolean; joinsLastSecond: number; now: number }): boolean {
  if (input.fetching || input.ahead !== null || input.joinsLastSecond < EDGE_BURST_JOINS_PER_SECOND) return false;
  const block = input.current;
  if (!usable(block, input.now)) return true;
  return block.used * 2 >= block.size || (input.now - block.lentAt) * 2 >= BLOCK_MAX_AGE_MS;
}

/** A sliding count of joins: the last full second's and the current one's. */
export interface JoinRate {
  windowStart: number;
  count: number;
  previous: number;
}

export function countEdgeJoin(rate: JoinRate, now: number): JoinRate {
  const elapsed = now - rate.windowStart;
  if (elapsed < 1_000) return { ...rate, count: rate.count + 1 };
  return { windowStart: now, count: 1, previous: elapsed < 2_000 ? rate.count : 0 };
}

export function joinsLastSecond(rate: JoinRate): number {
  return Math.max(rate.count, rate.previous);
}
