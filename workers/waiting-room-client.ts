/**
 * The Worker's side of the WaitingRoom: the room's settings read from the event, the view of the
 * room every status poll is answered from, and the gate register goes through.
 *
 * The view is kept at three levels so that 50,000 pollers do not reach one object: this isolate's
 * memory, then the colo's Cache API, then the object — each for about a second. Concurrent misses
 * in one isolate share one fetch. Every answer says which level served it (`source`), which is how
 * the load test counts the polls that reached the object.
 */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { EventRow, TierRow } from "../db/queries/catalog";
import type { AppEnv } from "./context";
import type { Fairness, RoomConfig, WaitingRoom } from "../durable-objects/waiting-room";
import type { WaitingRoomShard } from "../durable-objects/waiting-room-shard";
import { shardOf } from "./domain/queue-shards";
import { readAccessToken, type QueueAccess } from "./auth/queue-tokens";
import { positionsOfEntries, roomGuardsRegistration, type RoomSettings, type RoomView } from "./domain/admission";
import { ApiError } from "./errors";
import { waitingRoomInput } from "./event-input";

/** What the waiting room's settings are read from: an event row, or the part of it a purchase reads. */
export type RoomEvent = Pick<EventRow, "id" | "status" | "waitingRoom" | "salesStartAt" | "salesEndAt" | "endsAt">;

export const VIEW_TTL_MS = 1_000;
export type ViewSource = "memory" | "cache" | "object";
export type CachedView = RoomView & { commitment: string };

export function roomOf(env: Env, eventId: string): DurableObjectStub<WaitingRoom> {
  return (env.WAITING_ROOM as unknown as DurableObjectNamespace<WaitingRoom>).getByName(eventId);
}

/** The join shard a caller goes through: by address when there is one (so its join limit is counted in one place), else by join id. */
export function roomShardOf(env: Env, eventId: string, key: string): { shard: number; stub: DurableObjectStub<WaitingRoomShard> } {
  const shard = shardOf(key);
  return { shard, stub: (env.WAITING_ROOM_SHARD as unknown as DurableObjectNamespace<WaitingRoomShard>).getByName(`${eventId}:${shard}`) };
}

/** The organizer's settings as the room needs them; anything unreadable means "no room". */
export function roomSettingsOf(event: RoomEvent): RoomSettings {
  const parsed = waitingRoomInput.safeParse(event.waitingRoom);
  const room = parsed.success ? parsed.data : { enabled: false, opens_minutes_before: 0, admit_per_minute: 1, max_active_shoppers: 1, session_minutes: 1 };
  const opensAt = event.salesStartAt?.getTime() ?? 0;
  return {
    enabled: room.enabled && event.status === "published",
    preQueueFrom: opensAt - room.opens_minutes_before * 60_000,
    opensAt,
    closesAt: Math.min(event.salesEndAt?.getTime() ?? Infinity, event.endsAt.getTime()),
    admitPerMinute: room.admit_per_minute,
    maxActiveShoppers: room.max_active_shoppers,
    sessionMinutes: room.session_minutes,
  };
}

/** Per event row read: the isolate keeps a row for a couple of seconds (sellable-tiers.ts), so the settings' schema runs once per read, not per join. */
const configs = new WeakMap<EventRow, RoomConfig>();

export function roomConfigOf(event: EventRow, tiers: TierRow[]): RoomConfig {
  const known = configs.get(event);
  if (known && known.tierIds.length === tiers.length) return known;
  const config = { eventId: event.id, settings: roomSettingsOf(event), tierIds: tiers.map((t) => t.id).sort() };
  configs.set(event, config);
  return config;
}

interface Remembered {
  fetchedAt: number;
  value: Promise<{ view: CachedView; fetchedAt: number; source: ViewSource }>;
}

const remembered = new Map<string, Remembered>();
const viewKey = (eventId: string) => new Request(`https://waiting-room.admit-one.internal/view/${eventId}`);

/** The room as of at most about a second ago. */
export async function roomView(env: Env, config: RoomConfig, now: number): Promise<{ view: CachedView; source: ViewSource }> {
  const hit = remembered.get(config.eventId);
  if (hit && now - hit.fetchedAt < VIEW_TTL_MS) {
    const { view } = await hit.value;
    return { view, source: "memory" };
  }
  const value = fetchView(env, config, now);
  if (remembered.size >= 500) remembered.delete(remembered.keys().next().value!);
  remembered.set(config.eventId, { fetchedAt: now, value });
  value.then(
    (v) => {
      // Count freshness from when the object answered, not from when this isolate asked.
      const current = remembered.get(config.eventId);
      if (current?.value === value) current.fetchedAt = v.fetchedAt;
    },
    () => remembered.delete(config.eventId),
  );
  const { view, source } = await value;
  return { view, source };
}

