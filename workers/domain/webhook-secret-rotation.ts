/**
 * Rotating a webhook endpoint's signing secret, as Stripe rolls one: the new secret signs every
 * delivery at once, and for a grace period the old one signs it too (two `v1=` values in
 * Admit-One-Signature), so a receiver can switch to the new secret whenever it likes within it.
 * After the grace only the new secret signs. Rotating again during a grace keeps only the secret it
 * replaces as the old one: the one before that stops signing at once.
 */

/** The grace when none is asked for: a day. */
export const DEFAULT_GRACE_SECONDS = 24 * 3600;
/** The longest grace: a week. 0 ends the old secret at once. */
export const MAX_GRACE_SECONDS = 7 * 24 * 3600;

/** When the old secret stops signing, for a rotation at `now` (ms) with the grace asked for. */
export function graceEndsAt(now: number, expiresInSeconds: number | undefined): number {
  return now + (expiresInSeconds ?? DEFAULT_GRACE_SECONDS) * 1000;
}

/**
 * The secrets a delivery at `now` is signed with, the current one first; the previous one only while
 * its grace lasts.
 */
export function signingSecrets<S>(current: S, previous: { secret: S; expiresAt: number } | undefined, now: number): S[] {
  return previous && previous.expiresAt > now ? [current, previous.secret] : [current];
}

/** The previous secret's end as the endpoint shows it: null once it signs no more. */
export function graceShown(expiresAt: Date | null, now: number): Date | null {
  return expiresAt && expiresAt.getTime() > now ? expiresAt : null;
}
