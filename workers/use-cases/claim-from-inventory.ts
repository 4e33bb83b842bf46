/**
 * The platform's claim (register's ClaimStep): the pending order first, then its units in the tier's
 * TierInventory. One Postgres round trip and one Durable Object call on the happy path.
 *
 *  1. One statement (db/queries/register-order.ts) upserts the attendee, finds an order this key
 *     already made, checks the hold limits across the event's other tiers and writes the pending
 *     order with its items under an id decided here; the hold is named after that id.
 *  2. The hold, in TierInventory. Refused (sold out, seat taken, limit…) or failed: the hold is given
 *     back (releasing is idempotent) and the order row is deleted, so a retry with the same key tries
 *     again and nothing is held for an order that is not there.
 *
 * Why the row goes first: a buyer's new hold replaces their earlier holds in the tier, and the
 * replacing request cancels the orders of the holds it replaced. TierInventory serializes holds, and
 * every hold's row committed before its hold was asked for, so the replacing request always finds
 * that row: no pending order outlives its hold, and no second call to ask the hold's status after the
 * insert is needed (it was one DO call per registration). If the Worker dies between the row and the
 * hold, the order holds nothing: it cannot be sold (TierInventory refuses to confirm a hold it never
 * placed, and pay refunds), and the sweeper expires it at `hold_expires_at` like any lapsed order.
 */
import type { HttpDatabase } from "../../db/client";
import { cancelReplacedOrders, findOrder, findOrderByIdempotencyKey, type OrderRow } from "../../db/queries/orders";
import { deleteUnheldOrder, setSeatLabels, writePendingOrder } from "../../db/queries/register-order";
import type { HoldOutcome, PromoHoldRequest } from "../../durable-objects/tier-inventory";
import { answerRefusedHold } from "../domain/hold-refusal";
import type { HoldBuyer } from "../domain/buyer-limits";
import { ApiError, validationFailed } from "../errors";
import { configureInventory, inventoryOf, noteUnitsHeld, rememberSoldOut } from "../inventory-client";
import { claimPromoApart, promoCodeInvalid, promoOfHold, recordRedemption, releasePromoApart } from "./promo-claims";
import { presentPendingOrder, refuseOverLimits, replay, soldOutAnswer, underPass, type ClaimStep, type RegisteredOrder, type Registration } from "./register-order";

/** The hold an order claims is named after the order's id, decided before either exists. */
export function holdIdOfOrder(orderId: string): string {
  return `hold_${orderId.replace(/-/g, "")}`;
}

export const claimFromInventory: ClaimStep = async (env, db, registration) => {
  const { event, tier, input, now, fingerprint, orderKey, clientKey, promo, limits } = registration;
  const orderId = crypto.randomUUID();
  const holdId = holdIdOfOrder(orderId);
  const expiresAt = now.getTime() + event.holdMinutes * 60_000;
  const unitPrice = promo?.unitPrice ?? tier.price;
  // Chosen seats are known now (registration rules made them distinct per unit); best available
  // picks its seats in the hold, and they are written onto the items after it.
  const chosenSeats = input.seats?.length ? [...new Set(input.seats)] : [];
  const written = await writePendingOrder(db, {
    id: orderId,
    holdId,
    attendee: input.attendee,
    key: orderKey,
    requestHash: fingerprint,
    quantity: input.quantity,
    unitPrice,
    currency: tier.currency,
    holdExpiresAt: new Date(expiresAt),
    clientKey,
    seatLabels: chosenSeats.length > 0 ? chosenSeats : Array.from({ length: input.quantity }, () => null),
    limits,
  });
  if (written.existingId) return replay(env, db, (await findOrder(db, written.existingId))!, fingerprint);
  if (!written.orderId) {
    // Not written: a hold limit refused it, or a concurrent request with the same key wrote first.
    refuseOverLimits(limits, written.heldElsewhere, input.quantity, clientKey);
    return replay(env, db, (await findOrderByIdempotencyKey(db, { attendeeId: written.attendeeId, ...orderKey }))!, fingerprint);
  }
  const buyer: HoldBuyer = { buyer: written.attendeeId, client: clientKey, ...limits };
  const pending = {
    id: orderId,
    eventId: event.id,
    tierId: tier.id,
    attendeeId: written.attendeeId,
    attendeeName: input.attendee.name,
    idempotencyKey: input.idempotency_key,
    requestHash: fingerprint,
    quantity: input.quantity,
    amount: unitPrice * input.quantity,
    currency: tier.currency,
    holdId,
    holdExpiresAt: new Date(expiresAt),
    clientKey,
    status: "pending" as const,
  } as OrderRow;
  const progress: HoldProgress = { hold: "not asked" };
  try {
    return await underPass(env, db, registration, holdId, () => holdForOrder(env, db, registration, pending, buyer, progress));
  } catch (error) {
    // Whatever failed after the row was written: no hold stays, and no row without one.
    await takeBack(env, db, registration, pending, progress);
    throw error;
  }
};

