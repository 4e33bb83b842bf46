/**
 * What a purchase costs after pay returns (issue #13 item 2), counted by the Worker's own cost meter
 * (GET /api/v1/dev/costs, APP_ENV=development): Stripe's three webhook events of one purchase, and
 * the Queue consumer's work for it (the confirmation mail and an organization's `order.paid`
 * delivery, and marking the outbox rows pay sent, folded into those statements), each within a bound
 * on Postgres round trips. Counts, not times. The outcomes are checked
 * beside the counts: one mail whose QR images are the tickets' symbols, one delivery, the order confirmed
 * once, redeliveries harmless; and a mail queued many times is sent once.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, like } from "drizzle-orm";
import type Stripe from "stripe";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../db/schema";
import { createStripe } from "../../workers/adapters/stripe";
import type { Costs } from "../../workers/cost-count";
import entry from "../../workers/index";
import { QR_QUIET_ZONE, ticketQrMatrix } from "../../workers/tickets/qr";
import { db, uniqueName } from "./fixtures";
import { call } from "./http";
import { getOrder, pay, publishedEvent, register, registration } from "./purchase-helpers";
import { inboxEndpoint, receivedBy } from "./webhooks-out-helpers";

/** Upper bounds per purchase, Postgres round trips (docs/performance.md has before/after). */
const WEBHOOK_ROUND_TRIPS = 1;
const QUEUE_ROUND_TRIPS = 4;

const stripe = () => createStripe(env);

async function deliver(event: Stripe.Event) {
  const payload = JSON.stringify(event);
  const signature = await stripe().webhooks.generateTestHeaderStringAsync({ payload, secret: env.STRIPE_WEBHOOK_SECRET });
  return call("POST", "/api/v1/stripe/webhook", payload, {}, { "Stripe-Signature": signature });
}

async function costs(): Promise<Record<string, Costs>> {
  const answer = await call("GET", "/api/v1/dev/costs");
  expect(answer.status).toBe(200);
  return answer.body.steps;
}

/** Postgres round trips of a step between two readings: HTTP queries, and per interactive transaction its statements + BEGIN + COMMIT + connect. */
function roundTrips(before: Record<string, Costs>, after: Record<string, Costs>, step: string) {
  const k = (kind: keyof Costs) => (after[step]?.[kind] ?? 0) - (before[step]?.[kind] ?? 0);
  return { trips: k("dbHttp") + k("dbTxnStatements") + 3 * k("dbTransactions"), requests: k("requests"), statements: k("dbStatements") };
}

/** Polls the real condition (no clock threshold): `check` until it holds, a bounded number of rounds. */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let round = 0; round < 600; round++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}

interface SentMailView {
  subject: string;
  attachments: { content: string; content_type: string; content_id: string | null }[];
}

async function mailsTo(to: string): Promise<SentMailView[]> {
  const response = await fetch(`${inject("stackUrls").mail}/api/emails?to=${encodeURIComponent(to)}`);
  return ((await response.json()) as { data: SentMailView[] }).data;
}

/**
 * The dark pixels of a 1-bit grayscale PNG drawn in workerd (workers/mail/qr-png.ts), as a string of
 * 0/1 rows, read with the platform's DecompressionStream (chunk CRCs are checked by pngjs in the unit
 * test, where zxing also scans these pictures back to their tokens).
 */
async function pngBits(base64: string): Promise<string> {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  let width = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === "IHDR") {
      width = view.getUint32(at + 8);
      expect([...bytes.subarray(at + 16, at + 18)]).toEqual([1, 0]); // 1 bit, grayscale
    }
    if (type === "IDAT") idat.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = new Uint8Array(await new Response(new Blob(idat).stream().pipeThrough(new DecompressionStream("deflate"))).arrayBuffer());
  const rowBytes = 1 + Math.ceil(width / 8);
  let bits = "";
  let previous = new Uint8Array(rowBytes - 1);
  for (let y = 0; y < width; y++) {
    const filter = raw[y * rowBytes];
    // None, or Up (each byte added to the byte above, mod 256): the two filters the mail's PNG writes.
    expect([0, 2]).toContain(filter);
    const row = raw.subarray(y * rowBytes + 1, (y + 1) * rowBytes).map((byte, i) => (filter === 2 ? (byte + previous[i]!) & 0xff : byte));
    for (let x = 0; x < width; x++) bits += (row[x >> 3]! >> (7 - (x & 7))) & 1 ? "0" : "1";
    previous = row;
  }
  return bits;
}

