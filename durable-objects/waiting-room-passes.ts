/**
 * The coordinator's (WaitingRoom's) access claims and passes, run inside its serialized steps:
 * an admitted position takes its access once, register binds the pass to one order at a time,
 * payment spends it. Loads from RoomStore, decides in workers/domain/queue-room.ts and
 * queue-pass.ts, persists; the caller supplies what only the object knows (is a position released,
 * and `finish`, which also moves the watermark).
 */
import { decidePassUse, type PassUse } from "../workers/domain/queue-pass";
import { decideClaim, type RoomState } from "../workers/domain/queue-room";
import type { RoomStore } from "./waiting-room-store";
import type { ClaimOutcome } from "./waiting-room-types";

export interface PassRoom {
  store: RoomStore;
  state: RoomState;
  isReleased(position: number): boolean;
  finish(position: number): Promise<{ ok: true; freed: boolean }>;
}

/** An admitted position asks for its access: allowed once released, until its session (counted from the release) ends. */
export function claimAccess(room: PassRoom, position: number, now: number): ClaimOutcome {
  const released = room.isReleased(position);
  const decision = decideClaim({
    configured: room.state.config !== null,
    released,
    releasedAt: released ? (room.store.releaseOf(position)?.released_at ?? null) : null,
    finished: Boolean(room.store.admission(position)?.finished_at),
    sessionMinutes: room.state.config?.settings.sessionMinutes ?? 0,
    now,
  });
  if (!decision.ok) return decision;
  room.store.claim(position, now);
  return { ok: true, position, releasedAt: decision.releasedAt, expiresAt: decision.expiresAt };
}

/** Register's check of a pass, in the same serialized step that marks it (workers/domain/queue-pass.ts). */
export function usePass(room: PassRoom, position: number, holdId: string, now: number): PassUse {
  const config = room.state.config;
  if (!config || !room.isReleased(position)) return { ok: false, code: "not_admitted" };
  const release = room.store.releaseOf(position);
  const pass = room.store.admission(position);
  const decision = decidePassUse({
    pass: pass && { finishedAt: pass.finished_at, holdId: pass.hold_id },
    holdId,
    sessionEndsAt: release ? release.released_at + config.settings.sessionMinutes * 60_000 : 0,
    now,
  });
  if (decision.ok && decision.bind) room.store.bindPass(position, holdId, now);
  return decision.ok ? { ok: true, replaces: decision.replaces } : decision;
}

/** Whether the pass is (still) used for this order: a later order may have taken it over meanwhile. */
export function holdsPass(room: PassRoom, position: number, holdId: string): boolean {
  return room.store.admission(position)?.hold_id === holdId;
}

/** Paid: the pass is spent and its slot goes back to the queue; unpaid: the pass may buy again while its session lasts. */
export async function settlePass(room: PassRoom, holdId: string, outcome: "paid" | "unpaid"): Promise<{ ok: true; settled: boolean }> {
  const position = room.store.positionHolding(holdId);
  if (position === undefined) return { ok: true, settled: false };
  if (outcome === "paid") return { ok: true, settled: (await room.finish(position)).freed };
  room.store.unbindPass(position);
  return { ok: true, settled: true };
}
