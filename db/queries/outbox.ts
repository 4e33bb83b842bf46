/**
 * The transactional outbox: rows are written in the same statement or transaction as the change they
 * announce, then handed to the Queue. At least once, never by two publishers at the same time:
 *
 *  - a publisher CLAIMS rows (claimUnpublished): one statement sets `lease_until` on up to n
 *    unpublished rows whose lease is free, locking them with FOR UPDATE SKIP LOCKED, so concurrent
 *    publishers (overlapping cron ticks, a refund's publish beside the cron) take disjoint rows;
 *  - it sends them, then marks them published (markPublished);
 *  - a row whose lease ran out without being marked (the publisher crashed, the send or the mark
 *    failed) is claimable again, and is sent again: consumers dedupe every message by its key.
 *
 * Pay's confirmation writes its rows already leased (outboxLeaseUntil) and sends them itself; the
 * Queue consumer marks them published when it takes them (markPublishedCte), so pay makes no round
 * trip for it. If pay's send fails the lease runs out and the cron publishes them.
 */
import { and, inArray, isNull, sql, type SQL } from "drizzle-orm";
import type { HttpDatabase, Transaction } from "../client";
import { outbox } from "../schema";

/**
 * How long a claim holds a row. Longer than any send and than the Queue's usual delay before the
 * consumer takes a message pay sent (a few seconds); it is also how late a row whose send failed
 * goes out (plus the cron's minute).
 */
export const OUTBOX_LEASE_SECONDS = 300;

/** `lease_until` for a row claimed now (the statement's now(), so every claim uses the database's clock). */
export function outboxLeaseUntil(): SQL {
  return sql.raw(`now() + interval '${OUTBOX_LEASE_SECONDS} seconds'`);
}

export async function enqueueOutbox(
  tx: Transaction | HttpDatabase,
  topic: string,
  dedupeKey: string,
  payload: unknown,
): Promise<void> {
  await tx.insert(outbox).values({ topic, dedupeKey, payload }).onConflictDoNothing();
}

export interface ClaimedOutboxRow {
  id: number;
  payload: unknown;
}

/**
 * Claims up to `limit` unpublished rows whose lease is free, oldest first, in one statement: the
 * rows are locked (skipping those another claim holds), leased and counted as an attempt. Under READ
 * COMMITTED a row another claim leased and committed after this statement began is re-checked on its
 * new version when locked, finds its lease taken, and is left out, so no two claims get one row while
 * its lease runs.
 */
export async function claimUnpublished(db: HttpDatabase, limit: number): Promise<ClaimedOutboxRow[]> {
  const result = await db.execute<{ id: string | number; payload: unknown }>(sql`
    UPDATE outbox SET lease_until = ${outboxLeaseUntil()}, attempts = attempts + 1
    WHERE id IN (
      SELECT id FROM outbox
      WHERE published_at IS NULL AND (lease_until IS NULL OR lease_until <= now())
      ORDER BY id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id, payload`);
  return (result.rows as { id: string | number; payload: unknown }[]).map((row) => ({ id: Number(row.id), payload: row.payload })).sort((a, b) => a.id - b.id);
}

/** After the Queue took them. */
export async function markPublished(db: HttpDatabase, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(outbox)
    .set({ publishedAt: sql`now()` })
    .where(and(inArray(outbox.id, ids), isNull(outbox.publishedAt)));
}

/** The Queue refused them: free their lease so the next publisher takes them without waiting it out. */
export async function releaseClaim(db: HttpDatabase, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(outbox)
    .set({ leaseUntil: null })
    .where(and(inArray(outbox.id, ids), isNull(outbox.publishedAt)));
}

/**
 * A CTE member (`name AS (...)`) marking published the rows of these dedupe keys, for the Queue
 * consumer to put in a statement it makes anyway: a message it received is in the Queue's hands.
 * It never waits on a row lock (SKIP LOCKED), so it cannot deadlock with another batch's marks or a
 * publisher's claim and mark, nor slow the statement it rides in: a row locked meanwhile is being
 * claimed or marked by someone else, and at worst is sent once more when its lease runs out.
 */
export function markPublishedCte(name: string, dedupeKeys: readonly string[]): SQL {
  return sql`${sql.identifier(name)} AS (
      UPDATE outbox SET published_at = now()
      WHERE id IN (
        SELECT id FROM outbox
        WHERE dedupe_key IN (SELECT jsonb_array_elements_text(${JSON.stringify([...new Set(dedupeKeys)])}::jsonb)) AND published_at IS NULL
        FOR UPDATE SKIP LOCKED)
      RETURNING id
    )`;
}

/**
 * Deletes up to `limit` rows published before `before`, oldest first, and answers how many. The scan
 * walks the primary key from the oldest id, where the old published rows are, so a batch reads little
 * beyond what it deletes. Rows not yet published are never deleted, however old.
 */
export async function dropPublishedOutboxBefore(db: HttpDatabase, before: Date, limit: number): Promise<number> {
  const result = await db.execute(sql`
    DELETE FROM outbox WHERE id IN (
      SELECT id FROM outbox WHERE published_at < ${before.toISOString()}::timestamptz ORDER BY id LIMIT ${limit})`);
  return result.rowCount ?? 0;
}
