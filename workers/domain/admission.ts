/**
 * The waiting room's rules, pure: when the room is open, how the pre-queue is drawn, how many
 * people may be let in at a given moment, and what a person in the queue is told. No runtime
 * imports; time always comes in as `now` (UTC milliseconds).
 *
 * Positions are 1-based. Before the sale opens, arrivals get a pre-queue *entry* number (1..N in
 * arrival order); at opening the entries are drawn into positions 1..N by `drawPreQueue(seed, N)`,
 * whose seed's SHA-256 was published before the first arrival. Everyone who joins after opening
 * gets the next position (N+1, N+2, ...): first come, first served. Admission moves one
 * watermark: every position up to `releasedUpTo` is let in.
 */

import { aheadOf, denseEntry, type Holes } from "./queue-shards";

export interface RoomSettings {
  enabled: boolean;
  /** When the pre-queue starts taking arrivals (sales start minus `opens_minutes_before`). */
  preQueueFrom: number;
  /** When admission starts: the sale's opening. */
  opensAt: number;
  /** When sales end; the room is closed from then on. */
  closesAt: number | null;
  admitPerMinute: number;
  maxActiveShoppers: number;
  sessionMinutes: number;
}

export type RoomPhase = "off" | "not_yet" | "pre_queue" | "open" | "closed";

/** Where the room stands by the clock alone (the object's own `opened` flag wins once it drew). */
export function roomPhase(settings: RoomSettings, now: number): RoomPhase {
  if (!settings.enabled) return "off";
  if (settings.closesAt !== null && now >= settings.closesAt) return "closed";
  if (now < settings.preQueueFrom) return "not_yet";
  if (now < settings.opensAt) return "pre_queue";
  return "open";
}

/** Register needs an access token whenever the room takes people: pre-queue and open. */
export function roomGuardsRegistration(settings: RoomSettings, now: number): boolean {
  const phase = roomPhase(settings, now);
  return phase === "pre_queue" || phase === "open";
}

// ---------------------------------------------------------------------------------------------
// The draw

/** Named in the fairness answer so anyone can re-run it. */
export const DRAW_ALGORITHM = "fisher-yates/xoshiro128**/v1";

/**
 * xoshiro128** seeded from a 256-bit hex seed: the 8 little-endian 32-bit words of the seed folded
 * pairwise (w0^w4, w1^w5, w2^w6, w3^w7) into the 128-bit state (all zero becomes 1, 0, 0, 0),
 * then 32 outputs discarded.
 */
export function seededGenerator(seedHex: string): () => number {
  if (!/^[0-9a-f]{64}$/.test(seedHex)) throw new Error("the draw seed must be 64 lowercase hex digits");
  const words: number[] = [];
  for (let i = 0; i < 8; i++) {
    const chunk = seedHex.slice(i * 8, i * 8 + 8);
    // little-endian bytes → one 32-bit word
    words.push((parseInt(chunk.slice(6, 8) + chunk.slice(4, 6) + chunk.slice(2, 4) + chunk.slice(0, 2), 16) >>> 0));
  }
  const s = [0, 1, 2, 3].map((i) => (words[i]! ^ words[i + 4]!) >>> 0);
  if (!s.some((w) => w !== 0)) s[0] = 1;
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const next = () => {
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2] = (s[2]! ^ s[0]!) >>> 0;
    s[3] = (s[3]! ^ s[1]!) >>> 0;
    s[1] = (s[1]! ^ s[2]!) >>> 0;
    s[0] = (s[0]! ^ s[3]!) >>> 0;
    s[2] = (s[2]! ^ t) >>> 0;
    s[3] = rotl(s[3]!, 11);
    return result;
  };
  // A weak (sparse) seed state takes a few rounds to mix; the first outputs are thrown away.
  for (let i = 0; i < WARM_UP_ROUNDS; i++) next();
  return next;
}

const WARM_UP_ROUNDS = 32;

/** An unbiased integer in [0, bound) by rejection sampling. */
function below(next: () => number, bound: number): number {
  const limit = Math.floor(0x1_0000_0000 / bound) * bound;
  for (;;) {
    const value = next();
    if (value < limit) return value % bound;
  }
}

