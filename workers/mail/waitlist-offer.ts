/**
 * The offer mail: units are held in the entrant's name until the offer expires; the signed link
 * opens the offer page (the token travels in the URL fragment, never sent to a server by browsers).
 */
import type { QueueMessage } from "../messages";
import { escapeHtml } from "./html";
import { zonedWhen } from "./when";

export interface OfferFacts {
  entryId: string;
  offerToken: string;
  baseUrl: string;
  to: string;
  attendeeName: string;
  eventTitle: string;
  quantity: number;
  seats: string[];
  expiresAt: Date;
  timezone: string;
}

export function waitlistOfferMail(facts: OfferFacts): Extract<QueueMessage, { type: "mail.send" }> {
  const link = `${facts.baseUrl.replace(/\/$/, "")}/offer#token=${facts.offerToken}`;
  // The deadline with its zone's name, so nobody across a border misreads it.
  const until = zonedWhen(facts.expiresAt, facts.timezone, "medium");
  const one = new Intl.PluralRules("en-GB").select(facts.quantity) === "one";
  const seats = facts.seats.length ? ` (${facts.seats.length === 1 ? "seat" : "seats"} ${new Intl.ListFormat("en-GB", { type: "conjunction" }).format(facts.seats)})` : "";
  const what = `${facts.quantity} ${one ? "ticket" : "tickets"}${seats} ${one ? "is" : "are"}`;
  return {
    type: "mail.send",
    dedupe_key: `waitlist-offer:${facts.entryId}`,
    to: facts.to,
    subject: `Tickets are waiting for you: ${facts.eventTitle}`,
    text:
      `Hello ${facts.attendeeName},\n\nYour turn on the waitlist for ${facts.eventTitle} has come: ${what} held for you until ${until}.\n` +
      `Buy ${one ? "it" : "them"} here: ${link}\n\nIf you do not want them, ignore this mail; they pass to the next person when the offer ends.\n\nAdmit One`,
    html:
      `<p>Hello ${escapeHtml(facts.attendeeName)},</p>` +
      `<p>Your turn on the waitlist for <strong>${escapeHtml(facts.eventTitle)}</strong> has come: ${escapeHtml(what)} held for you until ${escapeHtml(until)}.</p>` +
      `<p><a href="${escapeHtml(link)}">Buy your tickets</a></p>` +
      `<p>If you do not want them, ignore this mail; they pass to the next person when the offer ends.</p><p>Admit One</p>`,
  };
}
