/** The API's purchase shapes, as the checkout and order pages read them. */
import type { CatalogEvent } from "./catalog.lib";

export type OrderStatus = "pending" | "confirmed" | "expired" | "cancelled" | "refunded" | "partially_refunded";

/** Register's answer: a pending order holding the units until `hold_expires_at`. */
export interface PendingOrder {
  order_id: string;
  status: OrderStatus;
  order_token: string;
  event_id: string;
  tier_id: string;
  quantity: number;
  hold_expires_at: string | null;
  amount: number;
  currency: string;
  seats?: string[];
}

export interface Ticket {
  ticket_id: string;
  /** The signed ticket (compact JWS) the QR code encodes. */
  token: string;
  seat: string | null;
  status?: "valid" | "revoked";
}

/** Pay's answer; `qr_codes` are SVG documents index-aligned with `tickets`. */
export interface ConfirmedOrder {
  order_id: string;
  status: OrderStatus;
  ticket_ids: string[];
  qr_codes: string[];
  tickets: Ticket[];
}

export interface OrderView extends ConfirmedOrder {
  /** The five-character code in the confirmation mail; null until paid. */
  order_code: string | null;
  /** When a lapsed hold ran out (status `expired`). */
  expired_at?: string | null;
  event_id: string;
  tier_id: string;
  quantity: number;
  amount: number;
  currency: string;
  hold_expires_at: string | null;
  created_at: string;
  payments: { status: string; amount: number; currency: string; failure_code: string | null }[];
  refunds: Refund[];
  /** What the attendee's refund button would give back now; null unless the order is paid. */
  refund_quote?: RefundQuote | null;
}

export interface Refund {
  refund_id: string;
  amount: number;
  currency: string;
  status: string;
  reason: string | null;
  ticket_ids?: string[];
  initiated_by?: "attendee" | "organizer" | "system";
  created_at: string;
}

export interface RefundRule {
  until_hours_before_start: number;
  percent: number;
}

/** The event's refund policy applied to the tickets still valid, as of now. */
export interface RefundQuote {
  percent: number;
  amount: number;
  currency: string;
  /** The schedule row that gives `percent`; null when none does (no refunds, or too late). */
  rule: RefundRule | null;
  hours_before_start: number;
  ticket_ids: string[];
  policy?: { schedule: RefundRule[] };
}

/** The catalog event plus the sales window, which the catalog shape in catalog.lib leaves out. */
export type SaleEvent = CatalogEvent & {
  sales_start_at?: string | null;
  sales_end_at?: string | null;
  hold_minutes?: number;
  refund_policy?: { schedule: RefundRule[] };
  /** Present on every event; `enabled` says whether a sold-out tier takes a waitlist. */
  waitlist?: { enabled: boolean; offer_minutes: number };
};

export const PAID_STATUSES: ReadonlySet<OrderStatus> = new Set(["confirmed", "refunded", "partially_refunded"]);
