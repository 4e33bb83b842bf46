/**
 * What follows a refund once Stripe has it (workers/use-cases/refund-order.ts's completeRefund): the
 * units back to TierInventory, the refund mail, and a promo code's use back when the order is now
 * refunded in full. Each is safe to run any number of times for the same refund.
 */
import type { HttpDatabase } from "../../db/client";
import { enqueueOutbox } from "../../db/queries/outbox";
import { addSold, attendeeOf, type OrderRow } from "../../db/queries/orders";
import { findPublishedEvent } from "../../db/queries/catalog";
import { pricedTicketsOfOrder, refundedInFull, type RefundRow } from "../../db/queries/refunds";
import { orderToken } from "../auth/order-tokens";
import { inventoryOf } from "../inventory-client";
import { refundMail } from "../mail/refund";
import { publishOutbox } from "../outbox-publisher";
import { givePromoUseBack } from "./promo-claims";

export async function returnUnits(env: Env, db: HttpDatabase, order: OrderRow, refund: RefundRow): Promise<void> {
  const ticketIds = refund.ticketIds;
  if (ticketIds.length === 0) return;
  const seats = (await pricedTicketsOfOrder(db, order.id)).filter((t) => ticketIds.includes(t.id)).flatMap((t) => (t.seatLabel ? [t.seatLabel] : []));
  const returned = await inventoryOf(env, order.tierId).returnSold({ returnId: refund.id, quantity: ticketIds.length, seats });
  if (!returned.ok) {
    console.error(JSON.stringify({ level: "error", where: "refund", refund_id: refund.id, error: `TierInventory refused the return: ${returned.message}` }));
    return;
  }
  // Counted once: TierInventory answers `returned: false` to a repeat.
  if (returned.returned) await addSold(db, order.tierId, -ticketIds.length);
}

/**
 * The refund mail, through the outbox: once per refund (dedupe key `refund:<id>`, however many times
 * completeRefund runs), for a refund of tickets and for a refund of an amount alike. A late payment's
 * refund (refundLatePayment) is not a refund row completed here and sends none.
 */
export async function announceRefund(env: Env, db: HttpDatabase, order: OrderRow, refund: RefundRow): Promise<void> {
  const [attendee, event, priced] = await Promise.all([attendeeOf(db, order.attendeeId), findPublishedEvent(db, order.eventId), pricedTicketsOfOrder(db, order.id)]);
  const mail = refundMail({
    refundId: refund.id,
    orderId: order.id,
    orderToken: await orderToken(env.SIGNING_MASTER_KEY, order.id),
    baseUrl: env.PUBLIC_BASE_URL,
    to: attendee.email,
    attendeeName: order.attendeeName,
    eventTitle: event?.title ?? "your event",
    eventCancelled: event?.status === "cancelled",
    amount: refund.amount,
    currency: refund.currency,
    tickets: refund.ticketIds.length,
    validTickets: priced.filter((t) => t.status === "valid").length,
  });
  await enqueueOutbox(db, "mail", mail.dedupe_key, mail);
  await publishOutbox(env).catch((error: unknown) => console.warn(JSON.stringify({ level: "warn", where: "outbox", error: String(error) })));
}

/**
 * An order refunded in full (every ticket refunded, or the event cancelled) gives its promo code's
 * use back, as pretix frees a cancelled order's voucher redemption; a partial refund keeps it (the
 * buyer still holds discounted tickets). Read after this refund settled, so of several refunds of the
 * order settling at once the last one sees them all done; TierInventory gives the use back once
 * however many of them ask.
 */
export async function givePromoUseBackIfRefundedInFull(env: Env, db: HttpDatabase, order: OrderRow): Promise<void> {
  if (!order.holdId || !(await refundedInFull(db, order.id))) return;
  // The money is back already: a failure here is logged, not the refund's; the refund asked again retries it.
  await givePromoUseBack(env, db, order).catch((error: unknown) =>
    console.error(JSON.stringify({ level: "error", where: "refund", order_id: order.id, error: `promo use not given back: ${String(error)}` })),
  );
}
