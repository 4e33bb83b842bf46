/**
 * The invitation mail (issue #15): a link to join an organization in a role. The token travels in
 * the URL fragment, which browsers never send to a server (nor to referrers).
 */
import type { QueueMessage } from "../messages";
import { escapeHtml } from "./html";

export interface InvitationFacts {
  invitationId: string;
  token: string;
  baseUrl: string;
  to: string;
  organizationName: string;
  inviterName: string;
  role: string;
  validDays: number;
}

export function invitationMail(facts: InvitationFacts): Extract<QueueMessage, { type: "mail.send" }> {
  const link = `${facts.baseUrl.replace(/\/$/, "")}/organizer/join#token=${facts.token}`;
  const role = facts.role.replace("_", " ");
  const sentence = `${facts.inviterName} invited you to join ${facts.organizationName} on Admit One as ${role}. The link works once, for ${facts.validDays} days; sign in, or make an account with this address, to accept.`;
  return {
    type: "mail.send",
    dedupe_key: `invitation:${facts.invitationId}`,
    to: facts.to,
    subject: `Join ${facts.organizationName} on Admit One`,
    text: `Hello,\n\n${sentence}\nAccept the invitation: ${link}\n\nIf you did not expect it, ignore this mail.\n\nAdmit One`,
    html:
      `<p>Hello,</p><p>${escapeHtml(sentence)}</p>` +
      `<p><a href="${escapeHtml(link)}">Accept the invitation</a></p><p>If you did not expect it, ignore this mail.</p><p>Admit One</p>`,
  };
}
