/**
 * The purchase shapes the checkout, order and refund pages read, named once. Each is what the API's
 * route answers (through hono's typed client, api-client.lib.ts), not a copy of it.
 */
import type { OrderView } from "./api-client.lib";

export type { ConfirmedOrder, OrderView, PendingOrder, SaleEvent } from "./api-client.lib";

export type OrderStatus = OrderView["status"];
export type Ticket = OrderView["tickets"][number];
export type Refund = OrderView["refunds"][number];
/** The event's refund policy applied to the tickets still valid, as of now; null unless the order is paid. */
export type RefundQuote = NonNullable<OrderView["refund_quote"]>;
export type RefundRule = RefundQuote["policy"]["schedule"][number];

export const PAID_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>(["confirmed", "refunded", "partially_refunded"]);
