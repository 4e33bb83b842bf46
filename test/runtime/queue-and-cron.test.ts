/**
 * The Queue consumer and the Cron jobs, run in workerd against the real database and mail outbox.
 */
import { createMessageBatch, createScheduledController, getQueueResult, createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { inject, describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { enqueueOutbox } from "../../db/queries/outbox";
import { OUTBOX_RETENTION_DAYS, publishOutbox, pruneOutbox } from "../../workers/outbox-publisher";
import entry from "../../workers/index";
import { db, insertEvent, insertOrganizer, uniqueName } from "./fixtures";

const worker = entry;

async function mailsTo(address: string): Promise<{ subject: string }[]> {
  const response = await fetch(`${inject("stackUrls").mail}/api/emails?to=${encodeURIComponent(address)}`);
  return ((await response.json()) as { data: { subject: string }[] }).data;
}

function mailMessage(to: string, dedupeKey: string) {
  return { type: "mail.send", dedupe_key: dedupeKey, to, subject: "Your tickets", html: "<p>Hi</p>", text: "Hi" };
}

describe("queue consumer: mail", () => {
  it("sends one mail for a message delivered twice, in one batch or across batches", async () => {
    const to = `${uniqueName("guest")}@example.test`;
    const key = uniqueName("mail");
    const batch = createMessageBatch("admit-one-events", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: mailMessage(to, key) },
      { id: "m2", timestamp: new Date(), attempts: 1, body: mailMessage(to, key) },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2"]);

    const again = createMessageBatch("admit-one-events", [{ id: "m3", timestamp: new Date(), attempts: 2, body: mailMessage(to, key) }]);
    const ctx2 = createExecutionContext();
    await worker.queue(again, env, ctx2);
    expect((await getQueueResult(again, ctx2)).explicitAcks).toEqual(["m3"]);

    expect(await mailsTo(to)).toHaveLength(1);
  });

  it("retries when the mail API fails and sends once it recovers", async () => {
    const to = `${uniqueName("guest")}@example.test`;
    const key = uniqueName("mail");
    await fetch(`${inject("stackUrls").mail}/_outbox/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ mode: "error_500", times: 1 }),
    });
    const first = createMessageBatch("admit-one-events", [{ id: "f1", timestamp: new Date(), attempts: 1, body: mailMessage(to, key) }]);
    const ctx = createExecutionContext();
    await worker.queue(first, env, ctx);
    const result = await getQueueResult(first, ctx);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["f1"]);
    expect(await mailsTo(to)).toHaveLength(0);

    const retry = createMessageBatch("admit-one-events", [{ id: "f1", timestamp: new Date(), attempts: 2, body: mailMessage(to, key) }]);
    const ctx2 = createExecutionContext();
    await worker.queue(retry, env, ctx2);
    expect((await getQueueResult(retry, ctx2)).explicitAcks).toEqual(["f1"]);
    expect(await mailsTo(to)).toHaveLength(1);
  });

  it("drops a malformed message instead of retrying it forever", async () => {
    const batch = createMessageBatch("admit-one-events", [{ id: "bad", timestamp: new Date(), attempts: 1, body: { type: "mail.send", to: "nobody" } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["bad"]);
    expect(result.retryMessages).toEqual([]);
  });
});

describe("cron", () => {
  it("publishes the outbox to the Queue once per row", async () => {
    const key = uniqueName("outbox");
    await enqueueOutbox(db(), "mail", key, mailMessage(`${uniqueName("g")}@example.test`, key));
    await enqueueOutbox(db(), "mail", key, mailMessage("ignored@example.test", key));
    let published = 0;
    for (let i = 0; i < 20 && published === 0; i++) published += await publishOutbox(env);
    const rows = await db().select().from(schema.outbox).where(eq(schema.outbox.dedupeKey, key));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.publishedAt).toBeInstanceOf(Date);
    expect(rows[0]!.attempts).toBe(1);
  });

  it("deletes rows published more than the retention ago, keeps newer ones and every unpublished row", async () => {
    const now = Date.now();
    const day = 86_400_000;
    const rows = [
      { name: "old-published", publishedAt: new Date(now - (OUTBOX_RETENTION_DAYS + 1) * day), createdAt: new Date(now - (OUTBOX_RETENTION_DAYS + 1) * day) },
      { name: "recent-published", publishedAt: new Date(now - (OUTBOX_RETENTION_DAYS - 1) * day), createdAt: new Date(now - (OUTBOX_RETENTION_DAYS + 2) * day) },
      { name: "old-unpublished", publishedAt: null, createdAt: new Date(now - 2 * OUTBOX_RETENTION_DAYS * day), leaseUntil: new Date(now + day) },
    ].map((row) => ({ ...row, key: uniqueName(`prune-${row.name}`) }));
    await db()
      .insert(schema.outbox)
      .values(rows.map(({ key, publishedAt, createdAt, leaseUntil }) => ({ topic: "mail", dedupeKey: key, payload: { type: "test.prune" }, publishedAt, createdAt, leaseUntil })));

    expect(await pruneOutbox(env, new Date(now))).toBeGreaterThanOrEqual(1);
    const left = await db().select({ key: schema.outbox.dedupeKey }).from(schema.outbox).where(inArray(schema.outbox.dedupeKey, rows.map((row) => row.key)));
    expect(left.map((row) => row.key).sort()).toEqual([rows[1]!.key, rows[2]!.key].sort());
  });

  it("refreshes the daily sales summary from confirmed orders and refunds, idempotently", async () => {
    const organizer = await insertOrganizer();
    const { event, tiers } = await insertEvent(organizer.id, { tiers: [{ name: "GA", price: 1500, capacity: 10 }] });
    const [attendee] = await db().insert(schema.attendees).values({ email: `${uniqueName("a")}@example.test`, name: "A" }).returning();
    const confirmedAt = new Date();
    const orders = await db()
      .insert(schema.orders)
      .values(
        [2, 3].map((quantity, i) => ({
          eventId: event.id,
          tierId: tiers[0]!.id,
          attendeeId: attendee!.id,
          attendeeName: attendee!.name,
          idempotencyKey: `k${i}`,
          requestHash: "h",
          status: "confirmed" as const,
          quantity,
          amount: quantity * 1500,
          currency: "EUR",
          confirmedAt,
        })),
      )
      .returning();
    await db().insert(schema.refunds).values({ orderId: orders[0]!.id, idempotencyKey: uniqueName("r"), amount: 1500, currency: "EUR", status: "succeeded", initiatedBy: "attendee" });

    for (let run = 0; run < 2; run++) {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ cron: "*/15 * * * *", scheduledTime: Date.now() }), env, ctx);
      await waitOnExecutionContext(ctx);
    }
    const rows = await db().select().from(schema.salesDaily).where(inArray(schema.salesDaily.eventId, [event.id]));
    expect(rows).toEqual([
      expect.objectContaining({ tierId: tiers[0]!.id, ticketsSold: 5, grossAmount: 7500, refundedAmount: 1500, day: confirmedAt.toISOString().slice(0, 10) }),
    ]);
  });
});
