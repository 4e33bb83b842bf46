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
  event_id: string;
  tier_id: string;
  quantity: number;
  amount: number;
  currency: string;
  hold_expires_at: string | null;
  created_at: string;
  payments: { status: string; amount: number; currency: string; failure_code: string | null }[];
  refunds: { refund_id: string; amount: number; currency: string; status: string; reason: string | null; created_at: string }[];
}

/** The catalog event plus the sales window, which the catalog shape in catalog.lib leaves out. */
export type SaleEvent = CatalogEvent & { sales_start_at?: string | null; sales_end_at?: string | null; hold_minutes?: number };

export const PAID_STATUSES: ReadonlySet<OrderStatus> = new Set(["confirmed", "refunded", "partially_refunded"]);
