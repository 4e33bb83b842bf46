/**
 * Publishing the outbox (workers/outbox-publisher.ts, db/queries/outbox.ts) with many publishers at
 * once, as overlapping cron ticks and requests that publish do: each row is claimed under a lease, so
 * it is handed to the Queue once; a leased row (pay's, written leased) is left alone until its lease
 * runs out; a send the Queue refused frees the lease at once; the Queue consumer marks the rows of the
 * messages it takes. Against the real database, Queue, consumer and mail outbox. Seeded: the
 * publishers' batch sizes replay with TEST_SEED.
 *
 * The Queue binding the publishers get passes every batch on to the real Queue (and so to the real
 * consumer) and notes, per dedupe key, how often a batch holding it was accepted. Other test files may
 * publish at the same time, and take some of these rows: the row's own `attempts` (one per claim) and
 * `published_at` are the invariant, the note shows what these publishers handed over.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, inArray, like, sql } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../db/schema";
import { outboxLeaseUntil } from "../../db/queries/outbox";
import entry from "../../workers/index";
import { drainOutbox, publishOutbox } from "../../workers/outbox-publisher";
import { db, uniqueName } from "./fixtures";
import { seeded } from "./run-seed";

const BACKLOG = 120;
const PUBLISHERS = 24;

function mailMessage(to: string, dedupeKey: string) {
  return { type: "mail.send", dedupe_key: dedupeKey, to, subject: "Outbox race", html: "<p>Once</p>", text: "Once" };
}

/** The publishers' view of EVENTS_QUEUE (see top). `refuse(keys)`: the Queue refuses a batch holding one of them. */
function tappedEnv(refuse: (keys: string[]) => boolean = () => false) {
  const handed = new Map<string, number>();
  const queue = {
    send: (body: unknown, options?: QueueSendOptions) => env.EVENTS_QUEUE.send(body, options),
    sendBatch: async (messages: Iterable<MessageSendRequest>, options?: QueueSendBatchOptions) => {
      const batch = [...messages];
      const keys = batch.map((m) => (m.body as { dedupe_key?: string }).dedupe_key ?? "");
      if (refuse(keys)) throw new Error("Queue refused the batch (test)");
      const result = await env.EVENTS_QUEUE.sendBatch(batch, options);
      for (const key of keys) handed.set(key, (handed.get(key) ?? 0) + 1);
      return result;
    },
  };
  return { env: { ...env, EVENTS_QUEUE: queue as unknown as Queue } as Env, handed };
}

/** Publishes until a claim finds nothing (bounded: other files keep adding rows). */
async function drain(publisherEnv: Env, size?: number): Promise<number> {
  let total = 0;
  for (let round = 0; round < 500; round++) {
    const sent = await publishOutbox(publisherEnv, size);
    if (sent === 0) return total;
    total += sent;
  }
  return total;
}

/** Polls a real condition a bounded number of rounds (no clock threshold). */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let round = 0; round < 600; round++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function mailsTo(address: string): Promise<unknown[]> {
  const response = await fetch(`${inject("stackUrls").mail}/api/emails?to=${encodeURIComponent(address)}`);
  return ((await response.json()) as { data: unknown[] }).data;
}

const rowsOf = (keys: string[]) => db().select().from(schema.outbox).where(inArray(schema.outbox.dedupeKey, keys));

