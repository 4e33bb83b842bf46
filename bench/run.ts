/**
 * `npm run bench` — the purchase benchmark. Prints figures; asserts nothing about time.
 *
 * Against `wrangler dev` (--log-level warn) on this machine, with the whole local platform
 * (Postgres, Neon proxy, Stripe emulator, mail outbox) from dev/stack.ts:
 *  1. register+pay at BENCH_CONCURRENCY concurrent buyers through the real design (claim in the
 *     tier's TierInventory Durable Object, then the order insert), and the same purchases through
 *     the classic design (claim by a guarded UPDATE of ticket_tiers.sold_count in one Postgres
 *     transaction with the order insert; bench/classic-entry.ts, a second `wrangler dev`);
 *  2. register only ("claim alone"), both designs, so the Stripe emulator's share is separated out;
 *  3. the local ceiling: GET /healthz (no-op) through the same Worker at the same concurrency, read
 *     before and after the register-only phases and pooled;
 *  4. probes of the stand-ins alone: the Neon proxy (HTTP query; interactive transaction on a
 *     fresh WebSocket Pool, as the Worker opens them), the Stripe emulator (create+confirm), and
 *     the classic claim straight against Postgres with persistent connections;
 *  5. CPU per operation for each process group (/proc), so the bottleneck is named, not guessed;
 *  6. the ledger after the run (bench/ledger.ts): sold units, orders, valid tickets and charges per
 *     design, and the refunds the Stripe emulator made (none expected).
 *
 * BENCH_SERVER=wrangler runs both Workers under `wrangler dev`, as users run it;
 * BENCH_SERVER=miniflare runs them under Miniflare's own server (same workerd, no dev proxy;
 * bench/miniflare-worker.ts); BENCH_SERVER=both (the default) runs the first and then the second
 * and prints them side by side (bench/servers.ts), separating wrangler's tooling from our cost.
 * BENCH_MINIFLARE_DIRECT=1 has the Miniflare runs serve from workerd's own socket, without the
 * entry Worker Miniflare puts in front of every request (bench/miniflare-worker.ts).
 * Per purchase, the Worker's own count of its I/O by step (workers/cost-meter.ts) is printed too.
 *
 * Settings (env): BENCH_PURCHASES=1500 BENCH_CONCURRENCY=64 BENCH_WARMUP=200 BENCH_ROUNDS=1
 * BENCH_NOOP_REQUESTS=10000 BENCH_PROBES=1 BENCH_MAX_SECONDS=120 (per phase) BENCH_VERBOSE=0
 * BENCH_MINIFLARE_DIRECT=0.
 * Rounds alternate the order of the designs (A B, B A) so drift on a shared machine hits both.
 * The defaults keep a run near 12 minutes: longer runs have made the workerd that `wrangler dev`
 * puts in front of the Worker run out of file descriptors (bench/RESULTS.md, "wrangler dev's proxy").
 */
import os from "node:os";
import pg from "pg";
import { freePort } from "../dev/ports";
import type { Stack } from "../dev/stack";
import { startWorker, type WorkerProcess } from "../dev/worker-process";
import { startStack } from "../dev/stack";
import { costsBetween, readCosts } from "./costs";
import { startMiniflareWorker } from "./miniflare-worker";
import { benchBothServers } from "./servers";
import { allPids, readStat } from "./cpu";
import { cpuBetween, postmasterOf, snapshot, wranglerGroup, type Classifier, type Snapshot } from "./cpu";
import {
  checkpoint,
  cleanup,
  handleSignals,
  isInterrupted,
  onCleanup,
  ownWranglerLogs,
  printMachine,
  removeWranglerLogs,
  setting,
  startBenchStack,
  startLoadGenerator,
  workerLog,
  type LoadGenerator,
} from "./harness";
import { keepAliveAgent, requestJson } from "./http";
import { STRIPE_EVENTS_ACTED_ON } from "../workers/domain/stripe-event-policy";
import type { Job, JobResult } from "./load";
import { readLedger } from "./ledger";
import { analyzeWranglerLogs, GROUP_NAMES, GROUPS, opsPerSecond, report, type Phase, type PostgresSample } from "./report";
import { fmt, triple } from "./stats";

