/**
 * Joins after the opening, answered by this Worker isolate (docs/waiting-room.md, "Joins at the
 * edge"): positions come from a block the coordinator lent this isolate, held in module memory,
 * so a join in a burst makes no object call on its response path. The next block is fetched
 * ahead in `waitUntil`; what the isolate gave out of each finished block reaches the coordinator
 * on its next lend or in a flush after the block's last moment. Rules (and why it is safe):
 * workers/domain/queue-edge.ts. The per-address join limit is counted here, per isolate.
 */
import type { BlockReport } from "../durable-objects/waiting-room-shard";
import type { RoomConfig } from "../durable-objects/waiting-room-types";
import { BLOCK_MAX_AGE_MS, countJoin, type JoinWindow } from "./domain/queue-shards";
import { EDGE_SHARD, countEdgeJoin, edgeBlockWant, joinsLastSecond, shouldFetchAhead, takeFrom, usable, type EdgeBlock, type JoinRate } from "./domain/queue-edge";
import { roomOf } from "./waiting-room-client";

interface EdgeRoom {
  current: EdgeBlock | null;
  ahead: EdgeBlock | null;
  fetching: Promise<void> | null;
  /** Finished blocks and how many of their positions went out, until the coordinator has them. */
  reports: BlockReport[];
  rate: JoinRate;
  flushAt: number | null;
}

const rooms = new Map<string, EdgeRoom>();
const joinsByIp = new Map<string, JoinWindow>();

interface Ctx {
  waitUntil(promise: Promise<unknown>): void;
}

function roomFor(eventId: string): EdgeRoom {
  let room = rooms.get(eventId);
  if (!room) {
    if (rooms.size >= 100) rooms.delete(rooms.keys().next().value!);
    room = { current: null, ahead: null, fetching: null, reports: [], rate: { windowStart: 0, count: 0, previous: 0 }, flushAt: null };
    rooms.set(eventId, room);
  }
  return room;
}

/** Counts a join from an address in this isolate's one-minute window; the wait in seconds when over the limit. */
export function edgeJoinLimit(ip: string, now: number): number | null {
  const counted = countJoin(joinsByIp.get(ip), now);
  if (counted.retryAfterSeconds !== null) return counted.retryAfterSeconds;
  if (joinsByIp.size > 50_000) for (const [key, value] of joinsByIp) if (now - value.windowStart >= 60_000) joinsByIp.delete(key);
  joinsByIp.set(ip, counted.window);
  return null;
}

/** While another join's lend is out, a join waits for it, holding a timer of its own: workerd cancels a request that only awaits another request's I/O as hung. */
const WAIT_STEP_MS = 10;

/**
 * A position for a join after the opening: from this isolate's block; or, with nothing in hand
 * (first join, quiet room, or the block fetched ahead not back yet), from the lend already out, or
 * from a lend this join asks for and takes the first position of. One lend at a time per isolate
 * and room, so a burst arriving at once makes one call, not one per join.
 */
export async function edgePosition(env: Env, ctx: Ctx, config: RoomConfig): Promise<number> {
  const room = roomFor(config.eventId);
  room.rate = countEdgeJoin(room.rate, Date.now());
  for (;;) {
    const now = Date.now();
    const position = takeFrom(room.current, now) ?? takeFrom(promote(room, now), now);
    if (position !== null) {
      fetchAheadIfDue(env, ctx, config, room, now);
      scheduleFlush(env, ctx, config, room);
      return position;
    }
    if (room.fetching) {
      await Promise.race([room.fetching.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS))]);
      continue;
    }
    closeExpired(room, now);
    let mine = 0;
    await track(room, lend(env, config, room, edgeBlockWant(joinsLastSecond(room.rate)), true).then((lent) => {
      mine = lent.start;
      closeBlock(room, room.current);
      room.current = { ...lent, used: 1, known: 1 };
    }));
    scheduleFlush(env, ctx, config, room);
    return mine;
  }
}

/** Marks the room's one lend in flight until it settles. */
function track(room: EdgeRoom, call: Promise<void>): Promise<void> {
  const tracked = call.finally(() => {
    if (room.fetching === tracked) room.fetching = null;
  });
  room.fetching = tracked;
  return tracked;
}

/** The block fetched ahead becomes current once the current one is done. */
function promote(room: EdgeRoom, now: number): EdgeBlock | null {
  if (usable(room.current, now) || !room.ahead) return null;
  closeBlock(room, room.current);
  room.current = room.ahead;
  room.ahead = null;
  return room.current;
}

function closeBlock(room: EdgeRoom, block: EdgeBlock | null): void {
  if (!block) return;
  // A full block the coordinator already counts in full (one position, taken at the lend) needs no word.
  if (block.used > block.known || block.used < block.size) room.reports.push({ start: block.start, used: block.used });
  if (room.current === block) room.current = null;
  if (room.ahead === block) room.ahead = null;
}

/** Blocks past their last moment (or full) give no more positions: their counts become reports. */
function closeExpired(room: EdgeRoom, now: number): void {
  if (room.current && !usable(room.current, now)) closeBlock(room, room.current);
  if (room.ahead && now - room.ahead.lentAt >= BLOCK_MAX_AGE_MS) closeBlock(room, room.ahead);
}

async function lend(env: Env, config: RoomConfig, room: EdgeRoom, want: number, taking: boolean): Promise<{ start: number; size: number; lentAt: number }> {
  const sent = room.reports;
  room.reports = [];
  try {
    return await roomOf(env, config.eventId).lend(config, EDGE_SHARD, sent, want, taking);
  } catch (error) {
    // Not taken: sent again with the next call (the coordinator applies a report once).
    room.reports.unshift(...sent);
    throw error;
  }
}

function fetchAheadIfDue(env: Env, ctx: Ctx, config: RoomConfig, room: EdgeRoom, now: number): void {
  const rate = joinsLastSecond(room.rate);
  if (!shouldFetchAhead({ current: room.current, ahead: room.ahead, fetching: room.fetching !== null, joinsLastSecond: rate, now })) return;
  const fetching = track(room, lend(env, config, room, edgeBlockWant(rate), false).then((lent) => {
    room.ahead = { ...lent, used: 0, known: 0 };
  }));
  ctx.waitUntil(fetching.catch((error: unknown) => console.warn(JSON.stringify({ level: "warn", where: "queue-edge", event_id: config.eventId, error: String(error) }))));
}

/**
 * After the last moment of the blocks in hand, report what they gave out, so the watermark need
 * not wait for the coordinator's grace. One flush waits per room and isolate.
 */
function scheduleFlush(env: Env, ctx: Ctx, config: RoomConfig, room: EdgeRoom): void {
  const last = Math.max(room.current?.lentAt ?? 0, room.ahead?.lentAt ?? 0);
  if (last === 0 && room.reports.length === 0) return;
  const at = Math.max(last + BLOCK_MAX_AGE_MS, Date.now()) + 20;
  if (room.flushAt !== null && room.flushAt >= at) return;
  room.flushAt = at;
  const flush = (async () => {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
    if (room.flushAt !== at) return; // a later flush was booked
    room.flushAt = null;
    closeExpired(room, Date.now());
    if (room.reports.length === 0) return;
    const sent = room.reports;
    room.reports = [];
    try {
      await roomOf(env, config.eventId).report(sent);
    } catch (error) {
      room.reports.unshift(...sent);
      throw error;
    }
  })();
  ctx.waitUntil(flush.catch((error: unknown) => console.warn(JSON.stringify({ level: "warn", where: "queue-edge-flush", event_id: config.eventId, error: String(error) }))));
}
