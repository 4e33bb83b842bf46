/**
 * The waitlist, from the attendee's side: join (directly, or when register finds the tier sold out),
 * see where you are, leave, and accept an offer — which turns the offer's hold into a pending order
 * that is paid like any other.
 *
 * TierInventory keeps the queue and makes the offers; the ledger's row is written at join (for the
 * dashboard, the mail and recovery) and follows TierInventory's notices through the Queue.
 */
import type { HttpDatabase } from "../../db/client";
import { findPublishedEvent, listTiersOfEvents } from "../../db/queries/catalog";
import { findOrderByIdempotencyKey, insertPendingOrderAtomically, itemsOfOrder, upsertAttendee, type OrderRow } from "../../db/queries/orders";
import { findActiveEntry, findWaitlistEntry, insertWaitlistEntry, setEntryStatus, type WaitlistEntryRow } from "../../db/queries/waitlist";
import type { JoinOutcome, WaitlistEntryView } from "../../durable-objects/tier-inventory";
import { entryOfOfferToken, entryToken, offerToken } from "../auth/order-tokens";
import { ApiError, validationFailed } from "../errors";
import { configureInventory, inventoryOf, waitlistSettings } from "../inventory-client";
import { eventCancelled, presentPendingOrder, type RegisteredOrder } from "./register-order";
import { clientKeyOf } from "../client-address";
import { purchaseLimitsOf } from "../event-input";

export interface JoinInput {
  tier_id: string;
  quantity: number;
  attendee: { email: string; name: string };
}

export interface JoinedEntry {
  created: boolean;
  body: Awaited<ReturnType<typeof presentEntry>>;
}

export async function presentEntry(env: Env, row: WaitlistEntryRow, live: WaitlistEntryView | undefined, withToken: boolean, orderId: string | null = null) {
  const status = live?.status ?? row.status;
  return {
    entry_id: row.id,
    event_id: row.eventId,
    tier_id: row.tierId,
    quantity: row.quantity,
    status,
    position: live?.position ?? 0,
    offer_expires_at: status === "offered" && live?.offer_expires_at ? new Date(live.offer_expires_at).toISOString() : null,
    offer_seats: status === "offered" ? (live?.seats ?? []) : [],
    // The entrant may buy from the status page as well as from the mail's link.
    offer_token: status === "offered" ? await offerToken(env.SIGNING_MASTER_KEY, row.id) : null,
    joined_at: row.createdAt.toISOString(),
    // The order the offer became, once accepted (its tickets are on the order page).
    order_id: orderId,
    ...(withToken ? { entry_token: await entryToken(env.SIGNING_MASTER_KEY, row.id) } : {}),
  };
}

async function joinInventory(
  env: Env,
  db: HttpDatabase,
  eventId: string,
  tierId: string,
  request: { entryId: string; quantity: number; client?: string | null; maxUnitsPerClient?: number },
): Promise<JoinOutcome> {
  const outcome = await inventoryOf(env, tierId).joinWaitlist(request);
  if (outcome.ok || outcome.code !== "not_configured") return outcome;
  await configureInventory(env, db, eventId, tierId);
  return inventoryOf(env, tierId).joinWaitlist(request);
}

