/**
 * The coordinator's decisions (durable-objects/waiting-room.ts loads, calls these, persists): one
 * release step over the token bucket and the blocks, the view the edge answers polls from, the
 * fairness answer, whether a claim is allowed, and when the next alarm is due. Pure; `now` passed in.
 */
import { admissionsDue, nextAdmissionAt, type RoomSettings, type RoomView } from "./admission";
import { advanceWatermark, holesOf, waitingAfter, type Block, type WatermarkMove } from "./queue-shards";

/** How many sealed blocks with holes a view carries; past that, "ahead" may count a few holes as people. */
export const MAX_VIEW_HOLES = 2_000;
export const TICK_MS = 1_000;
export const SOLD_OUT_TICK_MS = 5_000;

/** What the coordinator keeps about its room between calls. */
export interface RoomState {
  config: { eventId: string; settings: RoomSettings; tierIds: string[] } | null;
  seed: string;
  commitment: string;
  opened: boolean;
  preQueueSize: number;
  preQueueOffsets: number[] | null;
  /** The last position lent to a shard (the pre-queue's last position right after the draw). */
  lastPosition: number;
  releasedUpTo: number;
  credit: number;
  lastTickAt: number;
  ticketsLeft: number | null;
  soldOut: boolean;
  inventoryCheckedAt: number;
}

/** What the step needs besides the state: the blocks past the watermark and who is shopping now. */
export interface RoomFacts {
  blocks: readonly Block[];
  active: number;
  firstSessionEndsAt: number | null;
}

export interface ReleaseStep {
  move: WatermarkMove;
  credit: number;
  lastTickAt: number;
}

/**
 * Lets in whoever is due: the token bucket says how many, the watermark moves over given-out
 * positions only. Credit not used because an unsealed block stood in the way stays owed.
 */
export function releaseStep(state: RoomState, facts: RoomFacts, now: number): ReleaseStep {
  const settings = state.config?.settings;
  const none = { move: { releasedUpTo: state.releasedUpTo, released: 0, blockedAt: null }, credit: state.credit, lastTickAt: state.lastTickAt };
  if (!settings || !state.opened) return none;
  const decision = admissionsDue({
    now,
    lastTickAt: state.lastTickAt,
    credit: state.credit,
    admitPerMinute: settings.admitPerMinute,
    maxActiveShoppers: settings.maxActiveShoppers,
    active: facts.active,
    waiting: waitingAfter(state.releasedUpTo, state.preQueueSize, facts.blocks),
    soldOut: state.soldOut,
  });
  const move = advanceWatermark({ releasedUpTo: state.releasedUpTo, preQueueSize: state.preQueueSize, blocks: facts.blocks, want: decision.release });
  return { move, credit: decision.credit + (decision.release - move.released), lastTickAt: decision.lastTickAt };
}

/** The view every status poll is answered from (cached at the edge for about a second). */
export function roomViewOf(state: RoomState, facts: RoomFacts, closed: boolean, now: number): RoomView & { commitment: string } {
  const settings = state.config!.settings;
  const waiting = waitingAfter(state.releasedUpTo, state.preQueueSize, facts.blocks);
  return {
    opened: state.opened,
    closed,
    opensAt: settings.opensAt,
    releasedUpTo: state.releasedUpTo,
    lastPosition: state.lastPosition,
    preQueueSize: state.opened ? state.preQueueSize : 0,
    preQueueOffsets: state.opened ? state.preQueueOffsets : null,
    holes: holesOf(facts.blocks, state.releasedUpTo).slice(0, MAX_VIEW_HOLES),
    seed: state.opened ? state.seed : null,
    commitment: state.commitment,
    ticketsLeft: state.ticketsLeft,
    soldOut: state.soldOut,
    admitPerMinute: settings.admitPerMinute,
    nextAdmissionAt: state.opened
      ? nextAdmissionAt({
          now, lastTickAt: state.lastTickAt, credit: state.credit, admitPerMinute: settings.admitPerMinute, waiting,
          soldOut: state.soldOut, freeSlots: settings.maxActiveShoppers - facts.active, firstSessionEndsAt: facts.firstSessionEndsAt,
        })
      : null,
  };
}

/** The fairness answer: the commitment from the first moment, the seed, the size and each shard's entries once drawn. */
export function fairnessOf(state: RoomState): { commitment: string; opened: boolean; seed: string | null; pre_queue_size: number | null; shard_entries: number[] | null } {
  const { opened, preQueueOffsets: offsets, preQueueSize } = state;
  return {
    commitment: state.commitment,
    opened,
    seed: opened ? state.seed : null,
    pre_queue_size: opened ? preQueueSize : null,
    shard_entries: opened && offsets ? shardEntriesOf(offsets, preQueueSize) : null,
  };
}

/** Entries given out by each shard, from the draw's offsets. */
export function shardEntriesOf(offsets: readonly number[], preQueueSize: number): number[] {
  return offsets.map((from, s) => (s + 1 < offsets.length ? offsets[s + 1]! : preQueueSize) - from);
}

export type ClaimDecision =
  | { ok: true; releasedAt: number; expiresAt: number }
  | { ok: false; code: "not_admitted" | "session_ended" | "not_configured" };

/** An admitted position may take its access from its release until its session (counted from the release) ends, unless it bought. */
export function decideClaim(input: {
  configured: boolean;
  released: boolean;
  releasedAt: number | null;
  finished: boolean;
  sessionMinutes: number;
  now: number;
}): ClaimDecision {
  if (!input.configured) return { ok: false, code: "not_configured" };
  if (!input.released || input.releasedAt === null) return { ok: false, code: "not_admitted" };
  const expiresAt = input.releasedAt + input.sessionMinutes * 60_000;
  if (expiresAt <= input.now || input.finished) return { ok: false, code: "session_ended" };
  return { ok: true, releasedAt: input.releasedAt, expiresAt };
}

/**
 * When the one alarm should ring: at the opening while the pre-queue fills, every second while
 * anyone waits (every five while sold out, to notice units coming back), soon while mail is owed.
 * Null: no alarm needed.
 */
export function nextTickAt(input: { configured: boolean; opened: boolean; opensAt: number; waiting: number; soldOut: boolean; mailOwed: boolean; now: number }): number | null {
  if (!input.configured) return null;
  if (!input.opened) return input.opensAt;
  if (input.waiting > 0) return input.now + (input.soldOut ? SOLD_OUT_TICK_MS : TICK_MS);
  if (input.mailOwed) return input.now + TICK_MS;
  return null;
}
