/**
 * Moves outbox rows to the Queue. Rows are marked published only after the Queue accepted them;
 * a crash in between publishes them again, which consumers absorb through each message's dedupe key.
 */
import { connectHttp } from "../db/client";
import { markPublished, takeUnpublished } from "../db/queries/outbox";
import { databaseSettings } from "./config";

const OUTBOX_BATCH = 100;

export async function publishOutbox(env: Env): Promise<number> {
  const db = connectHttp(databaseSettings(env));
  const rows = await takeUnpublished(db, OUTBOX_BATCH);
  if (rows.length === 0) return 0;
  await env.EVENTS_QUEUE.sendBatch(rows.map((row) => ({ body: row.payload, contentType: "json" as const })));
  await markPublished(db, rows.map((row) => row.id));
  return rows.length;
}
