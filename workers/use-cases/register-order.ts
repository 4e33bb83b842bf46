/**
 * Registering: hold the units in the tier's TierInventory, then record a pending order in the
 * ledger — two database round trips and one Durable Object call on the way to a hold. Idempotent on (attendee, event, tier, idempotency key): the hold is named after that key,
 * so a retry — even one after a crash between the hold and the insert — claims nothing new.
 * If the order cannot be written, the hold is released; if this Worker dies first, the hold
 * simply expires. Either way no unit stays held without an order.
 */
import type { HttpDatabase } from "../../db/client";
import type { EventRow, TierRow } from "../../db/queries/catalog";
import {
  findOrderByEmailAndKey,
  findOrderByIdempotencyKey,
  insertPendingOrderAtomically,
  itemsOfOrder,
  upsertAttendeeWithOrder,
  cancelReplacedOrders,
  findPendingOrderByHold,
  type OrderRow,
} from "../../db/queries/orders";
import { orderToken } from "../auth/order-tokens";
import { sha256Hex } from "../auth/tokens";
import { ApiError, validationFailed } from "../errors";
import { configureInventory, inventoryOf, isKnownSoldOut, rememberSoldOut } from "../inventory-client";
import { sellableEvent } from "../sellable-tiers";
import { joinWaitlist } from "./waitlist";
import { requireQueueAccess, settleQueuePass, stillHoldsPass, usePass } from "../waiting-room-client";
import { clientKeyOf } from "../client-address";
import type { HoldBuyer } from "../domain/buyer-limits";
import { purchaseLimitsOf } from "../event-input";
import { inventorySale } from "./sale-ledger";
import { answerRefusedHold, EVENT_CANCELLED_MESSAGE, holdLimitMessage } from "../domain/hold-refusal";
import type { HoldOutcome, PromoHoldRequest } from "../../durable-objects/tier-inventory";
import { normalizeCode } from "../domain/promo-codes";
import { registrationRefusal } from "../domain/registration-rules";
import { claimPromoApart, promoCodeInvalid, promoForRegistration, promoOfHold, recordRedemption, releasePromoApart, type ResolvedPromo } from "./promo-claims";

export interface RegisterInput {
  tier_id: string;
  quantity: number;
  seats?: string[];
  best_available?: boolean;
  accessible?: boolean;
  idempotency_key: string;
  attendee: { email: string; name: string };
  join_waitlist?: boolean;
  promo_code?: string;
}

export interface RegisteredOrder {
  created: boolean;
  body: Awaited<ReturnType<typeof presentPendingOrder>>;
}

export async function presentPendingOrder(env: Env, order: OrderRow, seats: string[]) {
  return {
    order_id: order.id,
    status: order.status,
    order_token: await orderToken(env.SIGNING_MASTER_KEY, order.id),
    event_id: order.eventId,
    tier_id: order.tierId,
    quantity: order.quantity,
    hold_expires_at: order.holdExpiresAt?.toISOString() ?? null,
    amount: order.amount,
    currency: order.currency,
    ...(seats.length > 0 ? { seats } : {}),
  };
}

function requestFingerprint(input: RegisterInput): Promise<string> {
  return sha256Hex(
    JSON.stringify([
      input.tier_id,
      input.quantity,
      [...(input.seats ?? [])].sort(),
      Boolean(input.best_available),
      Boolean(input.accessible),
      input.attendee.email.toLowerCase(),
      input.attendee.name,
      // Only when given, so the fingerprints of orders without a code stay as they were.
      ...(input.promo_code ? [normalizeCode(input.promo_code)] : []),
    ]),
  );
}

async function holdWithSetup(env: Env, db: HttpDatabase, eventId: string, tierId: string, request: PromoHoldRequest): Promise<HoldOutcome | { ok: false; code: "promo_spent" }> {
  const outcome = await inventoryOf(env, tierId).hold(request);
  if (outcome.ok || outcome.code !== "not_configured") return outcome;
  await configureInventory(env, db, eventId, tierId);
  return inventoryOf(env, tierId).hold(request);
}