describe("publishing the outbox", () => {
  it(`${PUBLISHERS} publishers at once over a backlog of ${BACKLOG}: each row handed to the Queue once, each mail sent once`, async () => {
    const random = seeded("outbox-publish: batch sizes");
    const run = uniqueName("race");
    const keys = Array.from({ length: BACKLOG }, (_, i) => `${run}-${i}`);
    const addressOf = (key: string) => `${key}@example.test`;
    await db().insert(schema.outbox).values(keys.map((key) => ({ topic: "mail", dedupeKey: key, payload: mailMessage(addressOf(key), key) })));

    const { env: tapped, handed } = tappedEnv();
    // Small, different batch sizes: many claims interleave over the same rows.
    const sizes = Array.from({ length: PUBLISHERS }, () => 1 + Math.floor(random() * 9));
    await Promise.all(sizes.map((size) => drain(tapped, size)));

    const rows = await rowsOf(keys);
    expect(rows).toHaveLength(BACKLOG);
    for (const row of rows) {
      expect(row.publishedAt, row.dedupeKey).toBeInstanceOf(Date);
      expect(row.attempts, row.dedupeKey).toBe(1);
    }
    const repeats = keys.filter((key) => (handed.get(key) ?? 0) > 1);
    expect(repeats).toEqual([]);
    console.log(`outbox race: ${keys.filter((key) => handed.has(key)).length} of ${BACKLOG} rows went through these publishers (batch sizes ${sizes.join(",")})`);

    // The real consumer sends each mail once and records it.
    await until("every mail recorded as sent", async () => (await db().select().from(schema.sentMail).where(like(schema.sentMail.dedupeKey, `${run}-%`))).length === BACKLOG);
    for (let i = 0; i < keys.length; i += 6) {
      const counts = await Promise.all(keys.slice(i, i + 6).map(async (key) => (await mailsTo(addressOf(key))).length));
      expect(counts).toEqual(counts.map(() => 1));
    }
  });

  it("a row written leased (as pay writes its own) is left alone until the lease runs out, then taken once", async () => {
    const key = uniqueName("leased");
    const to = `${key}@example.test`;
    await db().insert(schema.outbox).values({ topic: "mail", dedupeKey: key, payload: mailMessage(to, key), leaseUntil: outboxLeaseUntil(), attempts: 1 });

    const { env: tapped, handed } = tappedEnv();
    await Promise.all(Array.from({ length: 8 }, () => drain(tapped)));
    expect(handed.get(key)).toBeUndefined();
    let [row] = await rowsOf([key]);
    expect(row).toMatchObject({ publishedAt: null, attempts: 1 });

    // As if the sender died and the lease ran out: the next publishers take it, one of them once.
    await db().update(schema.outbox).set({ leaseUntil: sql`now() - interval '1 second'` }).where(eq(schema.outbox.dedupeKey, key));
    await Promise.all(Array.from({ length: 8 }, () => drain(tapped)));
    [row] = await rowsOf([key]);
    expect(row!.publishedAt).toBeInstanceOf(Date);
    expect(row!.attempts).toBe(2);
    expect(handed.get(key) ?? 0).toBeLessThanOrEqual(1);
    await until("the mail", async () => (await mailsTo(to)).length > 0);
    expect(await mailsTo(to)).toHaveLength(1);
  });

  it("a batch the Queue refused is claimable again at once, not after the lease", async () => {
    const key = uniqueName("refused");
    const to = `${key}@example.test`;
    await db().insert(schema.outbox).values({ topic: "mail", dedupeKey: key, payload: mailMessage(to, key) });
    // Publish with a Queue that refuses any batch holding this row, until a claim took it and failed.
    const refusing = tappedEnv((keys) => keys.includes(key));
    let refused = false;
    for (let round = 0; round < 500 && !refused; round++) {
      try {
        if ((await publishOutbox(refusing.env)) === 0) break;
      } catch {
        refused = true;
      }
    }
    const [afterRefusal] = await rowsOf([key]);
    // Refused (then freed), unless another file's publisher sent it first.
    expect(refused || afterRefusal!.publishedAt !== null).toBe(true);

    // Publishers with a working Queue take it now, although a lease from the refused claim would still run.
    const { env: tapped } = tappedEnv();
    await drain(tapped);
    const [row] = await rowsOf([key]);
    expect(row!.publishedAt).toBeInstanceOf(Date);
    if (refused) expect(row!.attempts).toBe(2);
    await until("the mail", async () => (await mailsTo(to)).length > 0);
    expect(await mailsTo(to)).toHaveLength(1);
  });

  it("the cron's minute job publishes more than one batch in a tick", async () => {
    const { env: tapped } = tappedEnv();
    await drain(tapped);
    const run = uniqueName("tick");
    const keys = Array.from({ length: 150 }, (_, i) => `${run}-${i}`);
    await db().insert(schema.outbox).values(keys.map((key) => ({ topic: "mail", dedupeKey: key, payload: mailMessage(`${key}@example.test`, key) })));
    // One call (one tick). A claim of another file's publisher running meanwhile may hold a few of
    // these rows, and end this call's loop early: it marks them itself, so wait for the marks.
    await drainOutbox(tapped);
    await until("every row published", async () => (await rowsOf(keys)).every((row) => row.publishedAt !== null));
    expect((await rowsOf(keys)).every((row) => row.attempts === 1)).toBe(true);
  });

  it("the Queue consumer marks the rows of the messages it takes (a mail and a webhook dispatch), in statements it makes anyway", async () => {
    const mailKey = uniqueName("consumed-mail");
    const dispatchKey = `webhook:${uniqueName("consumed")}`;
    const dispatch = { type: "webhook.dispatch", dedupe_key: dispatchKey, delivery_ids: [crypto.randomUUID()] };
    await db().insert(schema.outbox).values([
      { topic: "mail", dedupeKey: mailKey, payload: mailMessage(`${mailKey}@example.test`, mailKey), leaseUntil: outboxLeaseUntil(), attempts: 1 },
      { topic: "webhook", dedupeKey: dispatchKey, payload: dispatch, leaseUntil: outboxLeaseUntil(), attempts: 1 },
    ]);
    // The dispatch alone in its batch: no mail read to ride on, so its delivery claim marks it.
    for (const [id, body] of [["c-mail", mailMessage(`${mailKey}@example.test`, mailKey)], ["c-dispatch", dispatch]] as const) {
      const batch = createMessageBatch("admit-one-events", [{ id, timestamp: new Date(), attempts: 1, body }]);
      const ctx = createExecutionContext();
      await entry.queue(batch, env, ctx);
      expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([id]);
    }
    const rows = await rowsOf([mailKey, dispatchKey]);
    expect(rows.map((row) => [row.dedupeKey, row.publishedAt instanceof Date, row.attempts]).sort()).toEqual(
      [
        [mailKey, true, 1],
        [dispatchKey, true, 1],
      ].sort(),
    );
  });
});