async function fetchView(env: Env, config: RoomConfig, now: number): Promise<{ view: CachedView; fetchedAt: number; source: ViewSource }> {
  const cached = await caches.default.match(viewKey(config.eventId));
  if (cached) {
    const fetchedAt = Number(cached.headers.get("X-Fetched-At"));
    if (Number.isFinite(fetchedAt) && now - fetchedAt < VIEW_TTL_MS) {
      return { view: (await cached.json()) as CachedView, fetchedAt, source: "cache" };
    }
  }
  const view = (await roomOf(env, config.eventId).view(config)) as unknown as CachedView;
  const fetchedAt = Date.now();
  await caches.default.put(
    viewKey(config.eventId),
    new Response(JSON.stringify(view), {
      headers: { "Content-Type": "application/json", "Cache-Control": `max-age=${Math.ceil(VIEW_TTL_MS / 1000)}`, "X-Fetched-At": String(fetchedAt) },
    }),
  );
  return { view, fetchedAt, source: "object" };
}

export async function roomFairness(env: Env, config: RoomConfig): Promise<Fairness> {
  return roomOf(env, config.eventId).fairness(config);
}

const drawn = new Map<string, Int32Array>();

/** Where a pre-queue entry landed in the draw; computed once per isolate per (seed, size). */
export function drawnPosition(seed: string, size: number, entry: number): number {
  const key = `${seed}:${size}`;
  let positions = drawn.get(key);
  if (!positions) {
    positions = positionsOfEntries(seed, size);
    if (drawn.size >= 8) drawn.delete(drawn.keys().next().value!);
    drawn.set(key, positions);
  }
  return positions[entry - 1]!;
}

export const ACCESS_HEADER = "X-Queue-Access";
export const ACCESS_COOKIE = "ao_queue_access";
export const QUEUE_COOKIE = "ao_queue";

/** The access token a register request carries: the header (apps), else the cookie (browsers). */
export function queueAccessOf(c: Context<AppEnv>): string | undefined {
  return c.req.header(ACCESS_HEADER) || getCookie(c, ACCESS_COOKIE) || undefined;
}

/**
 * Register's gate. While the event's room takes people, only a genuine, unexpired access token for
 * this event lets a registration through; otherwise QUEUE_REQUIRED. Returns the access, or null
 * when the room is not in the way.
 */
export async function requireQueueAccess(env: Env, event: EventRow, accessToken: string | undefined, now: Date): Promise<QueueAccess | null> {
  if (!roomGuardsRegistration(roomSettingsOf(event), now.getTime())) return null;
  const access = accessToken ? await readAccessToken(env.SIGNING_MASTER_KEY, event.id, accessToken, now.getTime()) : undefined;
  if (!access) {
    throw new ApiError(
      "QUEUE_REQUIRED",
      accessToken
        ? "Your turn in the waiting room has ended or this access is not valid. Join the queue again."
        : "Tickets for this event are sold through the waiting room. Join the queue first.",
      { queue_url: `/queue?event=${event.id}` },
    );
  }
  return access;
}

/**
 * Marks the pass as used for this order (its hold), in WaitingRoom's serialized step, or refuses:
 * one pass, one order at a time, none after a purchase (workers/domain/queue-pass.ts). Answers the
 * hold of the order this one replaces, which the caller must give back.
 */
export async function usePass(env: Env, event: EventRow, access: QueueAccess | null, holdId: string): Promise<{ replaces: string | null }> {
  if (!access) return { replaces: null };
  const used = await roomOf(env, event.id).usePass(access.position, holdId);
  if (used.ok) return { replaces: used.replaces };
  const message = {
    pass_used: "This waiting-room pass has already bought tickets. Join the queue again for another order.",
    session_ended: "Your turn in the waiting room has ended. Join the queue again.",
    not_admitted: "This waiting-room pass has not been admitted yet.",
  }[used.code];
  throw new ApiError("QUEUE_REQUIRED", message, { queue_url: `/queue?event=${event.id}`, reason: used.code });
}

/**
 * After the claim: the order keeps its units only if the pass is still its own. Two orders racing
 * through one pass both claim, and the one the pass moved away from gives its units back here (the
 * other side of the race releases it too, if its order was already written).
 */
export async function stillHoldsPass(env: Env, event: EventRow, access: QueueAccess | null, holdId: string): Promise<boolean> {
  if (!access) return true;
  return roomOf(env, event.id).holdsPass(access.position, holdId);
}

/** The order a pass bought with ended: paid spends the pass (its slot goes back to the queue); unpaid frees it to try again. */
export async function settleQueuePass(env: Env, event: RoomEvent, holdId: string | null, outcome: "paid" | "unpaid"): Promise<void> {
  if (!holdId || !roomSettingsOf(event).enabled) return;
  await roomOf(env, event.id)
    .settlePass(holdId, outcome)
    .catch((error: unknown) => console.warn(JSON.stringify({ level: "warn", where: "queue-pass", event_id: event.id, error: String(error) })));
}
