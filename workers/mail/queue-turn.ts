/**
 * "It's your turn": sent once to a person who asked on the waiting-room page, when the watermark
 * admits their place. The link carries the place's queue token in the URL fragment (never sent to
 * a server by browsers), so it resumes the place on whichever device opens it; docs/waiting-room.md
 * says why that is safe.
 */
import type { QueueMessage } from "../messages";
import { escapeHtml } from "./html";
import { zonedWhen } from "./when";

export interface TurnFacts {
  eventId: string;
  /** The place's join id: one mail per place, whatever repeats. */
  joinId: string;
  queueToken: string;
  baseUrl: string;
  to: string;
  eventTitle: string;
  /** When the access that came with the turn ends (the release plus the session length). */
  accessEndsAt: Date;
  timezone: string;
}

export const turnMailKey = (eventId: string, joinId: string) => `queue-turn:${eventId}:${joinId}`;

export function queueTurnMail(facts: TurnFacts): Extract<QueueMessage, { type: "mail.send" }> {
  const link = `${facts.baseUrl.replace(/\/$/, "")}/queue?event=${encodeURIComponent(facts.eventId)}#queue_token=${encodeURIComponent(facts.queueToken)}`;
  const until = zonedWhen(facts.accessEndsAt, facts.timezone, "medium");
  return {
    type: "mail.send",
    dedupe_key: turnMailKey(facts.eventId, facts.joinId),
    to: facts.to,
    subject: `It's your turn: ${facts.eventTitle}`,
    text:
      `Hello,\n\nYour turn in the waiting room for ${facts.eventTitle} has come. You can choose and buy tickets until ${until}.\n` +
      `Continue here: ${link}\n\nThe link holds your place in the queue: open it on any device, but do not forward it.\n` +
      `You get this mail because you asked for it on the waiting-room page.\n\nAdmit One`,
    html:
      `<p>Hello,</p><p>Your turn in the waiting room for <strong>${escapeHtml(facts.eventTitle)}</strong> has come. ` +
      `You can choose and buy tickets until ${escapeHtml(until)}.</p>` +
      `<p><a href="${escapeHtml(link)}">Continue to the tickets</a></p>` +
      `<p>The link holds your place in the queue: open it on any device, but do not forward it.<br>` +
      `You get this mail because you asked for it on the waiting-room page.</p><p>Admit One</p>`,
  };
}