export async function joinWaitlist(env: Env, db: HttpDatabase, eventId: string, input: JoinInput, now: Date, clientAddress?: string): Promise<JoinedEntry> {
  const event = await findPublishedEvent(db, eventId);
  if (event?.status === "cancelled") throw eventCancelled();
  if (!event || event.status !== "published") throw new ApiError("NOT_FOUND", "No event on sale has this id.");
  if (!waitlistSettings(event.waitlist).enabled) throw new ApiError("WAITLIST_DISABLED", "This event has no waitlist.");
  if ((event.salesEndAt && now >= event.salesEndAt) || now >= event.endsAt) throw new ApiError("SALES_NOT_OPEN", "Sales for this event have ended.");
  const tier = (await listTiersOfEvents(db, [event.id])).find((t) => t.id === input.tier_id);
  if (!tier) throw validationFailed([{ field: "tier_id", message: "This event has no tier with this id." }]);
  if (input.quantity > tier.maxPerOrder) {
    throw validationFailed([{ field: "quantity", message: `At most ${tier.maxPerOrder} tickets of this tier per order.` }]);
  }
  const attendeeId = await upsertAttendee(db, input.attendee);
  const active = await findActiveEntry(db, tier.id, attendeeId);
  if (active) return { created: false, body: await presentEntry(env, active, await inventoryOf(env, tier.id).waitlistEntry(active.id), true) };

  const entryId = crypto.randomUUID();
  // One entry per buyer per tier (the ledger's unique index); per client address, the event's cap on
  // units held at once also bounds the units waiting (workers/domain/waitlist.ts).
  const client = await clientKeyOf(env.SIGNING_MASTER_KEY, clientAddress);
  const maxUnitsPerClient = Math.max(purchaseLimitsOf(event).maxHeldPerClient, tier.maxPerOrder);
  const joined = await joinInventory(env, db, event.id, tier.id, { entryId, quantity: input.quantity, client, maxUnitsPerClient });
  if (!joined.ok) {
    switch (joined.code) {
      case "waitlist_disabled":
        throw new ApiError("WAITLIST_DISABLED", "This event has no waitlist.");
      case "closed":
        throw eventCancelled();
      case "client_limit":
        throw new ApiError("HOLD_LIMIT_REACHED", `Too many waitlist places for this tier come from your network already (at most ${joined.limit} tickets).`, {
          scope: "client",
          limit: joined.limit,
          held: joined.held,
        });
      case "invalid":
        throw validationFailed([{ field: "quantity", message: joined.message }]);
      case "not_configured":
        throw new Error(`inventory of tier ${tier.id} is still not configured`);
    }
  }
  let row: WaitlistEntryRow | undefined;
  try {
    row = await insertWaitlistEntry(db, {
      id: entryId,
      eventId: event.id,
      tierId: tier.id,
      attendeeId,
      attendeeName: input.attendee.name,
      quantity: input.quantity,
      position: joined.entry.seq,
      status: "waiting",
      entryTokenHash: "derived",
    });
  } catch (error) {
    await inventoryOf(env, tier.id).leaveWaitlist(entryId);
    throw error;
  }
  if (!row) {
    // The same attendee joined this tier at the same moment and was written first: one place each.
    await inventoryOf(env, tier.id).leaveWaitlist(entryId);
    const winner = (await findActiveEntry(db, tier.id, attendeeId))!;
    return { created: false, body: await presentEntry(env, winner, await inventoryOf(env, tier.id).waitlistEntry(winner.id), true) };
  }
  return { created: true, body: await presentEntry(env, row, joined.entry, true) };
}

export async function waitlistEntryStatus(env: Env, db: HttpDatabase, entry: WaitlistEntryRow) {
  const [live, order] = await Promise.all([inventoryOf(env, entry.tierId).waitlistEntry(entry.id), offerOrder(db, entry)]);
  return presentEntry(env, entry, live, false, order?.id ?? null);
}

function offerOrder(db: HttpDatabase, entry: WaitlistEntryRow) {
  return findOrderByIdempotencyKey(db, { attendeeId: entry.attendeeId, eventId: entry.eventId, tierId: entry.tierId, idempotencyKey: `waitlist:${entry.id}` });
}

export async function leaveWaitlist(env: Env, db: HttpDatabase, entry: WaitlistEntryRow) {
  const left = await inventoryOf(env, entry.tierId).leaveWaitlist(entry.id);
  if (left.ok && left.entry.status === "left") await setEntryStatus(db, entry.id, "left");
  return presentEntry(env, (await findWaitlistEntry(db, entry.id))!, left.ok ? left.entry : undefined, false);
}