export async function registerOrder(
  env: Env,
  db: HttpDatabase,
  eventId: string,
  input: RegisterInput,
  now: Date,
  queueAccess?: string,
  claim: ClaimStep = claimFromInventory,
  clientAddress?: string,
): Promise<RegisteredOrder> {
  const sellable = await sellableEvent(db, eventId, now.getTime());
  const event = sellable?.event;
  if (event?.status === "cancelled") throw eventCancelled();
  if (!event || event.status !== "published") throw new ApiError("NOT_FOUND", "No event on sale has this id.");
  const access = await requireQueueAccess(env, event, queueAccess, now);
  const tier = sellable.tiers.find((t) => t.id === input.tier_id);
  if (!tier) throw validationFailed([{ field: "tier_id", message: "This event has no tier with this id." }]);
  const refusal = registrationRefusal(event, tier, input, now);
  if (refusal?.code === "SALES_NOT_OPEN") {
    throw new ApiError("SALES_NOT_OPEN", refusal.message, { sales_start_at: refusal.salesStartAt?.toISOString() ?? null, sales_end_at: refusal.salesEndAt?.toISOString() ?? null });
  }
  if (refusal) throw validationFailed([{ field: refusal.field, message: refusal.message }]);

  const promo = await promoForRegistration(db, event, tier, input.promo_code, now);
  const fingerprint = await requestFingerprint(input);
  const orderKey = { eventId: event.id, tierId: tier.id, idempotencyKey: input.idempotency_key };
  // A code may keep units of a tier that is sold out for everyone else.
  if (!promo && (await isKnownSoldOut(tier.id))) {
    // Sold out a moment ago: answer without writing anything, unless this is a retry of an order.
    const existing = await findOrderByEmailAndKey(db, input.attendee.email, orderKey);
    if (existing) return replay(env, db, existing, fingerprint);
    throw await soldOutAnswer(env, db, event.id, input, 0, now, clientAddress);
  }
  const clientKey = await clientKeyOf(env.SIGNING_MASTER_KEY, clientAddress);
  const { attendeeId, existing, heldElsewhere } = await upsertAttendeeWithOrder(db, input.attendee, orderKey, clientKey);
  if (existing) return replay(env, db, existing, fingerprint);
  // Across the event's other tiers, from the ledger; within this tier TierInventory checks the same
  // caps in the hold's own step (workers/domain/buyer-limits.ts).
  // A tier that sells up to N per order lets a buyer hold N, whatever the event's cap says.
  const configured = purchaseLimitsOf(event);
  const limits = { maxHeldPerBuyer: Math.max(configured.maxHeldPerBuyer, tier.maxPerOrder), maxHeldPerClient: Math.max(configured.maxHeldPerClient, tier.maxPerOrder) };
  if (heldElsewhere.buyer + input.quantity > limits.maxHeldPerBuyer) throw holdLimitReached("buyer", limits.maxHeldPerBuyer, heldElsewhere.buyer);
  if (clientKey && heldElsewhere.client + input.quantity > limits.maxHeldPerClient) throw holdLimitReached("client", limits.maxHeldPerClient, heldElsewhere.client);
  const key = { attendeeId, ...orderKey };
  const holdId = await holdIdOf(key);
  // The pass is marked in WaitingRoom before the units are claimed, and freed again if no order results.
  const pass = await usePass(env, event, access, holdId);
  const buyer: HoldBuyer = { buyer: attendeeId, client: clientKey, maxHeldPerBuyer: limits.maxHeldPerBuyer, maxHeldPerClient: limits.maxHeldPerClient };
  let registered: RegisteredOrder;
  try {
    // Not created means a concurrent copy of this request wrote the order: same hold, same pass.
    registered = await claim(env, db, { event, tier, input, now, fingerprint, key, buyer, clientKey, clientAddress, promo });
  } catch (error) {
    if (access) await settleQueuePass(env, event, holdId, "unpaid");
    throw error;
  }
  if (pass.replaces) await releaseOrderOfHold(env, db, event.id, pass.replaces);
  if (registered.created && !(await stillHoldsPass(env, event, access, holdId))) {
    await releaseOrderOfHold(env, db, event.id, holdId);
    throw new ApiError("QUEUE_REQUIRED", "This waiting-room pass was used for another order at the same moment; that order keeps it.", {
      queue_url: `/queue?event=${event.id}`,
      reason: "pass_moved",
    });
  }
  return registered;
}

