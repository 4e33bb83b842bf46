/**
 * Password reset by mail, so an organizer is never stuck: asking always answers the same whether
 * the email has an account or not; the mail carries a single-use link valid for RESET_MINUTES,
 * stored only as its hash; setting the password through it signs out every session and clears the
 * sign-in back-off for the email.
 */
import type { HttpDatabase } from "../../db/client";
import { findOrganizerByEmail } from "../../db/queries/organizers";
import { enqueueOutbox } from "../../db/queries/outbox";
import { insertPasswordReset, redeemPasswordReset, findLivePasswordReset } from "../../db/queries/password-resets";
import { forgetAllSignInAttempts } from "../../db/queries/sign-in-throttles";
import { hashPassword } from "../auth/passwords";
import { randomToken, sha256Hex } from "../auth/tokens";
import { clientKeyOf } from "../client-address";
import { ApiError } from "../errors";
import { passwordResetMail } from "../mail/password-reset";
import { enforceLimit, RESET_MAILS_PER_EMAIL, RESET_REQUESTS_PER_ADDRESS, withinLimit } from "./address-limits";

export const RESET_MINUTES = 30;
export const RESET_TOKEN_PREFIX = "ao_reset_";

export async function requestPasswordReset(env: Env, db: HttpDatabase, address: string, clientAddress: string | undefined, now: Date): Promise<void> {
  const email = address.trim().toLowerCase();
  await enforceLimit(db, RESET_REQUESTS_PER_ADDRESS, await clientKeyOf(env.SIGNING_MASTER_KEY, clientAddress), "password reset requests");
  if (!(await withinLimit(db, RESET_MAILS_PER_EMAIL, email)).ok) return;
  const organizer = await findOrganizerByEmail(db, email);
  if (!organizer) return;
  const token = randomToken(RESET_TOKEN_PREFIX);
  const resetId = await insertPasswordReset(db, {
    organizerId: organizer.id,
    tokenHash: await sha256Hex(token),
    expiresAt: new Date(now.getTime() + RESET_MINUTES * 60_000),
  });
  const mail = passwordResetMail({ resetId, token, baseUrl: env.PUBLIC_BASE_URL, to: organizer.email, name: organizer.name, validMinutes: RESET_MINUTES });
  await enqueueOutbox(db, "mail", mail.dedupe_key, mail);
}

const linkGone = () => new ApiError("NOT_FOUND", "This reset link is not valid any more: it was used already or it expired. Ask for a new one.");

export async function resetPassword(db: HttpDatabase, token: string, password: string): Promise<{ organizerId: string; email: string }> {
  const tokenHash = await sha256Hex(token);
  // Looked up before hashing, so made-up tokens cost no PBKDF2; the redemption below checks again.
  if (!token.startsWith(RESET_TOKEN_PREFIX) || !(await findLivePasswordReset(db, tokenHash))) throw linkGone();
  const changed = await redeemPasswordReset(db, tokenHash, await hashPassword(password));
  if (!changed) throw linkGone();
  await forgetAllSignInAttempts(db, changed.email.toLowerCase());
  return changed;
}