/** What an offer link holds, for the offer page: the event, the units, the price and the deadline. */
export async function describeOffer(env: Env, db: HttpDatabase, token: string) {
  const entryId = await entryOfOfferToken(env.SIGNING_MASTER_KEY, token);
  if (!entryId) throw new ApiError("UNAUTHENTICATED", "This offer link is not valid. Use the link from your offer mail.");
  const entry = await findWaitlistEntry(db, entryId);
  if (!entry) throw new ApiError("NOT_FOUND", "This offer no longer exists.");
  const [event, tiers, live, order] = await Promise.all([
    findPublishedEvent(db, entry.eventId),
    listTiersOfEvents(db, [entry.eventId]),
    inventoryOf(env, entry.tierId).waitlistEntry(entry.id),
    offerOrder(db, entry),
  ]);
  const tier = tiers.find((t) => t.id === entry.tierId)!;
  return {
    entry_id: entry.id,
    status: live?.status ?? entry.status,
    event_id: entry.eventId,
    event_title: event?.title ?? null,
    starts_at: event?.startsAt.toISOString() ?? null,
    timezone: event?.timezone ?? null,
    tier_id: tier.id,
    tier_name: tier.name,
    quantity: entry.quantity,
    seats: live?.seats ?? [],
    amount: tier.price * entry.quantity,
    currency: tier.currency,
    offer_expires_at: live?.offer_expires_at ? new Date(live.offer_expires_at).toISOString() : null,
    offer_minutes: waitlistSettings(event?.waitlist).offerMinutes,
    // Set once the offer was accepted: the order to pay (its token comes with accept).
    order_id: order?.id ?? null,
  };
}

/**
 * Accepting an offer: the offer's hold becomes a pending order (idempotent: accepting again returns
 * the same order), then the usual pay step sells it. The order's hold ends when the offer does.
 */
export async function acceptOffer(env: Env, db: HttpDatabase, token: string): Promise<RegisteredOrder> {
  const entryId = await entryOfOfferToken(env.SIGNING_MASTER_KEY, token);
  if (!entryId) throw new ApiError("UNAUTHENTICATED", "This offer link is not valid. Use the link from your offer mail.");
  const entry = await findWaitlistEntry(db, entryId);
  if (!entry) throw new ApiError("NOT_FOUND", "This offer no longer exists.");
  const idempotency = { attendeeId: entry.attendeeId, eventId: entry.eventId, tierId: entry.tierId, idempotencyKey: `waitlist:${entry.id}` };
  const existing = await findOrderByIdempotencyKey(db, idempotency);
  if (existing) {
    const seats = (await itemsOfOrder(db, existing.id)).flatMap((item) => (item.seatLabel ? [item.seatLabel] : []));
    return { created: false, body: await presentPendingOrder(env, existing, seats) };
  }

  const live = await inventoryOf(env, entry.tierId).waitlistEntry(entry.id);
  if (!live || live.status !== "offered" || !live.offer_hold_id || !live.offer_expires_at || live.offer_expires_at <= Date.now()) {
    const why =
      live?.status === "left" ? "You left the waitlist, so this offer was passed on." : "This offer has expired and the tickets were offered to the next person.";
    throw new ApiError("HOLD_EXPIRED", why, { waitlist_status: live?.status ?? entry.status });
  }
  const tier = (await listTiersOfEvents(db, [entry.eventId])).find((t) => t.id === entry.tierId)!;
  const pending = {
    eventId: entry.eventId,
    tierId: entry.tierId,
    attendeeId: entry.attendeeId,
    attendeeName: entry.attendeeName,
    idempotencyKey: idempotency.idempotencyKey,
    requestHash: "waitlist-offer",
    quantity: live.quantity,
    amount: tier.price * live.quantity,
    currency: tier.currency,
    holdId: live.offer_hold_id,
    holdExpiresAt: new Date(live.offer_expires_at),
    waitlistEntryId: entry.id,
  };
  const seatLabels = live.seats.length > 0 ? live.seats : Array.from({ length: live.quantity }, () => null);
  const orderId = await insertPendingOrderAtomically(db, pending, seatLabels, tier.price);
  // Accepted twice at once: both insert the same idempotent order; the loser reads the winner's.
  const order = orderId ? ({ ...pending, id: orderId, status: "pending" } as OrderRow) : (await findOrderByIdempotencyKey(db, idempotency))!;
  return { created: Boolean(orderId), body: await presentPendingOrder(env, order, live.seats) };
}
