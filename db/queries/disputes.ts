/**
 * What a dispute needs from the ledger: the order a disputed PaymentIntent paid for, who to tell
 * (the event's organizer), and the tickets the dispute revoked.
 */
import { and, eq } from "drizzle-orm";
import type { HttpDatabase, Transaction } from "../client";
import { events, orders, organizers, payments, tickets } from "../schema";

export async function disputedOrder(db: HttpDatabase, paymentIntentId: string) {
  const [row] = await db
    .select({ order: orders, payment: payments, eventTitle: events.title, organizerEmail: organizers.email, organizerName: organizers.name })
    .from(payments)
    .innerJoin(orders, eq(orders.id, payments.orderId))
    .innerJoin(events, eq(events.id, orders.eventId))
    .innerJoin(organizers, eq(organizers.id, events.organizerId))
    .where(eq(payments.providerPaymentId, paymentIntentId))
    .limit(1);
  return row;
}

export async function validTicketsOfOrder(tx: Transaction, orderId: string) {
  return tx.select({ id: tickets.id, seatLabel: tickets.seatLabel }).from(tickets).where(and(eq(tickets.orderId, orderId), eq(tickets.status, "valid")));
}

/** Tickets of the order revoked because its payment was disputed. */
export async function disputedTicketsOfOrder(db: HttpDatabase, orderId: string) {
  return db
    .select({ id: tickets.id, seatLabel: tickets.seatLabel })
    .from(tickets)
    .where(and(eq(tickets.orderId, orderId), eq(tickets.status, "revoked"), eq(tickets.revokeReason, DISPUTE_REVOKE_REASON)));
}

export const DISPUTE_REVOKE_REASON = "disputed";
