/**
 * `npx tsx bench/webhooks.ts` — does a dead webhook receiver slow a purchase? (issue #15.3)
 * Prints figures; asserts nothing about time.
 *
 * Against `wrangler dev` with the whole local platform (dev/stack.ts), one organization, one event:
 *   A  register+pay with no webhook endpoint;
 *   B  the same, with an endpoint for order.paid pointed at a receiver that never answers (the dev
 *      inbox's `hang` fault): every delivery holds its attempt for the full 10 s timeout;
 *   A' again without the endpoint (deleted), for drift on a shared machine.
 * Each phase: WEBHOOK_BENCH_WARMUP purchases, then WEBHOOK_BENCH_PURCHASES at
 * WEBHOOK_BENCH_CONCURRENCY concurrent buyers, through the bench's forked load generator.
 * After B it reports the delivery attempts the dead receiver cost, so the figure is not a no-op.
 */
import pg from "pg";
import type { Stack } from "../dev/stack";
import { checkpoint, cleanup, handleSignals, onCleanup, printMachine, setting, startBenchStack, startLoadGenerator, workerLog } from "./harness";
import { keepAliveAgent, requestJson } from "./http";
import type { Job, JobResult } from "./load";
import { fmt, percentile, table, triple } from "./stats";

const PURCHASES = setting("WEBHOOK_BENCH_PURCHASES", 400);
const CONCURRENCY = Math.max(1, setting("WEBHOOK_BENCH_CONCURRENCY", 16));
const WARMUP = setting("WEBHOOK_BENCH_WARMUP", 40);
const MAX_SECONDS = 180;

async function main(): Promise<void> {
  handleSignals();
  printMachine("Admit One webhooks bench: purchase latency with a dead receiver", `WEBHOOK_BENCH_PURCHASES=${PURCHASES} WEBHOOK_BENCH_CONCURRENCY=${CONCURRENCY} WEBHOOK_BENCH_WARMUP=${WARMUP}`);
  const { log } = workerLog(false);
  const stack: Stack = await startBenchStack(log);
  const load = await startLoadGenerator<Job, JobResult>(new URL("./load.ts", import.meta.url));
  const agent = keepAliveAgent(4);
  onCleanup(async () => agent.destroy());
  const base = stack.urls.worker!;
  const api = async (method: string, path: string, body?: unknown, token?: string) => {
    const response = await requestJson(agent, method, `${base}${path}`, body, token ? { Authorization: `Bearer ${token}` } : {});
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const organizer = await api("POST", "/api/v1/organizers", { name: "Webhook bench", email: `webhook-bench-${Date.now()}@bench.test`, password: "bench bench bench bench" });
  const apiKey: string = organizer.api_key;
  const startsAt = Date.now() + 30 * 86_400_000;
  const created = await api(
    "POST",
    "/api/v1/events",
    {
      title: "Webhook bench",
      category: "bench",
      venue: { name: "Bench Hall", city: "Benchville" },
      starts_at: new Date(startsAt).toISOString(),
      ends_at: new Date(startsAt + 3 * 3_600_000).toISOString(),
      timezone: "UTC",
      currency: "EUR",
      hold_minutes: 60,
      tiers: [{ name: "GA", price: 1500, capacity: 1_000_000, max_per_order: 10 }],
    },
    apiKey,
  );
  await api("POST", `/api/v1/events/${created.event_id}/publish`, undefined, apiKey);
  const tierId: string = created.tiers[0].tier_id;

  const phase = async (name: string, beforeMeasuring?: () => Promise<void>) => {
    checkpoint();
    const job = (count: number, tag: string): Job => ({ kind: "purchases", base, eventId: created.event_id, tierId, tag, pay: true, count, concurrency: CONCURRENCY, maxSeconds: MAX_SECONDS });
    await load.run(job(WARMUP, `warm-${name}`));
    await beforeMeasuring?.();
    const result = await load.run(job(PURCHASES, name));
    const errors = Object.entries(result.errors);
    if (errors.length > 0) console.log(`  ${name}: errors ${JSON.stringify(result.errors)}`);
    return { name, result };
  };

  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  onCleanup(() => db.end());

  console.log("\nA: no webhook endpoint");
  const a = await phase("A");
  const inbox = `dead-${Date.now()}`;
  await fetch(`${stack.urls.mail}/webhooks/inboxes/${inbox}/faults`, { method: "POST", body: JSON.stringify({ mode: "hang", times: 1_000_000 }) });
  const endpoint = await api("POST", "/api/v1/webhook-endpoints", { url: `${stack.urls.mail}/webhooks/in/${inbox}`, events: ["order.paid"] }, apiKey);
  console.log("B: an order.paid endpoint whose receiver never answers (10 s timeout per attempt)");
  const claimed = async () =>
    (await db.query(`SELECT coalesce(sum(attempts), 0)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1`, [endpoint.endpoint_id])).rows[0].n as number;
  let claimedAtStart = 0;
  const b = await phase("B", async () => {
    // Measure only once the consumer is really hitting the dead receiver (the Queue may still be
    // working through phase A's confirmation mails): at most 5 minutes of polling the ledger.
    for (let i = 0; i < 300 && (await claimed()) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 1000));
    claimedAtStart = await claimed();
    console.log(`  the consumer has started on the dead receiver (${claimedAtStart} attempts taken); measuring`);
  });
  const claimedDuringB = (await claimed()) - claimedAtStart;
  const attempts = await db.query(
    `SELECT count(*)::int AS deliveries, coalesce(sum(attempts), 0)::int AS attempts,
            count(*) FILTER (WHERE status = 'succeeded')::int AS delivered
     FROM webhook_deliveries WHERE endpoint_id = $1`,
    [endpoint.endpoint_id],
  );
  const logged = await db.query(
    `SELECT count(*)::int AS n, coalesce(round(avg(duration_ms)), 0)::int AS avg_ms FROM webhook_delivery_attempts a
     JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1`,
    [endpoint.endpoint_id],
  );
  await api("DELETE", `/api/v1/webhook-endpoints/${endpoint.endpoint_id}`, undefined, apiKey);
  console.log("A': endpoint deleted again");
  const a2 = await phase("A'");

  console.log("\nRegister + pay, ms (p50/p95/p99)");
  console.log(
    table(
      ["phase", "purchases", "purchases/s", "purchase", "register", "pay", "p95 purchase"],
      [a, b, a2].map(({ name, result }) => [
        name,
        String(result.done),
        fmt(result.done / (result.elapsedMs / 1000)),
        triple(result.latencies.purchase ?? []),
        triple(result.latencies.register ?? []),
        triple(result.latencies.pay ?? []),
        fmt(percentile(result.latencies.purchase ?? [], 95), 0),
      ]),
    ),
  );
  const row = attempts.rows[0];
  console.log(
    `\nDuring B's measured purchases the consumer took ${claimedDuringB} attempts at the dead receiver. ` +
      `In all: ${row.deliveries} deliveries recorded for it, ${row.attempts} attempts taken, ${row.delivered} delivered; ` +
      `${logged.rows[0].n} attempts already logged (avg ${logged.rows[0].avg_ms} ms each, the rest still hanging when B ended).`,
  );
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
