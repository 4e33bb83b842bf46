/**
 * What the organizer's order and waitlist lists read (`GET /events/{id}/orders` and `…/waitlist`),
 * and what a refund by the organizer could still give back.
 */

/** One ticket of an order as the list gives it: `checked_in` is still valid, `revoked` was not a refund. */
export interface OrderTicket {
  ticket_id: string;
  seat: string | null;
  tier: string;
  /** What the order paid for it (minor units): the organizer's refund of it gives this back, capped by what is left. */
  price: number;
  status: "valid" | "checked_in" | "refunded" | "revoked";
}

export interface OrderRow {
  order_id: string;
  created_at: string;
  status: string;
  attendee_name: string;
  email: string;
  tier: string;
  quantity: number;
  amount: number;
  currency: string;
  refunded: number;
  /** The code in the attendee's mail (paid orders). */
  order_code: string | null;
  /** Set when a pending order's hold ran out: it reads `expired` from then on. */
  expired_at: string | null;
  /** The buyer's next attempt at the same tier, when this one was replaced (declined, abandoned). */
  superseded_by: string | null;
  /** Issued tickets (none before payment). */
  tickets: OrderTicket[];
}

export interface WaitlistRow {
  entry_id: string;
  tier_id: string;
  position: number;
  quantity: number;
  status: string;
  attendee: { name: string; email: string };
  offer_expires_at: string | null;
  joined_at: string;
}

/** What a refund by the organizer would still give back. */
export function refundable(order: OrderRow): number {
  // A refunded order may still hold money: every ticket refunded at the policy's 50% leaves half.
  return ["confirmed", "partially_refunded", "refunded"].includes(order.status) ? Math.max(0, order.amount - order.refunded) : 0;
}

/** Tickets an organizer can still refund (valid, checked in or not). */
export function refundableTickets(order: OrderRow): OrderTicket[] {
  return order.tickets.filter((t) => t.status === "valid" || t.status === "checked_in");
}

/** "Seat B1 · Stalls", or "Ticket 2 · GA" for general admission. */
export function ticketLabel(ticket: OrderTicket, index: number): string {
  return `${ticket.seat ? `Seat ${ticket.seat}` : `Ticket ${index + 1}`} · ${ticket.tier}`;
}
