import { eq, inArray } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { sentMail } from "../schema";

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

/** Which of these dedupe keys were sent already: one query for a whole Queue batch's mails. */
export async function sentMailKeys(db: HttpDatabase, dedupeKeys: readonly string[]): Promise<Set<string>> {
  if (dedupeKeys.length === 0) return new Set();
  const rows = await db.select({ key: sentMail.dedupeKey }).from(sentMail).where(inArray(sentMail.dedupeKey, [...dedupeKeys]));
  return new Set(rows.map((r) => r.key));
}

/** The mails a Queue batch sent, in one statement (a key recorded before is left as it was). */
export async function recordMailsSent(db: HttpDatabase, mails: readonly { dedupeKey: string; providerMessageId: string; recipient: string; subject: string }[]): Promise<void> {
  if (mails.length === 0) return;
  await db.insert(sentMail).values([...mails]).onConflictDoNothing();
}
