/** What WaitingRoom and its shards answer, and two small helpers for the draw's seed. */
import type { QueueTicket, RoomSettings } from "../workers/domain/admission";

export interface RoomConfig {
  eventId: string;
  settings: RoomSettings;
  tierIds: string[];
}


export type JoinOutcome =
  | { ok: true; ticket: QueueTicket; joinedAt: number }
  | { ok: false; code: "rate_limited"; retryAfterSeconds: number }
  | { ok: false; code: "not_open"; preQueueFrom: number }
  | { ok: false; code: "closed" | "not_configured" };

export type ClaimOutcome =
  | { ok: true; position: number; releasedAt: number; expiresAt: number }
  | { ok: false; code: "not_admitted" | "session_ended" | "not_configured" };

export interface RoomStats {
  joins: number;
  views: number;
  claims: number;
  lends: number;
  seals: number;
  waiting: number;
  active: number;
  admitted: number;
  admitted_last_minute: number;
  released_up_to: number;
  /** People let in so far (the watermark also passes holes: positions lent but never given out). */
  released: number;
  last_position: number;
  pre_queue_size: number;
  opened: boolean;
}

export interface Fairness {
  commitment: string;
  opened: boolean;
  seed: string | null;
  pre_queue_size: number | null;
  shard_entries: number[] | null;
}


export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function sha256Hex(text: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}
