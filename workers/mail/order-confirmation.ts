/**
 * The confirmation mail: what was bought, where and when, the order's short code, each ticket's QR
 * code inline (a PNG per ticket, `cid:` images, drawn when the mail is sent), an `.ics` file for the
 * calendar, and the link that reopens the order page. The order token travels in the URL fragment,
 * which browsers never send to a server.
 */
import type { MailAttachment, QueueMessage } from "../messages";
import { base64 } from "./base64";
import { calendarFile } from "./calendar";
import { escapeHtml as escape } from "./html";
import { zonedWhen } from "./when";

export interface ConfirmationFacts {
  orderId: string;
  orderCode: string;
  orderToken: string;
  baseUrl: string;
  to: string;
  attendeeName: string;
  eventId: string;
  eventTitle: string;
  /** The organizer's name, as attendees see it on the event page. */
  organizerName: string;
  startsAt: Date;
  endsAt: Date;
  timezone: string;
  venue: { name: string; address: string; city: string };
  /** `qrMask`: the mask of the ticket's QR symbol as pay drew it, passed on so the mail's PNG skips the search. */
  tickets: { token: string; seat: string | null; qrMask?: number }[];
  confirmedAt: Date;
}

/**
 * Inline QR images beyond this many stay on the order page: a mail with 50 ticket images is heavy
 * to send and to read, and the link shows them all.
 */
export const INLINE_QR_LIMIT = 10;

/** "UX Theatre, Rua das Flores 12, Porto", leaving out empty parts. */
export function venueLine(venue: ConfirmationFacts["venue"]): string {
  return [venue.name, venue.address, venue.city].map((part) => part.trim()).filter(Boolean).join(", ");
}

/** Built once per isolate: constructing an Intl formatter loads its locale data. */
const PLURAL = new Intl.PluralRules("en");
const LIST = new Intl.ListFormat("en", { type: "conjunction" });

export function orderConfirmationMail(facts: ConfirmationFacts): Extract<QueueMessage, { type: "mail.send" }> {
  const base = facts.baseUrl.replace(/\/$/, "");
  const link = `${base}/order?order=${facts.orderId}#token=${facts.orderToken}`;
  const when = zonedWhen(facts.startsAt, facts.timezone, "full");
  const where = venueLine(facts.venue);
  const seated = facts.tickets.flatMap((t) => (t.seat ? [t.seat] : []));
  const one = PLURAL.select(facts.tickets.length) === "one";
  const seats = seated.length ? ` (${seated.length === 1 ? "seat" : "seats"} ${LIST.format(seated)})` : "";
  const what = `${facts.tickets.length} ${one ? "ticket" : "tickets"}${seats}`;
  const shown = facts.tickets.slice(0, INLINE_QR_LIMIT);
  const rest = facts.tickets.length - shown.length;

  const qrImages: MailAttachment[] = shown.map((ticket, i) => ({ filename: `ticket-${i + 1}.png`, content_id: `ticket-${i + 1}`, qr_png_of: ticket.token, ...(ticket.qrMask === undefined ? {} : { qr_mask: ticket.qrMask }) }));
  const ics = calendarFile({
    uid: `order-${facts.orderId}@admit-one`,
    stampedAt: facts.confirmedAt,
    startsAt: facts.startsAt,
    endsAt: facts.endsAt,
    summary: facts.eventTitle,
    location: where,
    description: `Order ${facts.orderCode}: ${what}. Your tickets are in your confirmation mail.`,
    url: `${base}/event?id=${facts.eventId}`,
  });
  const calendar: MailAttachment = { filename: "event.ics", content_type: "text/calendar; charset=utf-8; method=PUBLISH", content: base64(new TextEncoder().encode(ics)) };

  const ticketsHtml = shown
    .map(
      (ticket, i) =>
        `<figure style="display:inline-block;margin:0 16px 16px 0;text-align:center">` +
        `<img src="cid:ticket-${i + 1}" alt="QR code of ticket ${i + 1}${ticket.seat ? `, seat ${escape(ticket.seat)}` : ""}" width="240" height="240" style="display:block">` +
        `<figcaption>Ticket ${i + 1}${ticket.seat ? ` · seat ${escape(ticket.seat)}` : ""}</figcaption></figure>`,
    )
    .join("");
  const restLine = rest > 0 ? `The other ${rest} ${rest === 1 ? "ticket is" : "tickets are"} on your order page.` : "";

  return {
    type: "mail.send",
    dedupe_key: `order-confirmed:${facts.orderId}`,
    to: facts.to,
    subject: `Your tickets for ${facts.eventTitle} (order ${facts.orderCode})`,
    text:
      `Hello ${facts.attendeeName},\n\nYou have ${what} for ${facts.eventTitle}.\n\n` +
      `Order: ${facts.orderCode}\nWhen: ${when}\n${where ? `Where: ${where}\n` : ""}Organizer: ${facts.organizerName}\n\n` +
      `Show the QR codes at the door: ${link}\n${restLine ? `${restLine}\n` : ""}\nThe attached event.ics adds the event to your calendar.\nLost this mail? Get your ticket links again: ${base}/tickets\n\nAdmit One`,
    html:
      `<p>Hello ${escape(facts.attendeeName)},</p>` +
      `<p>You have ${escape(what)} for <strong>${escape(facts.eventTitle)}</strong>.</p>` +
      `<table role="presentation" style="border-collapse:collapse;margin:0 0 16px">` +
      `<tr><td style="padding:2px 16px 2px 0;color:#555">Order</td><td><strong data-order-code style="font-family:monospace;font-size:1.25em;letter-spacing:0.1em">${escape(facts.orderCode)}</strong></td></tr>` +
      `<tr><td style="padding:2px 16px 2px 0;color:#555">When</td><td>${escape(when)}</td></tr>` +
      (where ? `<tr><td style="padding:2px 16px 2px 0;color:#555">Where</td><td>${escape(where)}</td></tr>` : "") +
      `<tr><td style="padding:2px 16px 2px 0;color:#555">Organizer</td><td data-organizer>${escape(facts.organizerName)}</td></tr>` +
      `</table>` +
      `<p>Show these at the door:</p><div>${ticketsHtml}</div>` +
      (restLine ? `<p>${escape(restLine)}</p>` : "") +
      `<p><a href="${escape(link)}">Open your tickets</a> to see them on your phone, or to ask for a refund. The attached event.ics adds the event to your calendar.</p>` +
      `<p style="color:#555">Lost this mail later? <a href="${escape(`${base}/tickets`)}">Get your ticket links again</a>.</p><p>Admit One</p>`,
    attachments: [...qrImages, calendar],
  };
}
