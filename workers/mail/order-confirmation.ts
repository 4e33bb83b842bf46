/**
 * The confirmation mail: what was bought and the link that reopens the order page with its
 * tickets. The order token travels in the URL fragment, which browsers never send to a server.
 */
import type { QueueMessage } from "../messages";
import { escapeHtml as escape } from "./html";

export interface ConfirmationFacts {
  orderId: string;
  orderToken: string;
  baseUrl: string;
  to: string;
  attendeeName: string;
  eventTitle: string;
  startsAt: Date;
  timezone: string;
  seats: (string | null)[];
}

export function orderConfirmationMail(facts: ConfirmationFacts): Extract<QueueMessage, { type: "mail.send" }> {
  const link = `${facts.baseUrl.replace(/\/$/, "")}/order?order=${facts.orderId}#token=${facts.orderToken}`;
  const when = facts.startsAt.toLocaleString("en-GB", { dateStyle: "full", timeStyle: "short", timeZone: facts.timezone });
  const seated = facts.seats.filter((s): s is string => s !== null);
  const what = `${facts.seats.length} ticket${facts.seats.length === 1 ? "" : "s"}${seated.length ? ` (seats ${seated.join(", ")})` : ""}`;
  return {
    type: "mail.send",
    dedupe_key: `order-confirmed:${facts.orderId}`,
    to: facts.to,
    subject: `Your tickets for ${facts.eventTitle}`,
    text: `Hello ${facts.attendeeName},\n\nYou have ${what} for ${facts.eventTitle} on ${when}.\nShow the QR codes at the door: ${link}\n\nAdmit One`,
    html:
      `<p>Hello ${escape(facts.attendeeName)},</p>` +
      `<p>You have ${escape(what)} for <strong>${escape(facts.eventTitle)}</strong> on ${escape(when)}.</p>` +
      `<p><a href="${escape(link)}">Open your tickets</a> and show the QR codes at the door.</p><p>Admit One</p>`,
  };
}