/** What the claim step gets: a checked request, the attendee, and the order's idempotency key. */
export interface ClaimContext {
  event: EventRow;
  tier: TierRow;
  input: RegisterInput;
  now: Date;
  fingerprint: string;
  key: { attendeeId: string; eventId: string; tierId: string; idempotencyKey: string };
  buyer?: HoldBuyer;
  clientKey?: string | null;
  /** Cloudflare's address of the client, for the waitlist's per-address cap when register joins it. */
  clientAddress?: string;
  /** The promo code the order redeems, checked and priced (./promo-claims.ts). */
  promo?: ResolvedPromo;
}

/** Claims the units and writes the pending order. The bench swaps in the classic Postgres claim. */
export type ClaimStep = (env: Env, db: HttpDatabase, claim: ClaimContext) => Promise<RegisteredOrder>;

/**
 * The claim: a hold in the tier's TierInventory named after the idempotency key, then the pending
 * order and its items in one statement; the hold is released if the order cannot be written.
 */
/** The hold an order claims is named after its idempotency key, so a retry names the same hold. */
export async function holdIdOf(key: ClaimContext["key"]): Promise<string> {
  return `hold_${(await sha256Hex(JSON.stringify(key))).slice(0, 40)}`;
}

export const claimFromInventory: ClaimStep = async (env, db, { event, tier, input, now, fingerprint, key, buyer, clientKey, clientAddress, promo }) => {
  const holdId = await holdIdOf(key);
  const expiresAt = now.getTime() + event.holdMinutes * 60_000;
  await claimPromoApart(env, promo, { holdId, quantity: input.quantity, expiresAt });
  const outcome = await holdWithSetup(env, db, event.id, tier.id, {
    holdId,
    quantity: input.quantity,
    seats: input.seats,
    bestAvailable: input.best_available,
    accessible: input.accessible,
    expiresAt,
    ...(buyer ? { buyer } : {}),
    ...promoOfHold(promo),
  });
  if (!outcome.ok) {
    await releasePromoApart(env, promo, holdId);
    const answer = answerRefusedHold(outcome, input.quantity, tier.id);
    switch (answer.kind) {
      case "promo_spent":
        throw promoCodeInvalid("spent");
      case "sold_out":
        if (answer.rememberSoldOut) await rememberSoldOut(tier.id);
        throw await soldOutAnswer(env, db, event.id, input, answer.available, now, clientAddress);
      case "field":
        throw validationFailed([{ field: answer.field, message: answer.message }]);
      case "error":
        throw new ApiError(answer.code, answer.message, answer.details);
      case "internal":
        throw new Error(answer.message);
    }
  }

  const hold = outcome.hold;
  const pending = {
    eventId: event.id,
    tierId: tier.id,
    attendeeId: key.attendeeId,
    attendeeName: input.attendee.name,
    idempotencyKey: input.idempotency_key,
    requestHash: fingerprint,
    quantity: hold.quantity,
    amount: (promo?.unitPrice ?? tier.price) * hold.quantity,
    currency: tier.currency,
    holdId: hold.hold_id,
    holdExpiresAt: new Date(hold.expires_at),
    clientKey: clientKey ?? null,
  };
  try {
    const seatLabels = hold.seats.length > 0 ? hold.seats : Array.from({ length: hold.quantity }, () => null);
    const orderId = await insertPendingOrderAtomically(db, pending, seatLabels, promo?.unitPrice ?? tier.price);
    if (!orderId) {
      // A concurrent request with the same key wrote first; it holds the same hold id.
      return replay(env, db, (await findOrderByIdempotencyKey(db, key))!, fingerprint);
    }
    await recordRedemption(db, orderId, tier, promo);
    // The buyer's earlier holds in this tier were given up for this one: their orders end here.
    if (outcome.replaced) await cancelReplacedOrders(db, event.id, outcome.replaced);
    // And the other way round: the buyer's next registration may have replaced this hold before this
    // row existed (its cancelReplacedOrders found nothing to end). Asked after the write, so either
    // that request saw the row or this one sees the hold gone: no pending order outlives its hold.
    const replacedMeanwhile = buyer && (await inventoryOf(env, tier.id).holdStatus(hold.hold_id)) === "released";
    if (replacedMeanwhile) await cancelReplacedOrders(db, event.id, [hold.hold_id]);
    const order = { ...pending, id: orderId, status: replacedMeanwhile ? ("cancelled" as const) : ("pending" as const) } as OrderRow;
    return { created: true, body: await presentPendingOrder(env, order, hold.seats) };
  } catch (error) {
    await inventoryOf(env, tier.id).release(hold.hold_id);
    await releasePromoApart(env, promo, hold.hold_id);
    throw error;
  }
};

