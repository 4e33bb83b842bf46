/**
 * Moves outbox rows to the Queue: claim (a lease, so concurrent publishers take different rows),
 * send, mark published. A crash or a failed mark after the send leaves the row leased: when the
 * lease runs out it is sent again, which consumers absorb through each message's dedupe key.
 */
import { connectHttp } from "../db/client";
import { claimUnpublished, dropPublishedOutboxBefore, markPublished, releaseClaim, type ClaimedOutboxRow } from "../db/queries/outbox";
import { databaseSettings } from "./config";

const OUTBOX_BATCH = 100;
/** A Queue's sendBatch takes at most 100 messages and 256 KB in all; keep a margin for framing. */
const SEND_BATCH_BYTES = 200_000;
const encoder = new TextEncoder();

/** Publishes up to `limit` claimable rows; answers how many the Queue took. */
export async function publishOutbox(env: Env, limit = OUTBOX_BATCH): Promise<number> {
  const db = connectHttp(databaseSettings(env));
  const rows = await claimUnpublished(db, Math.min(limit, OUTBOX_BATCH));
  if (rows.length === 0) return 0;
  const sent: number[] = [];
  let failure: unknown;
  for (const chunk of sendBatches(rows)) {
    try {
      await env.EVENTS_QUEUE.sendBatch(chunk.map((row) => ({ body: row.payload, contentType: "json" as const })));
      sent.push(...chunk.map((row) => row.id));
    } catch (error) {
      failure ??= error;
      // Free the lease now: the next publisher retries these rows without waiting it out.
      await releaseClaim(db, chunk.map((row) => row.id)).catch(() => undefined);
    }
  }
  await markPublished(db, sent);
  if (failure !== undefined) throw failure;
  return sent.length;
}

/**
 * The cron's minute job: batch after batch until a claim comes back short, at most `maxBatches`
 * (a backlog after a Queue outage drains at up to 2,000 rows a minute, not 100). Safe beside other
 * publishers: each claim takes rows no other holds.
 */
export async function drainOutbox(env: Env, maxBatches = 20): Promise<number> {
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const sent = await publishOutbox(env);
    total += sent;
    if (sent < OUTBOX_BATCH) break;
  }
  return total;
}

/**
 * How long a published row is kept: long enough to look into a delivery problem, and far past any
 * retry that could still announce the same change (its dedupe key keeps a second row out meanwhile;
 * after this, the change it announced has long been final).
 */
export const OUTBOX_RETENTION_DAYS = 30;
const PRUNE_BATCH = 5_000;

/**
 * The daily job: deletes rows published more than OUTBOX_RETENTION_DAYS ago, a batch at a time, at most
 * `maxBatches` (the rest goes the next day). Unpublished rows stay, whatever their age.
 */
export async function pruneOutbox(env: Env, now: Date, maxBatches = 20): Promise<number> {
  const db = connectHttp(databaseSettings(env));
  const before = new Date(now.getTime() - OUTBOX_RETENTION_DAYS * 86_400_000);
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const dropped = await dropPublishedOutboxBefore(db, before, PRUNE_BATCH);
    total += dropped;
    if (dropped < PRUNE_BATCH) break;
  }
  return total;
}

/** The rows in order, cut where a batch would pass the Queue's size limit (a row too big goes alone, and fails alone). */
function sendBatches(rows: ClaimedOutboxRow[]): ClaimedOutboxRow[][] {
  const batches: ClaimedOutboxRow[][] = [];
  let current: ClaimedOutboxRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = encoder.encode(JSON.stringify(row.payload)).length;
    if (current.length > 0 && bytes + size > SEND_BATCH_BYTES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
