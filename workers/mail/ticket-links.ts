/**
 * "Your ticket links": every order an email holds tickets in, each with its code and the link that
 * opens it (the order token in the URL fragment, never sent to a server by browsers).
 */
import type { QueueMessage } from "../messages";
import { escapeHtml as escape } from "./html";
import { zonedWhen } from "./when";

export interface LinkedOrder {
  orderId: string;
  orderCode: string | null;
  orderToken: string;
  eventTitle: string;
  startsAt: Date;
  timezone: string;
  quantity: number;
}

export function ticketLinksMail(facts: { requestId: string; to: string; baseUrl: string; orders: LinkedOrder[] }): Extract<QueueMessage, { type: "mail.send" }> {
  const base = facts.baseUrl.replace(/\/$/, "");
  const rows = facts.orders.map((order) => {
    const when = zonedWhen(order.startsAt, order.timezone, "medium");
    const tickets = `${order.quantity} ${new Intl.PluralRules("en").select(order.quantity) === "one" ? "ticket" : "tickets"}`;
    return { ...order, when, tickets, link: `${base}/order?order=${order.orderId}#token=${order.orderToken}` };
  });
  const one = rows.length === 1;
  return {
    type: "mail.send",
    dedupe_key: `ticket-links:${facts.requestId}`,
    to: facts.to,
    subject: one ? `Your tickets for ${rows[0]!.eventTitle}` : "Your tickets",
    text:
      `Hello,\n\nSomeone (we hope you) asked for the links to the tickets bought with this address.\n\n` +
      rows.map((r) => `${r.eventTitle} · ${r.when} · ${r.tickets}${r.orderCode ? ` · order ${r.orderCode}` : ""}\n${r.link}`).join("\n\n") +
      `\n\nIf you did not ask, you can ignore this mail: the links went only to you.\n\nAdmit One`,
    html:
      `<p>Hello,</p><p>Someone (we hope you) asked for the links to the tickets bought with this address.</p><ul>` +
      rows
        .map(
          (r) =>
            `<li data-order-id="${escape(r.orderId)}"><strong>${escape(r.eventTitle)}</strong> · ${escape(r.when)} · ${escape(r.tickets)}` +
            `${r.orderCode ? ` · order <strong style="font-family:monospace">${escape(r.orderCode)}</strong>` : ""}<br><a href="${escape(r.link)}">Open these tickets</a></li>`,
        )
        .join("") +
      `</ul><p>If you did not ask, you can ignore this mail: the links went only to you.</p><p>Admit One</p>`,
  };
}
