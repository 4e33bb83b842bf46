/**
 * The password reset mail: a link that sets a new password once, within its lifetime. The token
 * travels in the URL fragment, which browsers never send to a server (nor to referrers).
 */
import type { QueueMessage } from "../messages";
import { escapeHtml } from "./html";

export interface PasswordResetFacts {
  resetId: string;
  token: string;
  baseUrl: string;
  to: string;
  name: string;
  validMinutes: number;
}

export function passwordResetMail(facts: PasswordResetFacts): Extract<QueueMessage, { type: "mail.send" }> {
  const link = `${facts.baseUrl.replace(/\/$/, "")}/organizer/reset#token=${facts.token}`;
  const sentence = `Someone (we hope you) asked to set a new password for your Admit One organizer account. The link works once, for ${facts.validMinutes} minutes.`;
  const ignore = "If it was not you, ignore this mail: your password stays as it is.";
  return {
    type: "mail.send",
    dedupe_key: `password-reset:${facts.resetId}`,
    to: facts.to,
    subject: "Set a new password for Admit One",
    text: `Hello ${facts.name},\n\n${sentence}\nSet a new password: ${link}\n\n${ignore}\n\nAdmit One`,
    html:
      `<p>Hello ${escapeHtml(facts.name)},</p><p>${escapeHtml(sentence)}</p>` +
      `<p><a href="${escapeHtml(link)}">Set a new password</a></p><p>${escapeHtml(ignore)}</p><p>Admit One</p>`,
  };
}
