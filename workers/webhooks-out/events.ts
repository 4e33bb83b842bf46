/**
 * The events an organization's endpoints can be told of, each recorded with the change it announces
 * (inside its transaction where there is one). The `data` shapes are the public contract
 * (docs/webhooks.md): fields may be added, none renamed or removed.
 *
 * Each has a dedupe key naming the change itself (the order, the refund, the scan), so a step that
 * runs twice records one event, and a receiver sees one `id` however often it is delivered.
 */
import type { HttpDatabase, Transaction } from "../../db/client";
import { recordWebhookEvent, type WebhookEventRecord } from "../../db/queries/webhook-events";
import { RETRY_FOR_MS, resourceKey } from "../domain/webhook-delivery";
import { dispatchMessage } from "./sweep";

type Db = Transaction | HttpDatabase;

function recordOf(eventId: string, type: Parameters<typeof resourceKey>[0], resource: string, discriminator: string, data: Record<string, unknown>, at: Date): WebhookEventRecord {
  return { eventId, type, resourceKey: resource, dedupeKey: `${type}:${discriminator}`, data, at, giveUpAt: new Date(at.getTime() + RETRY_FOR_MS) };
}

function record(db: Db, eventId: string, type: Parameters<typeof resourceKey>[0], resource: string, discriminator: string, data: Record<string, unknown>, at: Date) {
  return recordWebhookEvent(db, recordOf(eventId, type, resource, discriminator, data, at));
}

export function orderPaid(
  db: Db,
  order: Parameters<typeof orderPaidRecord>[0],
  attendeeEmail: string,
  tickets: readonly { id: string; seatLabel: string | null }[],
  at: Date,
) {
  return recordWebhookEvent(db, orderPaidRecord(order, attendeeEmail, tickets, at));
}

/** order.paid as a record, for finalize's one confirming statement (db/queries/confirm-order.ts). */
export function orderPaidRecord(
  order: { id: string; eventId: string; tierId: string; quantity: number; amount: number; currency: string; attendeeName: string },
  attendeeEmail: string,
  tickets: readonly { id: string; seatLabel: string | null }[],
  at: Date,
): WebhookEventRecord {
  return recordOf(order.eventId, "order.paid", resourceKey("order.paid", { orderId: order.id }), order.id, {
    order_id: order.id,
    event_id: order.eventId,
    tier_id: order.tierId,
    quantity: order.quantity,
    amount: order.amount,
    currency: order.currency,
    attendee: { name: order.attendeeName, email: attendeeEmail },
    tickets: tickets.map((t) => ({ ticket_id: t.id, seat: t.seatLabel })),
    paid_at: at.toISOString(),
  }, at);
}

export function orderRefunded(
  db: Db,
  order: { id: string; eventId: string; status: string },
  refund: { id: string; amount: number; currency: string; ticketIds: string[]; initiatedBy: string; reason: string | null },
  at: Date,
) {
  return record(db, order.eventId, "order.refunded", resourceKey("order.refunded", { orderId: order.id }), refund.id, {
    order_id: order.id,
    event_id: order.eventId,
    refund_id: refund.id,
    amount: refund.amount,
    currency: refund.currency,
    ticket_ids: refund.ticketIds,
    order_status: order.status,
    initiated_by: refund.initiatedBy,
    reason: refund.reason,
    refunded_at: at.toISOString(),
  }, at);
}

export function eventCancelled(db: Db, event: { id: string; title: string; startsAt: Date }, at: Date) {
  return record(db, event.id, "event.cancelled", resourceKey("event.cancelled", { eventId: event.id }), event.id, {
    event_id: event.id,
    title: event.title,
    starts_at: event.startsAt.toISOString(),
    cancelled_at: at.toISOString(),
  }, at);
}

export function checkinCreated(
  db: Db,
  scan: { eventId: string; ticketId: string; tierId: string; checkinListId: string; deviceId: string; nonce: string; scannedAt: Date; offline: boolean; attendeeName: string | null; seat: string | null },
  at: Date,
) {
  return record(db, scan.eventId, "checkin.created", resourceKey("checkin.created", { ticketId: scan.ticketId }), `${scan.deviceId}:${scan.nonce}`, {
    event_id: scan.eventId,
    ticket_id: scan.ticketId,
    tier_id: scan.tierId,
    checkin_list_id: scan.checkinListId,
    device_id: scan.deviceId,
    attendee_name: scan.attendeeName,
    seat: scan.seat,
    offline: scan.offline,
    scanned_at: scan.scannedAt.toISOString(),
  }, at);
}

export function waitlistOffered(
  db: Db,
  offer: { eventId: string; tierId: string; entryId: string; noticeSeq: number; quantity: number; seats: string[]; offerExpiresAt: string },
  at: Date,
) {
  return record(db, offer.eventId, "waitlist.offered", resourceKey("waitlist.offered", { entryId: offer.entryId }), `${offer.entryId}:${offer.noticeSeq}`, {
    event_id: offer.eventId,
    tier_id: offer.tierId,
    entry_id: offer.entryId,
    quantity: offer.quantity,
    seats: offer.seats,
    offer_expires_at: offer.offerExpiresAt,
  }, at);
}

/**
 * For a change recorded outside a transaction that publishes the outbox after it (a scan, a
 * waitlist notice): hand its deliveries to the Queue now rather than at the next cron tick. A
 * failure here only delays them; the outbox row and the sweep still carry them.
 */
export async function dispatchNow(env: Env, deliveryIds: string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await env.EVENTS_QUEUE.send(dispatchMessage(deliveryIds, `webhook-now:${deliveryIds[0]}`), { contentType: "json" }).catch((error: unknown) =>
    console.warn(JSON.stringify({ level: "warn", where: "webhooks", error: String(error) })),
  );
}
