/**
 * Who may open a waitlist entry: whoever holds its entry token. Like an order token it never rides
 * in a query string; the join hands it to the waitlist page in the fragment
 * (`/waitlist?entry=<id>#token=...`), which moves it into storage and wipes it from the address bar.
 *
 * Unlike order tokens it is kept in localStorage, not sessionStorage: a place on a waitlist lasts
 * days, no mail carries the entry link, and closing the tab must not lose the way back to it. The
 * token can only show the entry and leave it; buying needs the offer, which the mail also carries.
 *
 * Accepting an offer answers like register, so it hands over to the checkout exactly as the
 * purchase form does: the order token into this tab's storage, then `/checkout?order=<id>`.
 */
import type { InferRequestType } from "hono/client";
import { answer, apiClient, type Answer } from "./api-client.lib";
import { PAID_STATUSES, rememberAttendee, rememberOrder } from "./order-access.lib";

type EntryCalls = (typeof apiClient.waitlist)[":entryId"];
type OfferCalls = (typeof apiClient.waitlist.offers)[":offerToken"];
type JoinCall = (typeof apiClient.events)[":eventId"]["waitlist"]["$post"];

/** GET /waitlist/{id} (and DELETE's answer). */
export type WaitlistEntry = Answer<EntryCalls["$get"]>;
/** The join's answer: the entry with its `entry_token`. */
export type JoinedEntry = Answer<JoinCall>;
export type WaitlistStatus = WaitlistEntry["status"];
/** GET /waitlist/offers/{token}: what the offer holds, for the offer page. */
export type WaitlistOffer = Answer<OfferCalls["$get"]>;
export type JoinRequest = InferRequestType<JoinCall>["json"];

const TOKEN_KEY = "admit-one.waitlist-token.";
const NOTE_KEY = "admit-one.waitlist-note.";

function read<T>(key: string): T | undefined {
  try {
    const raw = localStorage.getItem(key);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  } catch {
    return undefined;
  }
}

function write(key: string, value: unknown): void {
  try {
    if (value === undefined) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // storage disabled: the page still works until it is closed (the token is in memory)
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The `?entry=` of the current address, when it looks like an entry id. */
export function entryIdFromUrl(): string | undefined {
  const id = new URLSearchParams(location.search).get("entry")?.trim();
  return id && UUID.test(id) ? id : undefined;
}

/** A `#token=` in the address, removed from the address bar and history as it is read. */
export function takeTokenFromFragment(): string | undefined {
  const token = new URLSearchParams(location.hash.replace(/^#/, "")).get("token")?.trim();
  if (token) history.replaceState(history.state, "", location.pathname + location.search);
  return token || undefined;
}

/** The entry's token: from the address (then stored), otherwise the one stored at joining. */
export function entryTokenFor(entryId: string): string | undefined {
  const fromLink = takeTokenFromFragment();
  if (fromLink) {
    write(TOKEN_KEY + entryId, fromLink);
    return fromLink;
  }
  return read<string>(TOKEN_KEY + entryId);
}

const OFFER_KEY = "admit-one.offer-token";

/**
 * The offer page's token: from the mail link's fragment (kept in this tab's sessionStorage so a
 * reload still works after the address bar was wiped), otherwise the one this tab saw last.
 */
export function offerTokenFromPage(): string | undefined {
  const fromLink = takeTokenFromFragment();
  try {
    if (fromLink) sessionStorage.setItem(OFFER_KEY, fromLink);
    return fromLink ?? sessionStorage.getItem(OFFER_KEY) ?? undefined;
  } catch {
    return fromLink;
  }
}

/** What the waitlist page shows that GET /waitlist/{id} does not repeat. */
export interface EntryNote {
  attendee_name: string;
  tier_name: string;
  event_title: string;
}

export function entryNote(entryId: string): EntryNote | undefined {
  return read<EntryNote>(NOTE_KEY + entryId);
}

/** Forgets an entry that has ended (left, expired, bought): its token opens nothing useful any more. */
export function forgetEntry(entryId: string): void {
  write(TOKEN_KEY + entryId, undefined);
  write(NOTE_KEY + entryId, undefined);
}

export function waitlistPage(entryId: string, token?: string): string {
  return `/waitlist?entry=${encodeURIComponent(entryId)}${token ? `#token=${encodeURIComponent(token)}` : ""}`;
}

/**
 * Joins a tier's waitlist. Joining twice with the same email answers with the same entry (200), so
 * a double click or a retry after a lost answer is harmless.
 */
export async function joinWaitlist(eventId: string, request: JoinRequest, note: Omit<EntryNote, "attendee_name">): Promise<JoinedEntry> {
  const entry = await answer(apiClient.events[":eventId"].waitlist.$post({ param: { eventId: encodeURIComponent(eventId) }, json: request }));
  write(NOTE_KEY + entry.entry_id, { ...note, attendee_name: request.attendee.name } satisfies EntryNote);
  rememberAttendee(request.attendee);
  return entry;
}

const entryAuth = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

/** The entry as it stands, authorized by the entry token. */
export function readEntry(entryId: string, token: string): Promise<WaitlistEntry> {
  return answer(apiClient.waitlist[":entryId"].$get({ param: { entryId: encodeURIComponent(entryId) } }, entryAuth(token)));
}

/** Leaves the waitlist; answers with the entry, now `left`. */
export function leaveEntry(entryId: string, token: string): Promise<Answer<EntryCalls["$delete"]>> {
  return answer(apiClient.waitlist[":entryId"].$delete({ param: { entryId: encodeURIComponent(entryId) } }, entryAuth(token)));
}

export function describeOffer(offerToken: string): Promise<WaitlistOffer> {
  return answer(apiClient.waitlist.offers[":offerToken"].$get({ param: { offerToken: encodeURIComponent(offerToken) } }));
}

/**
 * Turns the offer's hold into a pending order (idempotent: accepting again returns the same order)
 * and opens the usual checkout for it (or the tickets, when it was paid already). Rejects with the
 * API's refusal; on success the page is leaving and the promise never settles.
 */
export async function acceptOfferAndCheckout(offerToken: string, attendeeName = ""): Promise<never> {
  const order = await answer(apiClient.waitlist.offers[":offerToken"].accept.$post({ param: { offerToken: encodeURIComponent(offerToken) } }));
  rememberOrder(order, attendeeName);
  location.assign(`/${PAID_STATUSES.has(order.status) ? "order" : "checkout"}?order=${encodeURIComponent(order.order_id)}`);
  return new Promise<never>(() => {});
}
