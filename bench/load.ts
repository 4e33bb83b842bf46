/**
 * The bench's load generator, forked by bench/run.ts so the clients never share an event loop
 * (or a CPU account) with the stand-ins that run inside run.ts (Neon proxy, Stripe emulator, mail
 * outbox). It takes one job at a time over IPC and answers with raw latencies. Every job is
 * bounded by a count and a deadline; every request by a timeout.
 */
import { randomUUID } from "node:crypto";
import { neonConfig } from "@neondatabase/serverless";
import { sql } from "drizzle-orm";
import pg from "pg";
import Stripe from "stripe";
import ws from "ws";
import { connectHttp, inTransaction } from "../db/client";
import { keepAliveAgent, requestJson } from "./http";

export type Job =
  | { kind: "purchases"; base: string; eventId: string; tierId: string; tag: string; pay: boolean; count: number; concurrency: number; maxSeconds: number }
  | { kind: "noop"; url: string; count: number; concurrency: number; maxSeconds: number }
  | { kind: "neon-http" | "neon-txn"; proxy: string; databaseUrl: string; count: number; concurrency: number; maxSeconds: number }
  | { kind: "stripe"; stripeUrl: string; secretKey: string; count: number; concurrency: number; maxSeconds: number }
  | { kind: "pg-claim"; databaseUrl: string; eventId: string; tierId: string; attendeeId: string; count: number; concurrency: number; maxSeconds: number };

export interface JobResult {
  done: number;
  elapsedMs: number;
  timedOut: boolean;
  errors: Record<string, number>;
  latencies: Record<string, number[]>;
}

type Outcome = Record<string, number> | string;

/** `concurrency` loops take operation numbers until `count` were started or the deadline passed. */
async function runPool(count: number, concurrency: number, maxSeconds: number, op: (index: number) => Promise<Outcome>): Promise<JobResult> {
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const latencies: Record<string, number[]> = {};
  const errors: Record<string, number> = {};
  let next = 0;
  let done = 0;
  let timedOut = false;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        if (performance.now() >= deadline) {
          timedOut = true;
          return;
        }
        const index = next++;
        let outcome: Outcome;
        try {
          outcome = await op(index);
        } catch (error) {
          outcome = `exception: ${String((error as Error)?.message ?? error).slice(0, 120)}`;
        }
        if (typeof outcome === "string") {
          errors[outcome] = (errors[outcome] ?? 0) + 1;
          continue;
        }
        done++;
        for (const [name, ms] of Object.entries(outcome)) (latencies[name] ??= []).push(ms);
      }
    }),
  );
  return { done, elapsedMs: performance.now() - started, timedOut, errors, latencies };
}

function problem(step: string, status: number, body: any): string {
  return `${step} ${status} ${body?.error?.code ?? (typeof body === "string" ? body.slice(0, 60) : "")}`.trim();
}

async function purchases(job: Extract<Job, { kind: "purchases" }>): Promise<JobResult> {
  const agent = keepAliveAgent(job.concurrency + 8);
  const run = randomUUID().slice(0, 8);
  try {
    return await runPool(job.count, job.concurrency, job.maxSeconds, async (i): Promise<Outcome> => {
      const who = `${job.tag}-${run}-${i}`;
      const t0 = performance.now();
      const registered = await requestJson(agent, "POST", `${job.base}/api/v1/events/${job.eventId}/register`, {
        tier_id: job.tierId,
        quantity: 1,
        idempotency_key: `bench-${who}`,
        attendee: { email: `${who}@bench.test`, name: `Buyer ${i}` },
      });
      const t1 = performance.now();
      if (registered.status !== 201) return problem("register", registered.status, registered.body);
      if (!job.pay) return { register: t1 - t0 };
      const paid = await requestJson(
        agent,
        "POST",
        `${job.base}/api/v1/orders/${registered.body.order_id}/pay`,
        { payment_method: "pm_card_visa" },
        { Authorization: `Bearer ${registered.body.order_token}` },
      );
      const t2 = performance.now();
      if (paid.status !== 200 || paid.body?.status !== "confirmed") return problem("pay", paid.status, paid.body);
      return { register: t1 - t0, pay: t2 - t1, purchase: t2 - t0 };
    });
  } finally {
    agent.destroy();
  }
}

async function noop(job: Extract<Job, { kind: "noop" }>): Promise<JobResult> {
  const agent = keepAliveAgent(job.concurrency + 8);
  try {
    return await runPool(job.count, job.concurrency, job.maxSeconds, async () => {
      const t0 = performance.now();
      const response = await requestJson(agent, "GET", job.url);
      if (response.status !== 200) return problem("noop", response.status, response.body);
      return { request: performance.now() - t0 };
    });
  } finally {
    agent.destroy();
  }
}

