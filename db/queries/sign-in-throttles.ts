/**
 * Counting sign-in attempts per (email, client) before the password is checked, in one statement:
 * the row lock of the upsert serializes parallel attempts, so no more pass than the rule allows.
 * Times are `clock_timestamp()`, not `now()`: `now()` is when this statement began, so one that
 * waited on the lock would compare against a `next_attempt_at` a later-started attempt wrote and
 * refuse a free attempt (seen as a 429 among five parallel first guesses).
 */
import { and, eq, lt, sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { loginThrottles } from "../schema";

export type SignInReservation = { ok: true; attempts: number } | { ok: false; retryAfterSeconds: number };

/**
 * Reserves one password check, or answers how long to wait. `waits[n - 1]` is the wait after n
 * attempts in a row (the last entry applies beyond); a row quiet for `forgetAfterSeconds` starts over.
 */
export async function reserveSignInAttempt(
  db: HttpDatabase,
  email: string,
  clientKey: string,
  waits: number[],
  forgetAfterSeconds: number,
): Promise<SignInReservation> {
  const schedule = sql`ARRAY[${sql.join(waits.map((w) => sql`${w}`), sql`, `)}]::int[]`;
  const last = waits.length;
  const result = await db.execute<{ attempts: number | null; wait: number | null }>(sql`
    WITH reserved AS (
      INSERT INTO login_throttles AS t (email, client_key, failures, last_attempt_at, next_attempt_at)
      VALUES (${email}, ${clientKey}, 1, clock_timestamp(), clock_timestamp() + make_interval(secs => (${schedule})[1]))
      ON CONFLICT (email, client_key) DO UPDATE SET
        failures = CASE WHEN t.last_attempt_at < clock_timestamp() - make_interval(secs => ${forgetAfterSeconds}::int) THEN 1 ELSE t.failures + 1 END,
        last_attempt_at = clock_timestamp(),
        next_attempt_at = clock_timestamp() + make_interval(secs => (${schedule})[least(
          CASE WHEN t.last_attempt_at < clock_timestamp() - make_interval(secs => ${forgetAfterSeconds}::int) THEN 1 ELSE t.failures + 1 END, ${last}::int)])
      WHERE t.next_attempt_at <= clock_timestamp() OR t.last_attempt_at < clock_timestamp() - make_interval(secs => ${forgetAfterSeconds}::int)
      RETURNING failures
    )
    SELECT (SELECT failures FROM reserved) AS attempts,
           (SELECT ceil(extract(epoch FROM next_attempt_at - clock_timestamp()))::int FROM login_throttles
             WHERE email = ${email} AND client_key = ${clientKey}) AS wait`);
  const row = result.rows[0];
  if (row?.attempts != null) return { ok: true, attempts: Number(row.attempts) };
  // A row a concurrent attempt inserted after this statement's snapshot: its first wait is the floor.
  return { ok: false, retryAfterSeconds: Math.max(1, Number(row?.wait ?? 1)) };
}

/** A successful sign-in from this client starts its count over. */
export async function forgetSignInAttempts(db: HttpDatabase, email: string, clientKey: string): Promise<void> {
  await db.delete(loginThrottles).where(and(eq(loginThrottles.email, email), eq(loginThrottles.clientKey, clientKey)));
}

/** A new password (set through a reset link) clears every client's count for the email. */
export async function forgetAllSignInAttempts(db: HttpDatabase, email: string): Promise<void> {
  await db.delete(loginThrottles).where(eq(loginThrottles.email, email));
}

/** Counts nobody has added to since `before` (the rule forgets them anyway): nightly housekeeping. */
export async function dropQuietSignInThrottles(db: HttpDatabase, before: Date): Promise<void> {
  await db.delete(loginThrottles).where(lt(loginThrottles.lastAttemptAt, before));
}
