/**
 * First writer wins on an order's PaymentIntent, also when the writers overlap inside Postgres. Pay's
 * single Stripe call records nothing before it, so the confirming statement (pay, the webhook) and an
 * adoption (the webhook, 3-D Secure, a late payment) may write the order's payment row at the same
 * moment. Here the other writer is held open on purpose: a transaction writes the row and stays
 * uncommitted until the statement under test is seen waiting on a lock (pg_stat_activity), then
 * commits. Like every writer of the payment row (db/queries/confirm-order.ts, lockedOrder), it locks
 * the order's row first, so the statement under test waits there. The statement must decide on what
 * was committed, not on the snapshot it started with.
 */
import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { inTransaction } from "../../db/client";
import { adoptPaymentIntent, recordDeclinedIntent } from "../../db/queries/confirm-order";
import * as schema from "../../db/schema";
import { createStripe } from "../../workers/adapters/stripe";
import { databaseSettings } from "../../workers/config";
import { ApiError } from "../../workers/errors";
import { finalizePaidOrder } from "../../workers/use-cases/finalize-order";
import { db } from "./fixtures";
import { publishedEvent, register, registration } from "./purchase-helpers";

const stripe = () => createStripe(env);

async function pendingOrder(price: number) {
  const { eventId, tiers } = await publishedEvent([{ name: "GA", price, capacity: 5 }]);
  const answer = await register(eventId, registration(tiers[0]!.tier_id));
  expect(answer.status).toBe(201);
  return { orderId: answer.body.order_id as string, amount: price };
}

/** Holds the order locked and a written, uncommitted payment row for `intentId` until `statement` (its SQL contains `marker`) waits on it. */
async function whileAnotherWriterHoldsTheRow<T>(orderId: string, amount: number, intentId: string, marker: string, statement: () => Promise<T>): Promise<T> {
  let started: Promise<T> | undefined;
  await inTransaction(databaseSettings(env), async (tx) => {
    await tx.execute(sql`SELECT id FROM orders WHERE id = ${orderId}::uuid FOR UPDATE`);
    await tx.execute(sql`
      INSERT INTO payments (order_id, idempotency_key, amount, currency, provider_payment_id, status)
      VALUES (${orderId}::uuid, ${`order_${orderId}`}, ${amount}, 'EUR', ${intentId}, 'processing')`);
    started = statement();
    started.catch(() => undefined);
    for (let polls = 0; ; polls++) {
      const { rows } = await db().execute<{ n: number }>(sql`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE ${`%${marker}%`}`);
      if ((rows as { n: number }[])[0]!.n > 0) break;
      if (polls > 3000) throw new Error(`the statement never waited on the row (${marker})`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });
  return started!;
}

async function paymentOf(orderId: string) {
  return (await db().select().from(schema.payments).where(eq(schema.payments.orderId, orderId)))[0];
}

describe("adopting an intent while another writer records the order's payment", () => {
  it("answers the intent that writer committed: its own when it is the same, the other one when not", async () => {
    const same = await pendingOrder(1300);
    const adoptedSame = await whileAnotherWriterHoldsTheRow(same.orderId, same.amount, `pi_same_${same.orderId}`, "adopted AS (", () =>
      adoptPaymentIntent(db(), { orderId: same.orderId, amount: same.amount, currency: "EUR", providerPaymentId: `pi_same_${same.orderId}` }),
    );
    expect(adoptedSame).toBe(`pi_same_${same.orderId}`);

    const other = await pendingOrder(1300);
    const adoptedOther = await whileAnotherWriterHoldsTheRow(other.orderId, other.amount, `pi_first_${other.orderId}`, "adopted AS (", () =>
      adoptPaymentIntent(db(), { orderId: other.orderId, amount: other.amount, currency: "EUR", providerPaymentId: `pi_second_${other.orderId}` }),
    );
    expect(adoptedOther).toBe(`pi_first_${other.orderId}`);
    expect(await paymentOf(other.orderId)).toMatchObject({ providerPaymentId: `pi_first_${other.orderId}`, status: "processing" });
  });
});

describe("confirming with an intent while another writer records a different one", () => {
  it("does not confirm, refunds its own charge, and leaves the order to the recorded intent", async () => {
    const { orderId, amount } = await pendingOrder(1700);
    // A charge for the order that is not the one about to be recorded (a create that answered 500 and charged after all).
    const own = await stripe().paymentIntents.create({
      amount, currency: "eur", payment_method: "pm_card_visa", confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: "never" }, metadata: { order_id: orderId },
    });
    const outcome = await whileAnotherWriterHoldsTheRow(orderId, amount, `pi_recorded_${orderId}`, "locked AS", () =>
      finalizePaidOrder(env, db(), orderId, new Date(), undefined, { intent: { id: own.id, amount, currency: "EUR" } }).then(
        () => "confirmed",
        (error: unknown) => (error instanceof ApiError ? error.code : String(error)),
      ),
    );
    expect(outcome).toBe("PAYMENT_IN_PROGRESS");
    const [order] = await db().select().from(schema.orders).where(eq(schema.orders.id, orderId));
    expect(order!.status).toBe("pending");
    expect(await db().select().from(schema.tickets).where(eq(schema.tickets.orderId, orderId))).toEqual([]);
    expect(await paymentOf(orderId)).toMatchObject({ providerPaymentId: `pi_recorded_${orderId}` });
    expect((await stripe().refunds.list({ payment_intent: own.id })).data.map((r) => r.amount)).toEqual([amount]);
  });
});

describe("every statement that writes an order's payment row", () => {
  it("takes the order's row first, so two writers of one row wait in line instead of deadlocking on its two unique indexes", async () => {
    const { orderId, amount } = await pendingOrder(1900);
    const intent = `pi_lock_order_${orderId}`;
    let writers: Promise<unknown>[] = [];
    await inTransaction(databaseSettings(env), async (tx) => {
      // The order held, as pay's confirming statement holds it while it records its intent.
      await tx.execute(sql`SELECT id FROM orders WHERE id = ${orderId}::uuid FOR UPDATE`);
      writers = [
        adoptPaymentIntent(db(), { orderId, amount, currency: "EUR", providerPaymentId: intent }),
        recordDeclinedIntent(db(), { orderId, amount, currency: "EUR", providerPaymentId: `pi_declined_${orderId}`, failureCode: "card_declined" }),
      ];
      for (const w of writers) w.catch(() => undefined);
      for (let polls = 0; ; polls++) {
        const { rows } = await db().execute<{ n: number }>(sql`
          SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE ${"%locked AS (SELECT id FROM orders%"}`);
        if ((rows as { n: number }[])[0]!.n >= 2) break;
        if (polls > 3000) throw new Error("the payment row's writers did not both wait for the order's row");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // Neither wrote the payment row while the order was held.
      expect(await paymentOf(orderId)).toBeUndefined();
    });
    await Promise.all(writers);
    // In line: whichever went first recorded its intent, and the other did not replace it.
    const payment = await paymentOf(orderId);
    expect([intent, `pi_declined_${orderId}`]).toContain(payment!.providerPaymentId);
  });
});
