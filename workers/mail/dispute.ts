/**
 * The organizer's notice that a buyer's bank disputed a payment: what was disputed, that the tickets
 * no longer admit anyone, and by when Stripe wants the evidence.
 */
import type { QueueMessage } from "../messages";
import { formatMoney } from "../domain/currency";
import { escapeHtml } from "./html";

export interface DisputeFacts {
  disputeId: string;
  orderId: string;
  /** One mail per owner of the organization: their id keeps each mail once. */
  recipientId: string;
  to: string;
  organizerName: string;
  eventTitle: string;
  amount: number;
  currency: string;
  reason: string;
  ticketsRevoked: number;
  evidenceDueBy: Date | null;
  baseUrl: string;
}

export function disputeMail(facts: DisputeFacts): Extract<QueueMessage, { type: "mail.send" }> {
  const money = formatMoney(facts.amount, facts.currency);
  const tickets = `${facts.ticketsRevoked} ticket${facts.ticketsRevoked === 1 ? "" : "s"}`;
  const lines = [
    `The buyer's bank disputed the payment of ${money} for order ${facts.orderId} (${facts.eventTitle}); reason given: ${facts.reason.replace(/_/g, " ")}.`,
    `We revoked the order's ${tickets}: the door refuses them from now on.`,
    facts.evidenceDueBy
      ? `Stripe takes evidence for this dispute (${facts.disputeId}) until ${facts.evidenceDueBy.toISOString().slice(0, 16).replace("T", " ")} UTC; answer it in the Stripe Dashboard.`
      : `Answer the dispute (${facts.disputeId}) in the Stripe Dashboard.`,
  ];
  const dashboard = `${facts.baseUrl.replace(/\/$/, "")}/organizer/`;
  return {
    type: "mail.send",
    dedupe_key: `dispute:${facts.disputeId}:${facts.recipientId}`,
    to: facts.to,
    subject: `Payment disputed: ${facts.eventTitle} (${money})`,
    text: `Hello ${facts.organizerName},\n\n${lines.join("\n")}\n\nYour dashboard: ${dashboard}\n\nAdmit One`,
    html: `<p>Hello ${escapeHtml(facts.organizerName)},</p>${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join("")}<p><a href="${escapeHtml(dashboard)}">Your dashboard</a></p><p>Admit One</p>`,
  };
}
