/**
 * Password guessing is slowed per (email, client address), never locked for everyone. In a
 * sentence: the first few attempts in a row are free; from then on each further attempt must wait
 * twice as long as the one before, up to an hour; a success, or a day of quiet, starts over. An
 * attempt is counted before its password is checked, so parallel guesses cannot slip past the count,
 * and the owner signing in from another address is never held back by someone else's guesses.
 */
export const FREE_SIGN_IN_ATTEMPTS = 5;
export const FIRST_WAIT_SECONDS = 30;
export const LONGEST_WAIT_SECONDS = 3_600;
/** After this long without an attempt, the failures in a row are forgotten. */
export const FORGET_FAILURES_AFTER_SECONDS = 24 * 3_600;

/** How long the next attempt must wait after `attempts` unsuccessful attempts in a row. */
export function waitAfterAttempts(attempts: number): number {
  if (attempts < FREE_SIGN_IN_ATTEMPTS) return 0;
  return Math.min(FIRST_WAIT_SECONDS * 2 ** (attempts - FREE_SIGN_IN_ATTEMPTS), LONGEST_WAIT_SECONDS);
}

/**
 * The waits indexed by attempts in a row (index 0 = after the first attempt), ending at the first
 * that reaches the longest wait: the database applies the rule from this table in the same statement
 * that counts the attempt (db/queries/sign-in-throttles.ts).
 */
export function waitSchedule(): number[] {
  const waits: number[] = [];
  for (let attempts = 1; waits.at(-1) !== LONGEST_WAIT_SECONDS; attempts++) waits.push(waitAfterAttempts(attempts));
  return waits;
}
