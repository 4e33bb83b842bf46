/**
 * What the coordinator (WaitingRoom) asks other objects: its join shards (close the pre-queue at
 * the draw, seal an open block) and the event's TierInventory objects (what is left to sell, kept
 * in the room's state at most once a second).
 */
import { SHARDS } from "../workers/domain/queue-shards";
import type { RoomState } from "../workers/domain/queue-room";
import type { TierInventory } from "./tier-inventory";
import type { BlockReport, WaitingRoomShard } from "./waiting-room-shard";

function shard(env: Env, eventId: string, k: number): DurableObjectStub<WaitingRoomShard> {
  return (env.WAITING_ROOM_SHARD as unknown as DurableObjectNamespace<WaitingRoomShard>).getByName(`${eventId}:${k}`);
}

/** The draw is due: every shard stops numbering entries and says how many it gave out, in shard order. */
export async function closePreQueues(env: Env, eventId: string): Promise<number[]> {
  const counts = await Promise.all(Array.from({ length: SHARDS }, (_, k) => shard(env, eventId, k).closePreQueue()));
  return counts.map((c) => c.entries);
}

/** Asks each shard to stop using its open block and say how far it got (its unsent reports too). */
export async function sealShards(env: Env, eventId: string, shards: readonly number[]): Promise<BlockReport[][]> {
  return Promise.all(shards.map((k) => shard(env, eventId, k).seal()));
}

/** Units left across the tiers (held counts as unavailable); null while a tier is not set up yet. */
export async function ticketsLeftOf(env: Env, tierIds: readonly string[]): Promise<number | null> {
  const namespace = env.TIER_INVENTORY as unknown as DurableObjectNamespace<TierInventory>;
  const snapshots = await Promise.all(tierIds.map((id) => namespace.getByName(id).snapshot()));
  if (snapshots.some((s) => !s.configured)) return null;
  return snapshots.reduce((sum, s) => sum + s.available, 0);
}

const INVENTORY_REFRESH_MS = 1_000;

/** Asks every tier what is left, at most once a second, into the room's state; a tier not set up yet leaves the figure unknown. */
export async function refreshInventory(env: Env, state: RoomState, now: number): Promise<void> {
  const config = state.config;
  if (!config || config.tierIds.length === 0 || now - state.inventoryCheckedAt < INVENTORY_REFRESH_MS) return;
  state.inventoryCheckedAt = now;
  state.ticketsLeft = await ticketsLeftOf(env, config.tierIds);
  state.soldOut = state.ticketsLeft === 0;
}
