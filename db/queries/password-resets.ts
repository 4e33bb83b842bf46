/**
 * Password reset links, looked up by the token's hash only. Redeeming one is one statement: the link
 * is spent, the password set, every session of the organizer revoked and its other links spent, so
 * two racing redemptions cannot both succeed and nothing is half done.
 */
import { lt, sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { passwordResets } from "../schema";

export async function insertPasswordReset(db: HttpDatabase, values: { organizerId: string; tokenHash: string; expiresAt: Date }): Promise<string> {
  const [row] = await db.insert(passwordResets).values(values).returning({ id: passwordResets.id });
  return row!.id;
}

/** Sets the password behind a live, unused link; undefined when the link is unknown, used or expired. */
export async function redeemPasswordReset(
  db: HttpDatabase,
  tokenHash: string,
  passwordHash: string,
): Promise<{ organizerId: string; email: string } | undefined> {
  const result = await db.execute<{ organizer_id: string; email: string }>(sql`
    WITH spent AS (
      UPDATE password_resets SET used_at = now()
      WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > now()
      RETURNING organizer_id
    ), changed AS (
      UPDATE organizers SET password_hash = ${passwordHash}
      WHERE id IN (SELECT organizer_id FROM spent)
      RETURNING id, email
    ), signed_out AS (
      UPDATE organizer_sessions SET revoked_at = now()
      WHERE organizer_id IN (SELECT organizer_id FROM spent) AND revoked_at IS NULL
    ), other_links AS (
      UPDATE password_resets SET used_at = now()
      WHERE organizer_id IN (SELECT organizer_id FROM spent) AND used_at IS NULL AND token_hash <> ${tokenHash}
    )
    SELECT id AS organizer_id, email FROM changed`);
  const row = result.rows[0];
  return row ? { organizerId: row.organizer_id, email: row.email } : undefined;
}

/** Whether a link with this hash is unused and unexpired. */
export async function findLivePasswordReset(db: HttpDatabase, tokenHash: string): Promise<boolean> {
  const result = await db.execute<{ id: string }>(sql`
    SELECT id FROM password_resets WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > now() LIMIT 1`);
  return result.rows.length > 0;
}

/** Links that expired before `before`, used or not: nightly housekeeping. */
export async function dropExpiredPasswordResets(db: HttpDatabase, before: Date): Promise<void> {
  await db.delete(passwordResets).where(lt(passwordResets.expiresAt, before));
}
