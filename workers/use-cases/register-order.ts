/**
 * Registering: the checks every registration passes (event on sale, waiting-room access, tier,
 * sale window, promo code, a tier just sold out), then a claim step that writes the pending order and
 * claims its units. The platform's claim is TierInventory's (./claim-from-inventory.ts: the order row
 * first, then the hold named after it, so no pending order outlives its hold and no hold lacks its
 * order for longer than one failed request); the bench's classic design claims in Postgres after the
 * attendee step (attendeeFirst, bench/classic-register.ts). Idempotent on (attendee, event, tier,
 * idempotency key): a retry finds the order its first attempt wrote and answers it again.
 */
import type { HttpDatabase } from "../../db/client";
import type { EventRow, TierRow } from "../../db/queries/catalog";
import { findOrderByEmailAndKey, itemsOfOrder, upsertAttendeeWithOrder, findPendingOrderByHold, type IdempotencyKey, type OrderRow } from "../../db/queries/orders";
import { orderToken } from "../auth/order-tokens";
import type { QueueAccess } from "../auth/queue-tokens";
import { sha256Hex } from "../auth/tokens";
import { ApiError, validationFailed } from "../errors";
import { isKnownSoldOut } from "../inventory-client";
import { sellableEvent } from "../sellable-tiers";
import { joinWaitlist } from "./waitlist";
import { requireQueueAccess, settleQueuePass, stillHoldsPass, usePass } from "../waiting-room-client";
import { clientKeyOf } from "../client-address";
import type { HoldBuyer } from "../domain/buyer-limits";
import { purchaseLimitsOf } from "../event-input";
import { inventorySale } from "./sale-ledger";
import { EVENT_CANCELLED_MESSAGE, holdLimitMessage } from "../domain/hold-refusal";
import { normalizeCode } from "../domain/promo-codes";
import { registrationRefusal } from "../domain/registration-rules";
import { promoForRegistration, type ResolvedPromo } from "./promo-claims";

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

export async function registerOrder(
  env: Env,
  db: HttpDatabase,
  eventId: string,
  input: RegisterInput,
  now: Date,
  queueAccess: string | undefined,
  claim: ClaimStep,
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
  // Across the event's other tiers, from the ledger; within this tier TierInventory checks the same
  // caps in the hold's own step (workers/domain/buyer-limits.ts).
  // A tier that sells up to N per order lets a buyer hold N, whatever the event's cap says.
  const configured = purchaseLimitsOf(event);
  const limits = { maxHeldPerBuyer: Math.max(configured.maxHeldPerBuyer, tier.maxPerOrder), maxHeldPerClient: Math.max(configured.maxHeldPerClient, tier.maxPerOrder) };
  return claim(env, db, { event, tier, input, now, fingerprint, orderKey, clientKey, clientAddress, promo, access, limits });
}

/** A checked registration, before anything is written: what registerOrder hands its claim step. */
export interface Registration {
  event: EventRow;
  tier: TierRow;
  input: RegisterInput;
  now: Date;
  fingerprint: string;
  orderKey: IdempotencyKey;
  clientKey: string | null;
  /** Cloudflare's address of the client, for the waitlist's per-address cap when register joins it. */
  clientAddress?: string;
  /** The promo code the order redeems, checked and priced (./promo-claims.ts). */
  promo?: ResolvedPromo;
  access: QueueAccess | null;
  /** The event's hold limits for this tier: per buyer and per client address, across its tiers. */
  limits: { maxHeldPerBuyer: number; maxHeldPerClient: number };
}

/**
 * Writes the attendee and the pending order and claims its units: TierInventory for the platform
 * (./claim-from-inventory.ts), the classic Postgres claim in the bench (bench/classic-register.ts).
 */
export type ClaimStep = (env: Env, db: HttpDatabase, registration: Registration) => Promise<RegisteredOrder>;

/** What a claim made after the attendee step gets (attendeeFirst): the attendee and the order's key. */
export interface ClaimContext {
  event: EventRow;
  tier: TierRow;
  input: RegisterInput;
  now: Date;
  fingerprint: string;
  key: { attendeeId: string; eventId: string; tierId: string; idempotencyKey: string };
  buyer?: HoldBuyer;
  clientKey?: string | null;
  clientAddress?: string;
  promo?: ResolvedPromo;
}

/**
 * The attendee first, in its own round trip (upsert, a replay of this key, the limits across the
 * event's other tiers), then `claim` under the waiting-room pass: the order of steps the bench's
 * classic design keeps (bench/classic-register.ts).
 */
export function attendeeFirst(claim: (env: Env, db: HttpDatabase, context: ClaimContext) => Promise<RegisteredOrder>): ClaimStep {
  return async (env, db, registration) => {
    const { event, tier, input, now, fingerprint, orderKey, clientKey, clientAddress, promo, limits } = registration;
    const { attendeeId, existing, heldElsewhere } = await upsertAttendeeWithOrder(db, input.attendee, orderKey, clientKey);
    if (existing) return replay(env, db, existing, fingerprint);
    refuseOverLimits(limits, heldElsewhere, input.quantity, clientKey);
    const key = { attendeeId, ...orderKey };
    const holdId = await holdIdOf(key);
    const buyer: HoldBuyer = { buyer: attendeeId, client: clientKey, ...limits };
    return underPass(env, db, registration, holdId, () => claim(env, db, { event, tier, input, now, fingerprint, key, buyer, clientKey, clientAddress, promo }));
  };
}

/** HOLD_LIMIT_REACHED when this order would take the buyer or the client address past the event's limits. */
export function refuseOverLimits(limits: Registration["limits"], heldElsewhere: { buyer: number; client: number }, quantity: number, clientKey: string | null): void {
  if (heldElsewhere.buyer + quantity > limits.maxHeldPerBuyer) throw holdLimitReached("buyer", limits.maxHeldPerBuyer, heldElsewhere.buyer);
  if (clientKey && heldElsewhere.client + quantity > limits.maxHeldPerClient) throw holdLimitReached("client", limits.maxHeldPerClient, heldElsewhere.client);
}

/**
 * Runs the claim under the registration's waiting-room pass: the pass is marked in WaitingRoom before
 * the units are claimed and freed again if no order results; if another order took the pass meanwhile,
 * the order that lost it gives its units back. Without a waiting room, just the claim.
 */
export async function underPass(env: Env, db: HttpDatabase, { event, access }: Registration, holdId: string, claim: () => Promise<RegisteredOrder>): Promise<RegisteredOrder> {
  const pass = await usePass(env, event, access, holdId);
  let registered: RegisteredOrder;
  try {
    // Not created means a concurrent copy of this request wrote the order: same hold, same pass.
    registered = await claim();
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

/** The classic path's hold name: after the order's idempotency key, so a retry names the same one. */
export async function holdIdOf(key: ClaimContext["key"]): Promise<string> {
  return `hold_${(await sha256Hex(JSON.stringify(key))).slice(0, 40)}`;
}

export async function replay(env: Env, db: HttpDatabase, order: OrderRow, fingerprint: string): Promise<RegisteredOrder> {
  if (order.requestHash !== fingerprint) {
    throw new ApiError("IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used for a different request. Use a new key for a new order.");
  }
  const seats = (await itemsOfOrder(db, order.id)).flatMap((item) => (item.seatLabel ? [item.seatLabel] : []));
  return { created: false, body: await presentPendingOrder(env, order, seats) };
}

export function holdLimitReached(scope: "buyer" | "client", limit: number, held: number): ApiError {
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