/**
 * The pre-queue draw: `order[k]` is the entry number (1-based) placed at position k+1. Fisher–Yates
 * from the last index down, each swap partner drawn uniformly by `below`.
 */
export function drawPreQueue(seedHex: string, entries: number): Int32Array {
  const next = seededGenerator(seedHex);
  const order = new Int32Array(entries);
  for (let i = 0; i < entries; i++) order[i] = i + 1;
  for (let i = entries - 1; i > 0; i--) {
    const j = below(next, i + 1);
    const swap = order[i]!;
    order[i] = order[j]!;
    order[j] = swap;
  }
  return order;
}

/** The inverse of the draw: `positions[entry - 1]` is the position that entry drew. */
export function positionsOfEntries(seedHex: string, entries: number): Int32Array {
  const order = drawPreQueue(seedHex, entries);
  const positions = new Int32Array(entries);
  for (let k = 0; k < entries; k++) positions[order[k]! - 1] = k + 1;
  return positions;
}

// ---------------------------------------------------------------------------------------------
// Admission

/** How much unused admission credit may pile up: five seconds' worth, so an idle room cannot burst. */
export const BURST_SECONDS = 5;

export interface AdmissionInput {
  now: number;
  /** When credit was last counted (the opening, before the first tick). */
  lastTickAt: number;
  /** Fractional admissions owed and not yet given. */
  credit: number;
  admitPerMinute: number;
  maxActiveShoppers: number;
  /** Let in and neither finished nor past their session. */
  active: number;
  /** Positions handed out and not yet let in. */
  waiting: number;
  soldOut: boolean;
}

export interface AdmissionDecision {
  release: number;
  credit: number;
  lastTickAt: number;
}

/**
 * A token bucket: credit accrues at `admitPerMinute`, capped at BURST_SECONDS' worth (at least one
 * person); a tick lets in as many whole people as the credit, the free active slots and the queue
 * allow. A clock that goes backwards adds nothing, so running a tick twice lets in no one extra.
 */
export function admissionsDue(input: AdmissionInput): AdmissionDecision {
  const elapsed = Math.max(0, input.now - input.lastTickAt);
  const cap = Math.max(1, (input.admitPerMinute * BURST_SECONDS) / 60);
  const credit = Math.min(cap, input.credit + (elapsed * input.admitPerMinute) / 60_000);
  const lastTickAt = Math.max(input.now, input.lastTickAt);
  if (input.soldOut) return { release: 0, credit, lastTickAt };
  const free = Math.max(0, input.maxActiveShoppers - input.active);
  const release = Math.max(0, Math.min(Math.floor(credit), free, input.waiting));
  return { release, credit: credit - release, lastTickAt };
}

// ---------------------------------------------------------------------------------------------
// What a person in the queue is told

/** What the edge knows about a room, refreshed from the object about once a second. */
export interface RoomView {
  opened: boolean;
  closed: boolean;
  opensAt: number;
  releasedUpTo: number;
  /** The last position handed out. */
  lastPosition: number;
  preQueueSize: number;
  /** Revealed only once the draw is done. */
  seed: string | null;
  ticketsLeft: number | null;
  soldOut: boolean;
  admitPerMinute: number;
  /** After the draw: where each shard's pre-queue entries start in the drawn numbering. */
  preQueueOffsets: number[] | null;
  /** Sealed blocks past the watermark with positions nobody holds (workers/domain/queue-shards.ts). */
  holes: Holes[];
  /** When the next person is due in by the rate (UTC ms), null when nobody waits or the sale is sold out. */
  nextAdmissionAt: number | null;
}

/** A pre-queue entry is numbered by the shard it joined through until the draw numbers them all. */
export type QueueTicket = { kind: "pre"; entry: number; shard: number } | { kind: "position"; position: number };

export type QueueState = "pre_queue" | "waiting" | "admitted" | "sold_out" | "closed";

export interface QueueStanding {
  state: QueueState;
  position: number | null;
  ahead: number | null;
  estimatedWaitSeconds: number | null;
  pollAfterSeconds: number;
}

const MIN_POLL_SECONDS = 2;
const MAX_POLL_SECONDS = 30;

