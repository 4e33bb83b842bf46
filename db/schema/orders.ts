/** Orders, payments, tickets and refunds: the money side of the ledger. */
import { sql } from "drizzle-orm";
import { bigint, char, check, index, integer, jsonb, pgTable, text, unique, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { id, createdAt, updatedAt, at } from "./columns";
import { orderStatus, paymentStatus, ticketStatus, refundStatus, refundInitiator } from "./enums";
import { attendees } from "./access";
import { events, ticketTiers } from "./catalog";

export const orders = pgTable(
  "orders",
  {
    id: id(),
    eventId: uuid("event_id").notNull().references(() => events.id),
    tierId: uuid("tier_id").notNull().references(() => ticketTiers.id),
    attendeeId: uuid("attendee_id").notNull().references(() => attendees.id),
    /** The name given with this order: tickets, mails and exports show it, whoever registers the email later. */
    attendeeName: text("attendee_name").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    /** Hash of the canonical request body: same key with a different body is IDEMPOTENCY_KEY_REUSED. */
    requestHash: text("request_hash").notNull(),
    status: orderStatus("status").notNull().default("pending"),
    quantity: integer("quantity").notNull(),
    amount: bigint("amount", { mode: "number" }).notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    holdId: text("hold_id"),
    holdExpiresAt: at("hold_expires_at"),
    /** A keyed hash of the client address that asked for the hold (per-address limits; never the address). */
    clientKey: text("client_key"),
    waitlistEntryId: uuid("waitlist_entry_id"),
    /** The five-character code people read out (workers/domain/order-code.ts); given when the order is paid. */
    orderCode: text("order_code"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    confirmedAt: at("confirmed_at"),
  },
  (t) => [
    unique("orders_idempotency_key").on(t.attendeeId, t.eventId, t.tierId, t.idempotencyKey),
    uniqueIndex("orders_event_code_key").on(t.eventId, t.orderCode).where(sql`${t.orderCode} IS NOT NULL`),
    // "Resend my tickets" and the attempt grouping look orders up by buyer.
    index("orders_attendee_idx").on(t.attendeeId, t.eventId, t.tierId, t.createdAt),
    index("orders_event_idx").on(t.eventId, t.createdAt),
    index("orders_pending_expiry_idx").on(t.holdExpiresAt).where(sql`${t.status} = 'pending'`),
    // What a client address holds in an event (register's per-address limit, db/queries/orders.ts
    // heldInOtherTiers): without it every registration from a real address scanned all pending orders.
    index("orders_client_pending_idx").on(t.clientKey, t.eventId).where(sql`${t.status} = 'pending' AND ${t.clientKey} IS NOT NULL`),
    check("orders_quantity_positive", sql`${t.quantity} >= 1`),
    check("orders_amount_nonnegative", sql`${t.amount} >= 0`),
  ],
);

export const orderItems = pgTable(
  "order_items",
  {
    id: id(),
    orderId: uuid("order_id").notNull().references(() => orders.id, { onDelete: "cascade" }),
    tierId: uuid("tier_id").notNull().references(() => ticketTiers.id),
    seatLabel: text("seat_label"),
    unitPrice: bigint("unit_price", { mode: "number" }).notNull(),
  },
  (t) => [index("order_items_order_idx").on(t.orderId)],
);

/** One PaymentIntent per order; a retry after a decline confirms the same intent again. */
export const payments = pgTable(
  "payments",
  {
    id: id(),
    orderId: uuid("order_id").notNull().references(() => orders.id),
    provider: text("provider").notNull().default("stripe"),
    providerPaymentId: text("provider_payment_id"),
    idempotencyKey: text("idempotency_key").notNull(),
    amount: bigint("amount", { mode: "number" }).notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    status: paymentStatus("status").notNull().default("requires_payment_method"),
    failureCode: text("failure_code"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("payments_order_key").on(t.orderId),
    unique("payments_provider_payment_id_key").on(t.providerPaymentId),
    check("payments_amount_nonnegative", sql`${t.amount} >= 0`),
  ],
);

export const tickets = pgTable(
  "tickets",
  {
    id: id(),
    orderId: uuid("order_id").notNull().references(() => orders.id),
    eventId: uuid("event_id").notNull().references(() => events.id),
    tierId: uuid("tier_id").notNull().references(() => ticketTiers.id),
    orderItemId: uuid("order_item_id").references(() => orderItems.id),
    seatLabel: text("seat_label"),
    attendeeName: text("attendee_name").notNull(),
    status: ticketStatus("status").notNull().default("valid"),
    /** The `v` claim: bumped on reissue so an old token of the same ticket is refused. */
    version: integer("version").notNull().default(1),
    kid: text("kid"),
    /** The signed ticket (compact JWS) as issued, so every retry hands back the same QR code. */
    token: text("token"),
    issuedAt: createdAt(),
    revokedAt: at("revoked_at"),
    revokeReason: text("revoke_reason"),
  },
  (t) => [
    uniqueIndex("tickets_live_seat_per_event")
      .on(t.eventId, t.seatLabel)
      .where(sql`${t.status} = 'valid' AND ${t.seatLabel} IS NOT NULL`),
    index("tickets_order_idx").on(t.orderId),
    index("tickets_revoked_idx").on(t.eventId, t.revokedAt).where(sql`${t.status} = 'revoked'`),
  ],
);

export const refunds = pgTable(
  "refunds",
  {
    id: id(),
    orderId: uuid("order_id").notNull().references(() => orders.id),
    idempotencyKey: text("idempotency_key").notNull(),
    providerRefundId: text("provider_refund_id"),
    amount: bigint("amount", { mode: "number" }).notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    status: refundStatus("status").notNull().default("pending"),
    reason: text("reason"),
    ticketIds: jsonb("ticket_ids").$type<string[]>().notNull().default([]),
    initiatedBy: refundInitiator("initiated_by").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("refunds_idempotency_key").on(t.idempotencyKey),
    unique("refunds_provider_refund_id_key").on(t.providerRefundId),
    index("refunds_order_idx").on(t.orderId),
    // Zero for a free ticket given back: the ticket is revoked, no money moves.
    check("refunds_amount_nonnegative", sql`${t.amount} >= 0`),
  ],
);
