/** Postgres enums shared by the tables of the ledger. */
import { pgEnum } from "drizzle-orm/pg-core";

export const eventStatus = pgEnum("event_status", ["draft", "published", "cancelled"]);
export const tierKind = pgEnum("tier_kind", ["general_admission", "seated"]);
export const orderStatus = pgEnum("order_status", [
  "pending",
  "confirmed",
  "expired",
  "cancelled",
  "refunded",
  "partially_refunded",
]);
export const paymentStatus = pgEnum("payment_status", [
  "requires_payment_method",
  "processing",
  "succeeded",
  "failed",
  "canceled",
]);
export const ticketStatus = pgEnum("ticket_status", ["valid", "revoked"]);
export const refundStatus = pgEnum("refund_status", ["pending", "succeeded", "failed"]);
export const refundInitiator = pgEnum("refund_initiator", ["attendee", "organizer", "system"]);
export const waitlistStatus = pgEnum("waitlist_status", ["waiting", "offered", "purchased", "expired", "left"]);
export const checkinResult = pgEnum("checkin_result", ["admitted", "rejected", "duplicate", "undone"]);
export const signingKeyStatus = pgEnum("signing_key_status", ["current", "previous", "retired"]);
export const cancellationStatus = pgEnum("cancellation_status", ["running", "completed"]);