const PURCHASES = setting("BENCH_PURCHASES", 1500);
const CONCURRENCY = Math.max(1, setting("BENCH_CONCURRENCY", 64));
const WARMUP = setting("BENCH_WARMUP", 200);
const ROUNDS = Math.max(1, setting("BENCH_ROUNDS", 1));
const NOOP_REQUESTS = setting("BENCH_NOOP_REQUESTS", 10_000);
const PROBES = setting("BENCH_PROBES", 1) > 0;
const MAX_SECONDS = Math.max(10, setting("BENCH_MAX_SECONDS", 120));
const VERBOSE = setting("BENCH_VERBOSE", 0) > 0;
const SERVER = process.env.BENCH_SERVER === "miniflare" ? "miniflare" : process.env.BENCH_SERVER === "wrangler" ? "wrangler" : "both";
/** Miniflare's runs serve from workerd's own socket, without Miniflare's entry Worker (bench/miniflare-worker.ts). */
const DIRECT = process.env.BENCH_MINIFLARE_DIRECT === "1";
/** Where a child run of BENCH_SERVER=both writes its headline figures (bench/servers.ts). */
const SUMMARY_FILE = process.env.BENCH_SUMMARY;
if (SERVER === "both") process.exit(await benchBothServers());

const SECRET_NAMES = ["DATABASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "SIGNING_MASTER_KEY", "MAIL_API_KEY"] as const;

// ------------------------------------------------------------------ lifetime and the load generator child (bench/harness.ts)

handleSignals();
let load: LoadGenerator<Job, JobResult>;
const runJob = (job: Job): Promise<JobResult> => load.run(job);

// ------------------------------------------------------------------ phases and their figures (the types and process groups: bench/report.ts)

let sampler: pg.Client | undefined;

/** Samples pg_stat_activity every 200 ms until stopped: who waits on a lock, who holds one idle. */
function samplePostgres(): () => Promise<PostgresSample | undefined> {
  if (!sampler) return async () => undefined;
  const client = sampler;
  const totals = { samples: 0, backends: 0, active: 0, lockWaiters: 0, tierRowWaiters: 0, idleInTransaction: 0, maxLockWaiters: 0 };
  let busy: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (busy) return;
    busy = client
      .query<{ backends: number; active: number; lock_waiters: number; tier_row_waiters: number; idle_in_txn: number }>(
        `SELECT count(*)::int AS backends,
                count(*) FILTER (WHERE state = 'active')::int AS active,
                count(*) FILTER (WHERE wait_event_type = 'Lock')::int AS lock_waiters,
                count(*) FILTER (WHERE wait_event_type = 'Lock' AND query ~* '^\\s*update\\s+"?ticket_tiers"?\\s')::int AS tier_row_waiters,
                count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int AS idle_in_txn
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
      )
      .then(({ rows: [row] }) => {
        if (!row) return;
        totals.samples++;
        totals.backends += row.backends;
        totals.active += row.active;
        totals.lockWaiters += row.lock_waiters;
        totals.tierRowWaiters += row.tier_row_waiters;
        totals.idleInTransaction += row.idle_in_txn;
        totals.maxLockWaiters = Math.max(totals.maxLockWaiters, row.lock_waiters);
      })
      .catch(() => {})
      .finally(() => (busy = undefined));
  }, 200);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await busy;
    const n = Math.max(1, totals.samples);
    return {
      samples: totals.samples,
      backends: totals.backends / n,
      active: totals.active / n,
      lockWaiters: totals.lockWaiters / n,
      tierRowWaiters: totals.tierRowWaiters / n,
      idleInTransaction: totals.idleInTransaction / n,
      maxLockWaiters: totals.maxLockWaiters,
    };
  };
}

const phases: Phase[] = [];
let standInPorts: { proxy: string; stripe: string; mail: string } | undefined;
/** wrangler writes a debug log whatever --log-level says; ours go to a folder of our own. */
const WRANGLER_LOGS = ownWranglerLogs();
let classify: Classifier = () => undefined;


async function measured(
  name: string,
  meta: { design?: "real" | "classic"; kind: string; round: number; unit: string },
  job: Job,
  after?: () => Promise<number>,
): Promise<Phase> {
  const loadavg = os.loadavg()[0]!;
  const startedAt = Date.now();
  const before: Snapshot = snapshot(classify);
  const costBase = meta.design ? costBaseOf[meta.design] : undefined;
  const costsBefore = costBase ? await readCosts(costBase) : undefined;
  const stopSampling = samplePostgres();
  const result = await runJob(job);
  const postgres = await stopSampling();
  const webhookTailSeconds = after ? await after() : undefined;
  const cpu = cpuBetween(before, snapshot(classify), GROUP_NAMES);
  const costs = costBase && costsBefore ? costsBetween(costsBefore, await readCosts(costBase)) : undefined;
  const phase: Phase = { name, ...meta, result, cpu, webhookTailSeconds, loadavg, window: [startedAt, Date.now()], postgres, costs };
  phases.push(phase);
  const errors = Object.entries(result.errors);
  console.log(
    `  ${name.padEnd(44)} ${String(result.done).padStart(6)} ok  ${fmt(opsPerSecond(result)).padStart(7)}/s  ` +
      `${meta.unit} p50/95/99 ${triple(result.latencies[meta.unit] ?? [])} ms  load ${fmt(loadavg, 2)}` +
      (result.timedOut ? "  [hit BENCH_MAX_SECONDS]" : "") +
      (webhookTailSeconds !== undefined ? `  webhook tail ${fmt(webhookTailSeconds)} s` : "") +
      (errors.length ? `\n      errors: ${errors.map(([k, v]) => `${v}× ${k}`).join(", ")}` : ""),
  );
  return phase;
}

function splitVars(vars: Record<string, string>): { plain: Record<string, string>; secrets: Record<string, string> } {
  const plain: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars)) {
    if ((SECRET_NAMES as readonly string[]).includes(key)) secrets[key] = value;
    else plain[key] = value;
  }
  return { plain, secrets };
}

/** Where each design's Worker serves its cost totals (GET /api/v1/dev/costs). */
const costBaseOf: Partial<Record<"real" | "classic", string>> = {};

/** The workerd processes this process started (Miniflare's), by pid. */
function workerdChildren(): Set<number> {
  return new Set(allPids().filter((pid) => { const s = readStat(pid); return s?.comm === "workerd" && s.ppid === process.pid; }));
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  printMachine(
    "Admit One purchase bench",
    `BENCH_PURCHASES=${PURCHASES} BENCH_CONCURRENCY=${CONCURRENCY} BENCH_WARMUP=${WARMUP} BENCH_ROUNDS=${ROUNDS} BENCH_NOOP_REQUESTS=${NOOP_REQUESTS} BENCH_PROBES=${PROBES ? 1 : 0} BENCH_MAX_SECONDS=${MAX_SECONDS} BENCH_SERVER=${SERVER}${DIRECT ? " BENCH_MINIFLARE_DIRECT=1" : ""}`,
  );
  const started = performance.now();
  const { log, lines: workerLines } = workerLog(VERBOSE);

  console.log(`\nstarting the stack (Postgres, Neon proxy, Stripe emulator, mail outbox, ${SERVER === "wrangler" ? "wrangler dev" : "Miniflare"}: real design)…`);
  let stack: Stack;
  let realWorkerd = new Set<number>();
  if (SERVER === "wrangler") stack = await startBenchStack(log);
  else {
    stack = await startStack({ worker: false, databaseName: `bench_${Date.now()}`, log });
    onCleanup(() => stack.stop());
    const port = await freePort();
    const { plain, secrets } = splitVars({ ...stack.vars, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
    const worker = await startMiniflareWorker({ port, vars: plain, secrets, log, direct: DIRECT });
    onCleanup(() => worker.stop());
    stack.urls.worker = worker.url;
    realWorkerd = workerdChildren();
  }
  standInPorts = { proxy: new URL(stack.urls.proxy).port, stripe: new URL(stack.urls.stripe).port, mail: new URL(stack.urls.mail).port };
  checkpoint();

  console.log(`starting ${SERVER === "wrangler" ? "wrangler dev" : "Miniflare"} for the classic design (bench/wrangler.classic.toml)…`);
  const classicPort = await freePort();
  const { plain, secrets } = splitVars({ ...stack.vars, PUBLIC_BASE_URL: `http://127.0.0.1:${classicPort}` });
  const classic: WorkerProcess =
    SERVER === "wrangler"
      ? await startWorker({ port: classicPort, inspectorPort: await freePort(), vars: plain, secrets, configPath: "bench/wrangler.classic.toml", log })
      : await startMiniflareWorker({ port: classicPort, vars: plain, secrets, configPath: "bench/wrangler.classic.toml", log, direct: DIRECT });
  const classicWorkerd = SERVER === "miniflare" ? new Set([...workerdChildren()].filter((pid) => !realWorkerd.has(pid))) : new Set<number>();
  onCleanup(() => classic.stop());
  checkpoint();
  load = await startLoadGenerator<Job, JobResult>(new URL("./load.ts", import.meta.url));
  console.log(`ready in ${fmt((performance.now() - started) / 1000)} s  (postgres: ${stack.postgresKind})`);

  // CPU accounting: which process belongs to which part of the platform
  const mainUrl = stack.urls.worker!;
  const mainGroup = wranglerGroup(Number(new URL(mainUrl).port));
  const classicGroup = wranglerGroup(classicPort);
  const postmaster = postmasterOf(Number(new URL(stack.databaseUrl).port));
  const loadPid = load.pid;
  classify = (p) => {
    if (p.pid === loadPid) return GROUPS.load;
    if (realWorkerd.has(p.pid)) return GROUPS.mainWorkerd;
    if (classicWorkerd.has(p.pid)) return GROUPS.classicWorkerd;
    if (p.pid === process.pid) return GROUPS.node;
    if (mainGroup !== undefined && p.pgrp === mainGroup) return p.comm === "workerd" ? GROUPS.mainWorkerd : GROUPS.mainWrangler;
    if (classicGroup !== undefined && p.pgrp === classicGroup) return p.comm === "workerd" ? GROUPS.classicWorkerd : GROUPS.classicWrangler;
    if (postmaster !== undefined && (p.pid === postmaster || p.ppid === postmaster)) return GROUPS.postgres;
    return undefined;
  };
  costBaseOf.real = mainUrl;
  costBaseOf.classic = classic.url;
  if (SERVER === "wrangler" && (mainGroup === undefined || classicGroup === undefined || postmaster === undefined)) {
    console.log(`  note: CPU accounting incomplete (real worker group ${mainGroup}, classic ${classicGroup}, postmaster ${postmaster})`);
  }

  // ---- fixtures: one organizer, one published event with one GA tier per design
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  onCleanup(() => db.end());
  sampler = new pg.Client({ connectionString: stack.databaseUrl });
  await sampler.connect();
  onCleanup(() => sampler!.end());
  const agent = keepAliveAgent(4);
  onCleanup(async () => agent.destroy());
  const api = async (method: string, path: string, body?: unknown, token?: string) => {
    const response = await requestJson(agent, method, `${mainUrl}${path}`, body, token ? { Authorization: `Bearer ${token}` } : {});
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const organizer = await api("POST", "/api/v1/organizers", { name: "Bench", email: `bench-${Date.now()}@bench.test`, password: "bench bench bench bench" });
  const apiKey: string = organizer.api_key;
  const createEvent = async (label: string) => {
    const startsAt = Date.now() + 30 * 86_400_000;
    const created = await api(
      "POST",
      "/api/v1/events",
      {
        title: `Bench: ${label}`,
        category: "bench",
        venue: { name: "Bench Hall", city: `Benchville ${label}` },
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
    return { eventId: created.event_id as string, tierId: created.tiers[0].tier_id as string };
  };
  const events = { real: await createEvent("real design"), classic: await createEvent("classic design") };
  const workerUrl = { real: mainUrl, classic: classic.url };
  const label = { real: "real (TierInventory DO)", classic: "classic (Postgres UPDATE)" };

  const stripeControl = async (method: string, path: string, body?: unknown, timeoutMs = 120_000) =>
    requestJson(agent, method, `${stack.urls.stripe}/_emulator/${path}`, body, {}, timeoutMs);
  const pointWebhooksAt = (design: "real" | "classic" | null) =>
    // Subscribed to the types the Worker acts on, as its production endpoint is (Stripe's enabled_events).
    stripeControl("PUT", "webhook_endpoint", { url: design ? `${workerUrl[design]}/api/v1/stripe/webhook` : null, enabled_events: [...STRIPE_EVENTS_ACTED_ON] });
  const flushWebhooks = async () => {
    const t0 = performance.now();
    await stripeControl("POST", "webhooks/flush", undefined, Math.max(600, MAX_SECONDS * 3) * 1000).catch((error) => console.log(`  (webhook flush: ${String(error)})`));
    return (performance.now() - t0) / 1000;
  };

  const purchaseJob = (design: "real" | "classic", pay: boolean, count: number, tag: string): Job => ({
    kind: "purchases",
    base: workerUrl[design],
    ...events[design],
    tag,
    pay,
    count,
    concurrency: CONCURRENCY,
    maxSeconds: MAX_SECONDS,
  });

  console.log(`\nwarm-up: ${WARMUP} purchases per design (not measured)`);
  for (const design of ["real", "classic"] as const) {
    await pointWebhooksAt(design);
    const warm = await runJob(purchaseJob(design, true, WARMUP, `warm-${design}`));
    await flushWebhooks();
    const errors = Object.entries(warm.errors);
    console.log(`  ${label[design]}: ${warm.done} ok${errors.length ? `, errors: ${errors.map(([k, v]) => `${v}× ${k}`).join(", ")}` : ""}`);
    if (warm.done === 0) throw new Error(`no purchase succeeded through the ${design} design during warm-up`);
  }

  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? (["real", "classic"] as const) : (["classic", "real"] as const);
    console.log(`\nround ${round}/${ROUNDS}: ${CONCURRENCY} concurrent buyers`);
    for (const design of order) {
      await pointWebhooksAt(design);
      await measured(`register+pay  ${label[design]}`, { design, kind: "purchase", round, unit: "purchase" }, purchaseJob(design, true, PURCHASES, `r${round}-${design}`), flushWebhooks);
    }
    // The ceiling is read on both sides of the register-only phases and pooled: this machine's speed
    // drifts by a fifth between minutes, and register's share is the figure measured against it.
    const noop = (when: string) =>
      measured(`no-op GET /healthz (real design's worker), ${when}`, { kind: "noop", round, unit: "request" }, {
        kind: "noop",
        url: `${mainUrl}/healthz`,
        count: NOOP_REQUESTS,
        concurrency: CONCURRENCY,
        maxSeconds: MAX_SECONDS,
      });
    await noop("before register only");
    for (const design of order) {
      await measured(`register only ${label[design]}`, { design, kind: "register", round, unit: "register" }, purchaseJob(design, false, PURCHASES, `r${round}-reg-${design}`));
    }
    await noop("after");
  }

  if (PROBES) {
    console.log(`\nprobes of the stand-ins alone (${CONCURRENCY} concurrent, from the load generator)`);
    const proxy = stack.vars.NEON_LOCAL_PROXY!;
    await measured("proxy: HTTP /sql select 1 (neon())", { kind: "probe", round: 0, unit: "query" }, {
      kind: "neon-http", proxy, databaseUrl: stack.databaseUrl, count: Math.max(PURCHASES, 2000) * 2, concurrency: CONCURRENCY, maxSeconds: MAX_SECONDS,
    });
    await measured("proxy: txn on a fresh WS Pool (BEGIN/select 1/COMMIT)", { kind: "probe", round: 0, unit: "query" }, {
      kind: "neon-txn", proxy, databaseUrl: stack.databaseUrl, count: PURCHASES, concurrency: CONCURRENCY, maxSeconds: MAX_SECONDS,
    });
    await pointWebhooksAt(null);
    await measured("Stripe emulator: create+confirm PaymentIntent", { kind: "probe", round: 0, unit: "create+confirm" }, {
      kind: "stripe", stripeUrl: stack.urls.stripe, secretKey: stack.vars.STRIPE_SECRET_KEY!, count: PURCHASES, concurrency: CONCURRENCY, maxSeconds: MAX_SECONDS,
    });
    const pgEvent = await createEvent("postgres alone");
    const attendee = await db.query<{ id: string }>("INSERT INTO attendees (email, name) VALUES ($1, 'Bench') RETURNING id", [`pg-alone-${Date.now()}@bench.test`]);
    await measured("Postgres alone: classic claim txn, node-pg, pooled", { kind: "probe", round: 0, unit: "claim" }, {
      kind: "pg-claim", databaseUrl: stack.databaseUrl, ...pgEvent, attendeeId: attendee.rows[0]!.id, count: PURCHASES * 2, concurrency: CONCURRENCY, maxSeconds: MAX_SECONDS,
    });
  }

  // ---- did both designs do the real work? (ledger after every phase, webhooks flushed)
  const ledger = await readLedger(db, { real: events.real.tierId, classic: events.classic.tierId }, { url: stack.urls.stripe, secretKey: stack.vars.STRIPE_SECRET_KEY! });
  const stats = await api("GET", `/api/v1/events/${events.real.eventId}/stats`, undefined, apiKey);

  report(phases, { concurrency: CONCURRENCY, purchases: PURCHASES, rounds: ROUNDS, server: SERVER === "miniflare" ? "miniflare" : "wrangler", summaryFile: SUMMARY_FILE }, ledger, stats.tiers?.[0]);
  console.log(`\nworker output lines (warn level and above): ${workerLines.length}`);
  console.log(`total bench time ${fmt((performance.now() - started) / 1000)} s; stopping everything…`);
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = isInterrupted() ? 130 : 1;
  console.error(isInterrupted() ? "interrupted." : `bench failed: ${String((error as Error)?.stack ?? error)}`);
} finally {
  await cleanup();
}
try {
  if (standInPorts) analyzeWranglerLogs(phases, WRANGLER_LOGS, standInPorts);
} catch (error) {
  console.log(`(could not read wrangler's logs: ${String(error)})`);
}
removeWranglerLogs(WRANGLER_LOGS);
process.exit(exitCode);