/** The seconds until `ahead` people are let in at the configured rate. */
export function estimatedWaitSeconds(ahead: number, admitPerMinute: number): number {
  return Math.ceil((Math.max(0, ahead) * 60) / admitPerMinute);
}

/**
 * Ask again after a tenth of the expected wait, between 2 and 30 s: people near the front learn
 * quickly that it is their turn, people far back do not load the edge for nothing.
 */
export function pollAfterSeconds(waitSeconds: number): number {
  return Math.min(MAX_POLL_SECONDS, Math.max(MIN_POLL_SECONDS, Math.round(waitSeconds / 10)));
}

/** The drawn entry number of a pre-queue ticket, once the draw is done. */
export function drawnEntryOf(ticket: QueueTicket, view: Pick<RoomView, "opened" | "preQueueSize" | "preQueueOffsets">): number | null {
  if (ticket.kind !== "pre" || !view.opened || !view.preQueueOffsets) return null;
  return denseEntry(view.preQueueOffsets, view.preQueueSize, ticket.shard, ticket.entry);
}

/** The position a ticket holds once the room is open, or null while the draw is pending. */
export function positionOf(ticket: QueueTicket, view: Pick<RoomView, "opened" | "preQueueSize" | "preQueueOffsets">, entryPositions: (entry: number) => number): number | null {
  if (ticket.kind === "position") return ticket.position;
  const entry = drawnEntryOf(ticket, view);
  return entry === null ? null : entryPositions(entry);
}

export function standingOf(position: number | null, view: RoomView, now: number): QueueStanding {
  if (view.closed) return { state: "closed", position, ahead: null, estimatedWaitSeconds: null, pollAfterSeconds: MAX_POLL_SECONDS };
  if (position === null) {
    const untilOpen = Math.max(0, Math.ceil((view.opensAt - now) / 1000));
    return { state: "pre_queue", position: null, ahead: null, estimatedWaitSeconds: untilOpen, pollAfterSeconds: pollAfterSeconds(untilOpen) };
  }
  if (position <= view.releasedUpTo) return { state: "admitted", position, ahead: 0, estimatedWaitSeconds: 0, pollAfterSeconds: MIN_POLL_SECONDS };
  const ahead = aheadOf(position, view.releasedUpTo, view.holes);
  if (view.soldOut) return { state: "sold_out", position, ahead, estimatedWaitSeconds: null, pollAfterSeconds: MAX_POLL_SECONDS };
  // Until the next admission, then one rate interval per person ahead; without a known next admission, the rate alone.
  const wait =
    view.nextAdmissionAt === null
      ? estimatedWaitSeconds(ahead + 1, view.admitPerMinute)
      : Math.max(0, Math.ceil((view.nextAdmissionAt - now) / 1000)) + estimatedWaitSeconds(ahead, view.admitPerMinute);
  // Polls follow the rate alone: a purchase can free a slot long before the first session ends.
  return { state: "waiting", position, ahead, estimatedWaitSeconds: wait, pollAfterSeconds: pollAfterSeconds(Math.min(wait, estimatedWaitSeconds(ahead + 1, view.admitPerMinute))) };
}

/**
 * When the next person is due in (UTC ms): by the rate once the credit reaches a whole person, or
 * when the first shopping slot frees if all are taken (a purchase may free one sooner). Null when
 * nobody waits or everything is sold.
 */
export function nextAdmissionAt(input: {
  now: number;
  lastTickAt: number;
  credit: number;
  admitPerMinute: number;
  waiting: number;
  soldOut: boolean;
  freeSlots: number;
  /** When the earliest running session ends (frees a slot), if any. */
  firstSessionEndsAt: number | null;
}): number | null {
  if (input.waiting <= 0 || input.soldOut) return null;
  const credit = Math.min(Math.max(1, (input.admitPerMinute * BURST_SECONDS) / 60), input.credit + (Math.max(0, input.now - input.lastTickAt) * input.admitPerMinute) / 60_000);
  const byRate = credit >= 1 ? input.now : input.now + Math.ceil(((1 - credit) * 60_000) / input.admitPerMinute);
  if (input.freeSlots > 0) return byRate;
  return input.firstSessionEndsAt === null ? null : Math.max(byRate, input.firstSessionEndsAt);
}
