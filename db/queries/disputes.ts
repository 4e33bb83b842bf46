/**
 * What a dispute needs from the ledger: the order a disputed PaymentIntent paid for, who to tell
 * (the owners of the organization that runs the event), and the tickets the dispute revoked.
 */
import { and, asc, eq } from "drizzle-orm";
import type { HttpDatabase, Transaction } from "../client";
import { events, orders, organizationMembers, organizers, payments, tickets } from "../schema";

export async function disputedOrder(db: HttpDatabase, paymentIntentId: string) {
  const [row] = await db
    .select({ order: orders, payment: payments, eventTitle: events.title, organizationId: events.organizationId })
    .from(payments)
    .innerJoin(orders, eq(orders.id, payments.orderId))
    .innerJoin(events, eq(events.id, orders.eventId))
    .where(eq(payments.providerPaymentId, paymentIntentId))
    .limit(1);
  if (!row) return undefined;
  const owners = await db
    .select({ id: organizers.id, email: organizers.email, name: organizers.name })
    .from(organizationMembers)
    .innerJoin(organizers, eq(organizers.id, organizationMembers.organizerId))
    .where(and(eq(organizationMembers.organizationId, row.organizationId), eq(organizationMembers.role, "owner")))
    .orderBy(asc(organizationMembers.createdAt));
  return { ...row, owners };
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
