/**
 * The refund mail: how much comes back, for how many tickets, and the link to the order page. A
 * refund of an amount (the organizer's, money only) names no tickets and says they stay valid.
 */
import type { QueueMessage } from "../messages";
import { formatMoney } from "../domain/currency";
import { escapeHtml } from "./html";

export interface RefundFacts {
  refundId: string;
  orderId: string;
  orderToken: string;
  baseUrl: string;
  to: string;
  attendeeName: string;
  eventTitle: string;
  eventCancelled: boolean;
  amount: number;
  currency: string;
  /** Tickets this refund revoked; 0 for a refund of an amount, which leaves the tickets valid. */
  tickets: number;
  /** Tickets of the order still valid after it (only read for a refund of an amount). */
  validTickets?: number;
}

function refundSentence(facts: RefundFacts, money: string): string {
  const why = facts.eventCancelled ? `${facts.eventTitle} has been cancelled. ` : "";
  if (facts.tickets > 0) {
    const tickets = `${facts.tickets} ticket${facts.tickets === 1 ? "" : "s"}`;
    return `${why}We have refunded ${money} for ${tickets}; those tickets no longer admit anyone.`;
  }
  // Money only: what an earlier partial refund kept, or a goodwill amount. The tickets are untouched.
  const valid = facts.validTickets ?? 0;
  if (facts.eventCancelled || valid === 0) return `${why}We have refunded ${money} of your order.`;
  const stay = valid === 1 ? "Your ticket stays valid" : `Your ${valid} tickets stay valid`;
  return `${why}We have refunded ${money} of your order. ${stay}: nothing changes at the door.`;
}

export function refundMail(facts: RefundFacts): Extract<QueueMessage, { type: "mail.send" }> {
  const link = `${facts.baseUrl.replace(/\/$/, "")}/order?order=${facts.orderId}#token=${facts.orderToken}`;
  const money = formatMoney(facts.amount, facts.currency);
  const sentence = refundSentence(facts, money);
  return {
    type: "mail.send",
    dedupe_key: `refund:${facts.refundId}`,
    to: facts.to,
    subject: facts.eventCancelled ? `Cancelled: ${facts.eventTitle} (refund of ${money})` : `Your refund for ${facts.eventTitle}`,
    text: `Hello ${facts.attendeeName},\n\n${sentence}\nYour order: ${link}\n\nAdmit One`,
    html: `<p>Hello ${escapeHtml(facts.attendeeName)},</p><p>${escapeHtml(sentence)}</p><p><a href="${escapeHtml(link)}">Your order</a></p><p>Admit One</p>`,
  };
}