export async function replay(env: Env, db: HttpDatabase, order: OrderRow, fingerprint: string): Promise<RegisteredOrder> {
  if (order.requestHash !== fingerprint) {
    throw new ApiError("IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used for a different request. Use a new key for a new order.");
  }
  const seats = (await itemsOfOrder(db, order.id)).flatMap((item) => (item.seatLabel ? [item.seatLabel] : []));
  return { created: false, body: await presentPendingOrder(env, order, seats) };
}

function holdLimitReached(scope: "buyer" | "client", limit: number, held: number): ApiError {
  return new ApiError("HOLD_LIMIT_REACHED", holdLimitMessage(scope, limit), { scope, limit, held });
}

/** The order a waiting-room pass moved away from: its hold goes back and it can no longer be paid. */
async function releaseOrderOfHold(env: Env, db: HttpDatabase, eventId: string, holdId: string): Promise<void> {
  const order = await findPendingOrderByHold(db, eventId, holdId);
  if (order) await inventorySale.release(env, db, order, "cancelled");
}

export function eventCancelled(): ApiError {
  return new ApiError("EVENT_CANCELLED", EVENT_CANCELLED_MESSAGE);
}

/**
 * SOLD_OUT, after joining the waitlist when the buyer asked to and the event has one. `clientAddress`
 * (Cloudflare's address of the client) caps waitlist places per address here as on the waitlist route.
 */
export async function soldOutAnswer(env: Env, db: HttpDatabase, eventId: string, input: RegisterInput, available: number, now: Date, clientAddress?: string): Promise<ApiError> {
  const message = available > 0 ? `Only ${available} left in this tier.` : "This tier is sold out.";
  if (!input.join_waitlist) return new ApiError("SOLD_OUT", message, { available });
  try {
    const joined = await joinWaitlist(env, db, eventId, { tier_id: input.tier_id, quantity: input.quantity, attendee: input.attendee }, now, clientAddress);
    return new ApiError("SOLD_OUT", `${message} You are number ${joined.body.position || 1} on the waitlist.`, {
      available,
      waitlist_position: joined.body.position,
      waitlist_entry_id: joined.body.entry_id,
      waitlist_entry_token: joined.body.entry_token,
      waitlist_status: joined.body.status,
    });
  } catch (error) {
    if (error instanceof ApiError && error.code === "WAITLIST_DISABLED") return new ApiError("SOLD_OUT", `${message} This event has no waitlist.`, { available, waitlist_position: null });
    throw error;
  }
}
