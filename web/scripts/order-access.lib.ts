/**
 * Who may open an order: whoever holds its order token. The token never travels in a query string
 * (it would land in server logs, history and Referer headers); it lives in this tab's
 * sessionStorage, keyed by order id, and arrives there either from register's answer or from the
 * confirmation mail's link, which carries it in the fragment (`/order?order=<id>#token=...`) —
 * fragments are never sent to a server, and this page strips it from the address bar at once.
 */
import type { OrderView, PendingOrder } from "./api-client.lib";

/** The statuses of an order that was paid: its page is the tickets, not the checkout. */
export const PAID_STATUSES: ReadonlySet<OrderView["status"]> = new Set<OrderView["status"]>(["confirmed", "refunded", "partially_refunded"]);

const TOKEN_KEY = "admit-one.order-token.";
const NOTE_KEY = "admit-one.order-note.";
const PENDING_KEY = "admit-one.pending-order.";
const RETRY_KEY = "admit-one.retry-selection.";
const ATTENDEE_KEY = "admit-one.attendee";

function read<T>(key: string): T | undefined {
  try {
    const raw = sessionStorage.getItem(key);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  } catch {
    return undefined;
  }
}

function write(key: string, value: unknown): void {
  try {
    if (value === undefined) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage disabled or full: the pages explain a missing token when they need it
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The `?order=` of the current address, when it looks like an order id. */
export function orderIdFromUrl(): string | undefined {
  const id = new URLSearchParams(location.search).get("order")?.trim();
  return id && UUID.test(id) ? id : undefined;
}

/**
 * The order's token: a `#token=` in the address wins (and is moved into storage, then removed
 * from the address bar and history), otherwise the one this tab stored at registration.
 */
export function orderTokenFor(orderId: string): string | undefined {
  const fromLink = new URLSearchParams(location.hash.replace(/^#/, "")).get("token")?.trim();
  if (fromLink) {
    write(TOKEN_KEY + orderId, fromLink);
    history.replaceState(history.state, "", location.pathname + location.search);
    return fromLink;
  }
  return read<string>(TOKEN_KEY + orderId);
}

/** What register said that GET /orders/{id} does not repeat while the order is pending. */
export interface OrderNote {
  seats: string[];
  attendee_name: string;
  /** The code the order was made with: a hidden tier it unlocked is listed only with it. */
  promo_code?: string;
}

export function rememberOrder(order: PendingOrder, attendeeName: string, promoCode?: string): void {
  write(TOKEN_KEY + order.order_id, order.order_token);
  write(NOTE_KEY + order.order_id, { seats: order.seats ?? [], attendee_name: attendeeName, ...(promoCode ? { promo_code: promoCode } : {}) } satisfies OrderNote);
  if (order.hold_expires_at) rememberPendingOrder(order.event_id, { order_id: order.order_id, hold_expires_at: order.hold_expires_at });
}

export function orderNote(orderId: string): OrderNote | undefined {
  return read<OrderNote>(NOTE_KEY + orderId);
}

/** The order this tab still has on hold for an event, so its page can offer to finish it. */
export interface PendingOrderNote {
  order_id: string;
  hold_expires_at: string;
}

export function rememberPendingOrder(eventId: string, note: PendingOrderNote | undefined): void {
  write(PENDING_KEY + eventId, note);
}

export function pendingOrderOf(eventId: string): PendingOrderNote | undefined {
  const note = read<PendingOrderNote>(PENDING_KEY + eventId);
  if (!note || Date.parse(note.hold_expires_at) <= Date.now()) return undefined;
  return note;
}

/** The choice to restore on the event page after a declined card or an expired hold. */
export interface RetrySelection {
  tier_id: string;
  quantity: number;
  seats: string[];
}

export function rememberRetrySelection(eventId: string, selection: RetrySelection | undefined): void {
  write(RETRY_KEY + eventId, selection);
}

export function takeRetrySelection(eventId: string): RetrySelection | undefined {
  const selection = read<RetrySelection>(RETRY_KEY + eventId);
  write(RETRY_KEY + eventId, undefined);
  return selection;
}

/** Name and email, so a second attempt in this tab does not make the attendee type them again. */
export interface AttendeeDraft {
  name: string;
  email: string;
}

export function rememberAttendee(attendee: AttendeeDraft): void {
  write(ATTENDEE_KEY, attendee);
}

export function attendeeDraft(): AttendeeDraft | undefined {
  return read<AttendeeDraft>(ATTENDEE_KEY);
}
