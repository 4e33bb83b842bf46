/**
 * The waiting room's tokens as a tab keeps them: the queue token (which place is ours, also held in
 * an HttpOnly cookie by the API) and, once admitted, the access token with its expiry. The event
 * page reads the access to decide whether to show the purchase form or send the visitor to the queue.
 * localStorage for the place (a reload or a new tab keeps it), sessionStorage for the access.
 */
import type { SaleEvent } from "./api-client.lib";

const PLACE_KEY = "admit-one.queue-token.";
const ACCESS_KEY = "admit-one.queue-access.";

export interface QueueAccess {
  token: string;
  expires_at: string;
}

function read(storage: () => Storage, key: string): string | undefined {
  try {
    return storage().getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

function write(storage: () => Storage, key: string, value: string | undefined): void {
  try {
    if (value === undefined) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // storage disabled: the API's cookies still hold the place and the access
  }
}

export const storedQueueToken = (eventId: string) => read(() => localStorage, PLACE_KEY + eventId);
export const rememberQueueToken = (eventId: string, token: string | undefined) => write(() => localStorage, PLACE_KEY + eventId, token);

export function rememberQueueAccess(eventId: string, access: QueueAccess): void {
  write(() => sessionStorage, ACCESS_KEY + eventId, JSON.stringify(access));
}

/** The access still running for this event in this tab, if any. */
export function currentQueueAccess(eventId: string, now = Date.now()): QueueAccess | undefined {
  const raw = read(() => sessionStorage, ACCESS_KEY + eventId);
  if (!raw) return undefined;
  try {
    const access = JSON.parse(raw) as QueueAccess;
    return Date.parse(access.expires_at) > now ? access : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the room takes people now: from `opens_minutes_before` ahead of the sale to its end. */
export function roomIsActive(event: Pick<SaleEvent, "waiting_room" | "sales_start_at" | "sales_end_at" | "ends_at" | "status">, now = Date.now()): boolean {
  const room = event.waiting_room;
  if (!room?.enabled || event.status !== "published") return false;
  const opensAt = event.sales_start_at ? Date.parse(event.sales_start_at) : 0;
  const from = opensAt - (room.opens_minutes_before ?? 30) * 60_000;
  const until = Math.min(event.sales_end_at ? Date.parse(event.sales_end_at) : Infinity, Date.parse(event.ends_at));
  return now >= from && now < until;
}
