/**
 * Password sign-in. Each attempt is counted per (email, client address) before its password is
 * checked (workers/domain/sign-in-throttle.ts), so forty parallel guesses get the same few checks
 * as forty in a row, and an owner signing in from elsewhere is never held back by them. Unknown
 * emails are checked against a hash of the same cost, so timing does not reveal which exist.
 */
import type { HttpDatabase } from "../../db/client";
import { findOrganizerByEmail, recordLoginAttempt, type OrganizerRow } from "../../db/queries/organizers";
import { forgetSignInAttempts, reserveSignInAttempt } from "../../db/queries/sign-in-throttles";
import { verifyAccountPassword } from "../auth/passwords";
import { clientKeyOf } from "../client-address";
import { FORGET_FAILURES_AFTER_SECONDS, waitSchedule } from "../domain/sign-in-throttle";
import { ApiError } from "../errors";
import { enforceLimit, SIGN_INS_PER_ADDRESS } from "./address-limits";

/** Clients Cloudflare reported no public address for (local tools, tests) share one count per email. */
const UNKNOWN_CLIENT = "unknown";
const WAITS = waitSchedule();

export async function signIn(
  env: Env,
  db: HttpDatabase,
  credentials: { email: string; password: string },
  clientAddress: string | undefined,
): Promise<OrganizerRow> {
  const email = credentials.email.trim().toLowerCase();
  const clientKey = await clientKeyOf(env.SIGNING_MASTER_KEY, clientAddress);
  await enforceLimit(db, SIGN_INS_PER_ADDRESS, clientKey, "sign-in attempts");
  const client = clientKey ?? UNKNOWN_CLIENT;
  const reserved = await reserveSignInAttempt(db, email, client, WAITS, FORGET_FAILURES_AFTER_SECONDS);
  if (!reserved.ok) {
    throw new ApiError(
      "RATE_LIMITED",
      `Too many sign-in attempts for this account from your network. Try again in ${reserved.retryAfterSeconds} seconds, or reset your password.`,
      { retry_after_seconds: reserved.retryAfterSeconds },
    );
  }
  const organizer = await findOrganizerByEmail(db, email);
  const valid = await verifyAccountPassword(credentials.password, organizer?.passwordHash);
  await recordLoginAttempt(db, { email, clientIp: client, succeeded: valid });
  if (!organizer || !valid) throw new ApiError("UNAUTHENTICATED", "That email and password do not match an organizer account.");
  await forgetSignInAttempts(db, email, client);
  return organizer;
}
