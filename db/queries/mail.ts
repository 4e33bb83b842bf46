import { eq, sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { sentMail } from "../schema";
import { markPublishedCte } from "./outbox";

export async function wasMailSent(db: HttpDatabase, dedupeKey: string): Promise<boolean> {
  const rows = await db.select({ key: sentMail.dedupeKey }).from(sentMail).where(eq(sentMail.dedupeKey, dedupeKey)).limit(1);
  return rows.length > 0;
}

export async function recordMailSent(
  db: HttpDatabase,
  mail: { dedupeKey: string; providerMessageId: string; recipient: string; subject: string },
): Promise<void> {
  await db.insert(sentMail).values(mail).onConflictDoNothing();
}

/**
 * Which of these dedupe keys were sent already: one query for a whole Queue batch's mails. The same
 * statement marks the outbox rows of these keys published (the Queue has their messages: it just
 * delivered them), which is how rows pay sent itself get marked (db/queries/outbox.ts).
 */
export async function sentMailKeys(db: HttpDatabase, dedupeKeys: readonly string[]): Promise<Set<string>> {
  if (dedupeKeys.length === 0) return new Set();
  const result = await db.execute<{ key: string }>(sql`
    WITH ${markPublishedCte("published", dedupeKeys)}
    SELECT dedupe_key AS key FROM sent_mail WHERE dedupe_key IN (SELECT jsonb_array_elements_text(${JSON.stringify([...dedupeKeys])}::jsonb))`);
  return new Set((result.rows as { key: string }[]).map((r) => r.key));
}

/** The mails a Queue batch sent, in one statement (a key recorded before is left as it was). */
export async function recordMailsSent(db: HttpDatabase, mails: readonly { dedupeKey: string; providerMessageId: string; recipient: string; subject: string }[]): Promise<void> {
  if (mails.length === 0) return;
  await db.insert(sentMail).values([...mails]).onConflictDoNothing();
}