/** How far a registration got with its hold: only an asked hold that was not refused may need giving back. */
interface HoldProgress {
  hold: "not asked" | "asked" | "refused";
}

/** The hold for an order just written, then what it settles in the ledger (seats, promo, replaced orders). */
async function holdForOrder(env: Env, db: HttpDatabase, registration: Registration, order: OrderRow, buyer: HoldBuyer, progress: HoldProgress): Promise<RegisteredOrder> {
  const { event, tier, input, now, promo, clientAddress } = registration;
  const holdId = order.holdId!;
  const expiresAt = order.holdExpiresAt!.getTime();
  await claimPromoApart(env, promo, { holdId, quantity: input.quantity, expiresAt });
  progress.hold = "asked";
  const outcome = await holdWithSetup(env, db, event.id, tier.id, {
    holdId,
    quantity: input.quantity,
    seats: input.seats,
    bestAvailable: input.best_available,
    accessible: input.accessible,
    expiresAt,
    buyer,
    ...promoOfHold(promo),
  });
  if (!outcome.ok) {
    progress.hold = "refused";
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
  const { hold } = outcome;
  noteUnitsHeld(tier.id);
  // A fresh hold under a new name: the units, and the expiry, the row was written with.
  if (hold.quantity !== order.quantity) throw new Error(`hold ${holdId} took ${hold.quantity} units for an order of ${order.quantity}`);
  if (!input.seats?.length && hold.seats.length > 0) await setSeatLabels(db, order.id, hold.seats);
  await recordRedemption(db, order.id, tier, promo);
  // The buyer's earlier holds in this tier were given up for this one: their orders end here. Each
  // of their rows was written before its hold, so it is there to be ended.
  if (outcome.replaced) await cancelReplacedOrders(db, event.id, outcome.replaced);
  return { created: true, body: await presentPendingOrder(env, order, hold.seats) };
}

/** Gives back what a failed registration may hold (the hold, a promo use counted apart) and deletes its row. */
async function takeBack(env: Env, db: HttpDatabase, { tier, promo }: Registration, order: OrderRow, progress: HoldProgress): Promise<void> {
  const holdId = order.holdId!;
  try {
    // An asked hold may have been placed even if its answer was lost; releasing an unknown hold is harmless.
    if (progress.hold === "asked") await inventoryOf(env, tier.id).release(holdId);
    await releasePromoApart(env, promo, holdId);
    await deleteUnheldOrder(db, order.id);
  } catch (error) {
    // The hold then lapses at its expiry and the sweeper expires the order: nothing is held for ever.
    console.warn(JSON.stringify({ level: "warn", where: "register-take-back", order_id: order.id, error: String(error) }));
  }
}

async function holdWithSetup(env: Env, db: HttpDatabase, eventId: string, tierId: string, request: PromoHoldRequest): Promise<HoldOutcome | { ok: false; code: "promo_spent" }> {
  const outcome = await inventoryOf(env, tierId).hold(request);
  if (outcome.ok || outcome.code !== "not_configured") return outcome;
  await configureInventory(env, db, eventId, tierId);
  return inventoryOf(env, tierId).hold(request);
}
