/**
 * The transactional outbox: rows are written in the same transaction as the change they announce,
 * then published to the Queue by the cron sweep. Publishing twice is harmless (messages dedupe).
 */
import { and, asc, inArray, isNull, sql } from "drizzle-orm";
import type { HttpDatabase, Transaction } from "../client";
import { outbox } from "../schema";

export async function enqueueOutbox(
  tx: Transaction | HttpDatabase,
  topic: string,
  dedupeKey: string,
  payload: unknown,
): Promise<void> {
  await tx.insert(outbox).values({ topic, dedupeKey, payload }).onConflictDoNothing();
}

export async function takeUnpublished(db: HttpDatabase, limit: number) {
  return db
    .select()
    .from(outbox)
    .where(isNull(outbox.publishedAt))
    .orderBy(asc(outbox.id))
    .limit(limit);
}

export async function markPublished(db: HttpDatabase, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(outbox)
    .set({ publishedAt: sql`now()`, attempts: sql`${outbox.attempts} + 1` })
    .where(and(inArray(outbox.id, ids), isNull(outbox.publishedAt)));
}
