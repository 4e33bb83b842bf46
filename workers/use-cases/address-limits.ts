/**
 * Limits per client address (or per other key) and window, for calls that are cheap to send and
 * dear to answer: sign-ups and sign-ins run PBKDF2, reset requests send mail. The key is the keyed
 * hash of Cloudflare's address (workers/client-address.ts); null (loopback, unknown) is not limited.
 */
import { countHit } from "../../db/queries/rate-limits";
import type { HttpDatabase } from "../../db/client";
import { ApiError } from "../errors";

export interface WindowLimit {
  bucket: string;
  limit: number;
  windowSeconds: number;
}

export const SIGN_UPS_PER_ADDRESS: WindowLimit = { bucket: "sign-up", limit: 5, windowSeconds: 3_600 };
/** Password checks per address across all emails: bounds the hashing one network can ask for. */
export const SIGN_INS_PER_ADDRESS: WindowLimit = { bucket: "sign-in", limit: 100, windowSeconds: 600 };
export const RESET_REQUESTS_PER_ADDRESS: WindowLimit = { bucket: "password-reset", limit: 10, windowSeconds: 3_600 };
/** Reset mails per email: more requests are answered alike but send nothing, so nobody is mail-bombed. */
export const RESET_MAILS_PER_EMAIL: WindowLimit = { bucket: "password-reset-mail", limit: 3, windowSeconds: 3_600 };

/** Counts the call; false once `key` passed the limit in this window (null keys always pass). */
export async function withinLimit(db: HttpDatabase, rule: WindowLimit, key: string | null): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
  if (key === null) return { ok: true };
  const { hits, retryAfterSeconds } = await countHit(db, rule.bucket, key, rule.windowSeconds);
  return hits <= rule.limit ? { ok: true } : { ok: false, retryAfterSeconds };
}

/** Counts the call and answers 429 RATE_LIMITED (with Retry-After) past the limit. */
export async function enforceLimit(db: HttpDatabase, rule: WindowLimit, key: string | null, what: string): Promise<void> {
  const verdict = await withinLimit(db, rule, key);
  if (!verdict.ok) {
    throw new ApiError("RATE_LIMITED", `Too many ${what} from your network. Try again in ${Math.ceil(verdict.retryAfterSeconds / 60)} minutes.`, {
      retry_after_seconds: verdict.retryAfterSeconds,
    });
  }
}