/** The same picture expected from a token: its symbol, 4 pixels a module, inside the quiet zone. */
function symbolBits(token: string): string {
  const { size, data } = ticketQrMatrix(token);
  const side = (size + 2 * QR_QUIET_ZONE) * 4;
  let bits = "";
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const row = Math.floor(y / 4) - QR_QUIET_ZONE;
      const col = Math.floor(x / 4) - QR_QUIET_ZONE;
      bits += row >= 0 && col >= 0 && row < size && col < size && data[row * size + col] ? "1" : "0";
    }
  }
  return bits;
}

describe("the cost of a purchase after pay returns", () => {
  it(`Stripe's three events take at most ${WEBHOOK_ROUND_TRIPS} round trip, the Queue's mail and delivery at most ${QUEUE_ROUND_TRIPS}`, async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 2500, capacity: 10 }]);
    const { inbox } = await inboxEndpoint(organizer.key, ["order.paid"]);
    const body = registration(tiers[0]!.tier_id, { quantity: 2 });
    const email = body.attendee.email;
    const registered = await register(eventId, body);
    expect(registered.status).toBe(201);
    const orderId = registered.body.order_id as string;

    const beforeQueue = await costs();
    const paid = await pay(orderId, registered.body.order_token);
    expect(paid.status).toBe(200);

    // The Queue consumer (the real one: pay published the outbox) sends the mail and the delivery.
    const [mail] = await until("the confirmation mail", async () => ((await mailsTo(email)).length > 0 ? mailsTo(email) : undefined));
    // Its QR images, drawn in workerd, are exactly the symbols of the tickets pay returned.
    const images = mail!.attachments.filter((a) => a.content_type === "image/png");
    expect(images).toHaveLength(2);
    const drawn = await Promise.all(images.map((image) => pngBits(image.content)));
    expect(drawn.sort()).toEqual((paid.body.tickets as { token: string }[]).map((t) => symbolBits(t.token)).sort());
    const [delivery] = await until("the order.paid delivery", async () => {
      const got = await receivedBy(inbox);
      return got.length > 0 ? got : undefined;
    });
    expect(delivery!.event_type).toBe("order.paid");
    await until("the delivery recorded as succeeded", async () => {
      const rows = await db().select().from(schema.webhookDeliveries).innerJoin(schema.webhookEvents, eq(schema.webhookEvents.id, schema.webhookDeliveries.eventId));
      const mine = rows.filter((r) => (r.webhook_events.data as { order_id?: string }).order_id === orderId);
      return mine.length === 1 && mine[0]!.webhook_deliveries.status === "succeeded" ? true : undefined;
    });
    // The mail is recorded as sent once the batch's mails are (then its message is acked).
    await until("the mail recorded as sent", async () => ((await db().select().from(schema.sentMail).where(eq(schema.sentMail.recipient, email))).length === 1 ? true : undefined));
    // Pay sent its two outbox rows (written leased) without marking them; the consumer marked them in
    // the mails' read and the delivery's claim. Each claimed once: no publisher sent them again.
    const outboxRows = await until("both outbox rows marked published by the consumer", async () => {
      const rows = await db().select().from(schema.outbox).where(like(schema.outbox.dedupeKey, `%${orderId}`));
      return rows.length === 2 && rows.every((row) => row.publishedAt !== null) ? rows : undefined;
    });
    expect(outboxRows.map((row) => [row.topic, row.attempts]).sort()).toEqual([["mail", 1], ["webhook", 1]]);
    // A batch's costs are added when it ends: wait for that, and for two equal readings in a row.
    let last = "";
    const queue = await until("the queue batches to end", async () => {
      const now = roundTrips(beforeQueue, await costs(), "queue");
      const reading = JSON.stringify(now);
      const settled = now.requests >= 1 && reading === last;
      last = reading;
      return settled ? now : undefined;
    });
    console.log(`queue step for one purchase: ${JSON.stringify(queue)}`);
    expect(queue.trips).toBeLessThanOrEqual(QUEUE_ROUND_TRIPS);

    // Stripe's events for the purchase, as the emulator recorded them, delivered in its order.
    const [payment] = await db().select().from(schema.payments).where(eq(schema.payments.orderId, orderId));
    const intentId = payment!.providerPaymentId!;
    const events = (await stripe().events.list({ limit: 100 })).data
      .filter((e) => {
        const object = e.data.object as unknown as { id: string; payment_intent?: string };
        return object.id === intentId || object.payment_intent === intentId;
      })
      .reverse();
    expect(events.map((e) => e.type).sort()).toEqual(["charge.succeeded", "payment_intent.created", "payment_intent.succeeded"]);
    const beforeWebhooks = await costs();
    for (const event of events) expect((await deliver(event)).status).toBe(200);
    const webhooks = roundTrips(beforeWebhooks, await costs(), "webhook");
    console.log(`webhook step for one purchase: ${JSON.stringify(webhooks)}`);
    expect(webhooks.requests).toBe(3);
    expect(webhooks.trips).toBeLessThanOrEqual(WEBHOOK_ROUND_TRIPS);

    // Redelivered, and in reverse: nothing changes, nothing is sent again.
    for (const event of [...events].reverse()) expect((await deliver(event)).status).toBe(200);
    const view = await getOrder(orderId, registered.body.order_token);
    expect(view.body.status).toBe("confirmed");
    expect(view.body.tickets).toHaveLength(2);
    expect(await db().select().from(schema.tickets).where(eq(schema.tickets.orderId, orderId))).toHaveLength(2);
    expect(await mailsTo(email)).toHaveLength(1);
    expect(await receivedBy(inbox)).toHaveLength(1);
  });

  it("sends a mail queued many times once: repeats in one batch and batches racing each other", async () => {
    const to = `${uniqueName("twice")}@example.test`;
    const mail = { type: "mail.send", dedupe_key: `test-${uniqueName("mail")}`, to, subject: "Once only", html: "<p>Once</p>", text: "Once" };
    const batchOf = (n: number, tag: string) =>
      createMessageBatch("admit-one-events", Array.from({ length: n }, (_, i) => ({ id: `${tag}-${i}`, timestamp: new Date(), attempts: 1, body: mail })));
    // Six batches at once, each holding the mail three times (the outbox published it again and again).
    const results = await Promise.all(
      Array.from({ length: 6 }, async (_, b) => {
        const batch = batchOf(3, `race-${b}`);
        const ctx = createExecutionContext();
        await entry.queue(batch, env, ctx);
        return getQueueResult(batch, ctx);
      }),
    );
    for (const result of results) {
      expect(result.retryMessages).toEqual([]);
      expect(result.explicitAcks).toHaveLength(3);
    }
    expect(await mailsTo(to)).toHaveLength(1);
    expect(await db().select().from(schema.sentMail).where(eq(schema.sentMail.dedupeKey, mail.dedupe_key))).toHaveLength(1);
    // Once recorded, a later batch sends nothing and acks.
    const later = batchOf(2, "later");
    const ctx = createExecutionContext();
    await entry.queue(later, env, ctx);
    expect((await getQueueResult(later, ctx)).explicitAcks).toHaveLength(2);
    expect(await mailsTo(to)).toHaveLength(1);
  });
});
