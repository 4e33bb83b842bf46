import { eq } from "drizzle-orm";
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
