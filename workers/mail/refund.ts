/**
 * The refund mail: how much comes back, for how many tickets, and the link to the order page.
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
  tickets: number;
}

export function refundMail(facts: RefundFacts): Extract<QueueMessage, { type: "mail.send" }> {
  const link = `${facts.baseUrl.replace(/\/$/, "")}/order?order=${facts.orderId}#token=${facts.orderToken}`;
  const money = formatMoney(facts.amount, facts.currency);
  const tickets = `${facts.tickets} ticket${facts.tickets === 1 ? "" : "s"}`;
  const why = facts.eventCancelled ? `${facts.eventTitle} has been cancelled. ` : "";
  const sentence = `${why}We have refunded ${money} for ${tickets}; those tickets no longer admit anyone.`;
  return {
    type: "mail.send",
    dedupe_key: `refund:${facts.refundId}`,
    to: facts.to,
    subject: facts.eventCancelled ? `Cancelled: ${facts.eventTitle} (refund of ${money})` : `Your refund for ${facts.eventTitle}`,
    text: `Hello ${facts.attendeeName},\n\n${sentence}\nYour order: ${link}\n\nAdmit One`,
    html: `<p>Hello ${escapeHtml(facts.attendeeName)},</p><p>${escapeHtml(sentence)}</p><p><a href="${escapeHtml(link)}">Your order</a></p><p>Admit One</p>`,
  };
}