async function neonProbe(job: Extract<Job, { kind: "neon-http" | "neon-txn" }>): Promise<JobResult> {
  neonConfig.webSocketConstructor = ws;
  const settings = { databaseUrl: job.databaseUrl, localProxy: job.proxy };
  const db = connectHttp(settings);
  return runPool(job.count, job.concurrency, job.maxSeconds, async () => {
    const t0 = performance.now();
    if (job.kind === "neon-http") await db.execute(sql`select 1`);
    else await inTransaction(settings, (tx) => tx.execute(sql`select 1`));
    return { query: performance.now() - t0 };
  });
}

async function stripeProbe(job: Extract<Job, { kind: "stripe" }>): Promise<JobResult> {
  const url = new URL(job.stripeUrl);
  const stripe = new Stripe(job.secretKey, { host: url.hostname, port: Number(url.port), protocol: "http", maxNetworkRetries: 2 });
  const run = randomUUID().slice(0, 8);
  return runPool(job.count, job.concurrency, job.maxSeconds, async (i) => {
    const t0 = performance.now();
    const intent = await stripe.paymentIntents.create(
      { amount: 1500, currency: "eur", automatic_payment_methods: { enabled: true, allow_redirects: "never" }, metadata: { bench: run } },
      { idempotencyKey: `bench_create_${run}_${i}` },
    );
    const confirmed = await stripe.paymentIntents.confirm(intent.id, { payment_method: "pm_card_visa" }, { idempotencyKey: `bench_confirm_${run}_${i}` });
    if (confirmed.status !== "succeeded") return `stripe ${confirmed.status}`;
    return { "create+confirm": performance.now() - t0 };
  });
}

/** The classic claim straight against Postgres with persistent connections: no Worker, no proxy. */
async function pgClaim(job: Extract<Job, { kind: "pg-claim" }>): Promise<JobResult> {
  const pool = new pg.Pool({ connectionString: job.databaseUrl, max: job.concurrency });
  pool.on("error", () => {});
  const run = randomUUID().slice(0, 8);
  try {
    // open the connections before the clock starts: persistent connections are the point here
    await Promise.all(Array.from({ length: job.concurrency }, () => pool.connect())).then((clients) => clients.forEach((c) => c.release()));
    return await runPool(job.count, job.concurrency, job.maxSeconds, async (i) => {
      const t0 = performance.now();
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const claimed = await client.query("UPDATE ticket_tiers SET sold_count = sold_count + 1 WHERE id = $1 AND sold_count + 1 <= capacity RETURNING sold_count", [job.tierId]);
        if (claimed.rowCount !== 1) {
          await client.query("ROLLBACK");
          return "sold out";
        }
        await client.query(
          `WITH o AS (
             INSERT INTO orders (event_id, tier_id, attendee_id, attendee_name, idempotency_key, request_hash, quantity, amount, currency, hold_id, hold_expires_at)
             VALUES ($1, $2, $3, 'Bench buyer', $4, 'bench', 1, 1500, 'EUR', NULL, now() + interval '1 hour')
             RETURNING id, tier_id)
           INSERT INTO order_items (order_id, tier_id, seat_label, unit_price) SELECT o.id, o.tier_id, NULL, 1500 FROM o`,
          [job.eventId, job.tierId, job.attendeeId, `pg-${run}-${i}`],
        );
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
      return { claim: performance.now() - t0 };
    });
  } finally {
    await pool.end();
  }
}

async function perform(job: Job): Promise<JobResult> {
  switch (job.kind) {
    case "purchases":
      return purchases(job);
    case "noop":
      return noop(job);
    case "neon-http":
    case "neon-txn":
      return neonProbe(job);
    case "stripe":
      return stripeProbe(job);
    case "pg-claim":
      return pgClaim(job);
  }
}

if (process.send) {
  process.on("message", (message: { id: number; job: Job }) => {
    perform(message.job).then(
      (result) => process.send!({ id: message.id, result }),
      (error: unknown) => process.send!({ id: message.id, error: String((error as Error)?.stack ?? error) }),
    );
  });
  // The parent owns the lifetime: when it goes, so do we (also on its Ctrl-C).
  process.on("disconnect", () => process.exit(0));
  process.on("SIGINT", () => {});
  process.send({ ready: true });
}
