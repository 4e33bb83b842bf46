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
 * Per purchase, the Worker's own count of its I/O by step (workers/cost-meter.ts) is printed too.
 *
 * Settings (env): BENCH_PURCHASES=1500 BENCH_CONCURRENCY=64 BENCH_WARMUP=200 BENCH_ROUNDS=1
 * BENCH_NOOP_REQUESTS=10000 BENCH_PROBES=1 BENCH_MAX_SECONDS=120 (per phase) BENCH_VERBOSE=0.
 * Rounds alternate the order of the designs (A B, B A) so drift on a shared machine hits both.
 * The defaults keep a run near 12 minutes: longer runs have made the workerd that `wrangler dev`
 * puts in front of the Worker run out of file descriptors (bench/RESULTS.md, "wrangler dev's proxy").
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import pg from "pg";
import { freePort } from "../dev/ports";
import type { Stack } from "../dev/stack";
import { startWorker, type WorkerProcess } from "../dev/worker-process";
import { startStack } from "../dev/stack";
import { costsBetween, postgresRoundTrips, printCosts, readCosts, type StepCosts } from "./costs";
import { startMiniflareWorker } from "./miniflare-worker";
import { benchBothServers, type ServerSummary } from "./servers";
import { allPids, readStat } from "./cpu";
import { cpuBetween, postmasterOf, snapshot, wranglerGroup, type Classifier, type CpuUse, type Snapshot } from "./cpu";
import {
  checkpoint,
  cleanup,
  handleSignals,
  isFileWatchEvent,
  isInterrupted,
  onCleanup,
  ownWranglerLogs,
  printMachine,
  readWranglerLogs,
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
import { readLedger, type LedgerRow } from "./ledger";
import { fmt, percentile, table, triple } from "./stats";

const PURCHASES = setting("BENCH_PURCHASES", 1500);
const CONCURRENCY = Math.max(1, setting("BENCH_CONCURRENCY", 64));
const WARMUP = setting("BENCH_WARMUP", 200);
const ROUNDS = Math.max(1, setting("BENCH_ROUNDS", 1));
const NOOP_REQUESTS = setting("BENCH_NOOP_REQUESTS", 10_000);
const PROBES = setting("BENCH_PROBES", 1) > 0;
const MAX_SECONDS = Math.max(10, setting("BENCH_MAX_SECONDS", 120));
const VERBOSE = setting("BENCH_VERBOSE", 0) > 0;
const SERVER = process.env.BENCH_SERVER === "miniflare" ? "miniflare" : process.env.BENCH_SERVER === "wrangler" ? "wrangler" : "both";
/** Where a child run of BENCH_SERVER=both writes its headline figures (bench/servers.ts). */
const SUMMARY_FILE = process.env.BENCH_SUMMARY;
if (SERVER === "both") process.exit(await benchBothServers());

const SECRET_NAMES = ["DATABASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "SIGNING_MASTER_KEY", "MAIL_API_KEY"] as const;

const GROUPS = {
  load: "load generator (node)",
  node: "stand-ins (node: Neon proxy + Stripe emulator + mail)",
  mainWorkerd: "real design: workerd (Worker + Durable Objects)",
  mainWrangler: "real design: wrangler's node processes (dev server, inspector proxy, esbuild)",
  classicWorkerd: "classic design: workerd",
  classicWrangler: "classic design: wrangler's node processes",
  postgres: "postgres",
} as const;
const GROUP_NAMES = Object.values(GROUPS);
const SHORT: Record<string, string> = {
  [GROUPS.load]: "loadgen",
  [GROUPS.node]: "proxy+stripe",
  [GROUPS.mainWorkerd]: "real:workerd",
  [GROUPS.mainWrangler]: "real:wrangler",
  [GROUPS.classicWorkerd]: "cls:workerd",
  [GROUPS.classicWrangler]: "cls:wrangler",
  [GROUPS.postgres]: "postgres",
  other: "other",
};

// ------------------------------------------------------------------ lifetime and the load generator child (bench/harness.ts)

handleSignals();
let load: LoadGenerator<Job, JobResult>;
const runJob = (job: Job): Promise<JobResult> => load.run(job);

// ------------------------------------------------------------------ phases and their figures

interface Phase {
  name: string;
  design?: "real" | "classic";
  kind: string;
  round: number;
  result: JobResult;
  cpu: CpuUse;
  /** Wall time after the clients finished until the emulator had delivered every webhook. */
  webhookTailSeconds?: number;
  /** The latency series that counts as one operation ("purchase", "register", …). */
  unit: string;
  loadavg: number;
  /** Wall-clock window (ms since the epoch), to match wrangler's own log against. */
  window: [number, number];
  postgres?: PostgresSample;
  /** The Worker's own count of its I/O during the phase (workers/cost-meter.ts). */
  costs?: StepCosts;
}

/** Averages over pg_stat_activity samples of this database taken while the clients ran. */
interface PostgresSample {
  samples: number;
  backends: number;
  active: number;
  lockWaiters: number;
  /** Of those, waiting to UPDATE ticket_tiers: the tier's row is the hot spot. */
  tierRowWaiters: number;
  idleInTransaction: number;
  maxLockWaiters: number;
}

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

const opsPerSecond = (r: JobResult) => (r.done / r.elapsedMs) * 1000;

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
    `BENCH_PURCHASES=${PURCHASES} BENCH_CONCURRENCY=${CONCURRENCY} BENCH_WARMUP=${WARMUP} BENCH_ROUNDS=${ROUNDS} BENCH_NOOP_REQUESTS=${NOOP_REQUESTS} BENCH_PROBES=${PROBES ? 1 : 0} BENCH_MAX_SECONDS=${MAX_SECONDS} BENCH_SERVER=${SERVER}`,
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
    const worker = await startMiniflareWorker({ port, vars: plain, secrets, log });
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
      : await startMiniflareWorker({ port: classicPort, vars: plain, secrets, configPath: "bench/wrangler.classic.toml", log });
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

  report(ledger, stats.tiers?.[0]);
  console.log(`\nworker output lines (warn level and above): ${workerLines.length}`);
  console.log(`total bench time ${fmt((performance.now() - started) / 1000)} s; stopping everything…`);
}

// ------------------------------------------------------------------ report

function pooled(selected: Phase[], unit: string) {
  const done = selected.reduce((n, p) => n + p.result.done, 0);
  const elapsed = selected.reduce((n, p) => n + p.result.elapsedMs, 0);
  const errors = selected.reduce((n, p) => n + Object.values(p.result.errors).reduce((a, b) => a + b, 0), 0);
  const series = (name: string) => selected.flatMap((p) => p.result.latencies[name] ?? []);
  return { done, errors, perSecond: (done / elapsed) * 1000, rounds: selected.map((p) => opsPerSecond(p.result)), series, unit };
}

function report({ rows: ledger, strayRefunds }: { rows: LedgerRow[]; strayRefunds: number }, inventory: any): void {
  const of = (design: string | undefined, kind: string) => phases.filter((p) => p.design === design && p.kind === kind);
  const real = pooled(of("real", "purchase"), "purchase");
  const classic = pooled(of("classic", "purchase"), "purchase");
  const realReg = pooled(of("real", "register"), "register");
  const classicReg = pooled(of("classic", "register"), "register");
  const noop = pooled(of(undefined, "noop"), "request");
  const rounds = (xs: number[]) => xs.map((x) => fmt(x, 0)).join(", ");

  console.log(`\n=== register + pay, ${CONCURRENCY} concurrent buyers, ${PURCHASES} purchases × ${ROUNDS} round(s) per design ===`);
  console.log(
    table(
      ["design", "purchases", "errors", "purchases/s (per round)", "register p50/p95/p99 ms", "pay p50/p95/p99 ms", "purchase p50/p95/p99 ms"],
      [
        ["real: TierInventory DO", real, "real"],
        ["classic: Postgres UPDATE", classic, "classic"],
      ].map(([name, r]) => {
        const x = r as ReturnType<typeof pooled>;
        return [name as string, String(x.done), String(x.errors), `${fmt(x.perSecond)} (${rounds(x.rounds)})`, triple(x.series("register")), triple(x.series("pay")), triple(x.series("purchase"))];
      }),
    ),
  );
  console.log(
    `ratio real/classic: throughput ×${fmt(real.perSecond / classic.perSecond, 2)}; purchase p50 ×${fmt(percentile(real.series("purchase"), 50) / percentile(classic.series("purchase"), 50), 2)}, ` +
      `p95 ×${fmt(percentile(real.series("purchase"), 95) / percentile(classic.series("purchase"), 95), 2)}, p99 ×${fmt(percentile(real.series("purchase"), 99) / percentile(classic.series("purchase"), 99), 2)}`,
  );

  for (const design of ["real", "classic"] as const) {
    const selected = of(design, "purchase").filter((p) => p.costs);
    const done = selected.reduce((n, p) => n + p.result.done, 0);
    if (done === 0) continue;
    const summed: StepCosts = {};
    for (const p of selected) {
      for (const [step, costs] of Object.entries(p.costs!)) {
        const into = (summed[step] ??= { ...costs, ...Object.fromEntries(Object.keys(costs).map((k) => [k, 0])) } as typeof costs);
        for (const k of Object.keys(costs) as (keyof typeof costs)[]) into[k] += costs[k];
      }
    }
    printCosts(summed, done, `${design} design: I/O per purchase by step, counted by the Worker (workers/cost-meter.ts; webhook tail included)`);
  }

  console.log(`\n=== claim alone: register only (no Stripe), ${CONCURRENCY} concurrent ===`);
  console.log(
    table(
      ["design", "registrations", "errors", "registrations/s (per round)", "register p50/p95/p99 ms", "share of no-op ceiling"],
      [
        ["real: TierInventory DO", realReg],
        ["classic: Postgres UPDATE", classicReg],
      ].map(([name, r]) => {
        const x = r as ReturnType<typeof pooled>;
        return [name as string, String(x.done), String(x.errors), `${fmt(x.perSecond)} (${rounds(x.rounds)})`, triple(x.series("register")), `${fmt((100 * x.perSecond) / noop.perSecond)} %`];
      }),
    ),
  );
  console.log(`ratio real/classic (register only): throughput ×${fmt(realReg.perSecond / classicReg.perSecond, 2)}, p50 ×${fmt(percentile(realReg.series("register"), 50) / percentile(classicReg.series("register"), 50), 2)}`);

  console.log(`\n=== local ceiling: no-op GET /healthz through the real design's worker, ${CONCURRENCY} concurrent ===`);
  console.log(`${noop.done} requests, ${noop.errors} errors, ${fmt(noop.perSecond)} req/s (per round ${rounds(noop.rounds)}), p50/p95/p99 ${triple(noop.series("request"))} ms`);
  console.log(
    `claim path as a fraction of the no-op: register only ${fmt((100 * realReg.perSecond) / noop.perSecond)} % (classic ${fmt((100 * classicReg.perSecond) / noop.perSecond)} %); ` +
      `register+pay ${fmt((100 * real.perSecond) / noop.perSecond)} % (classic ${fmt((100 * classic.perSecond) / noop.perSecond)} %)`,
  );

  const probes = phases.filter((p) => p.kind === "probe");
  if (probes.length) {
    console.log(`\n=== the stand-ins alone, ${CONCURRENCY} concurrent ===`);
    console.log(
      table(
        ["probe", "ops", "errors", "ops/s", "p50/p95/p99 ms"],
        probes.map((p) => [p.name, String(p.result.done), String(Object.values(p.result.errors).reduce((a, b) => a + b, 0)), fmt(opsPerSecond(p.result)), triple(p.result.latencies[p.unit] ?? [])]),
      ),
    );
  }

  console.log(`\n=== CPU per operation (ms of CPU per purchase / registration / request / probe op, from /proc) ===`);
  const columns = [...GROUP_NAMES, "other"];
  console.log(
    table(
      ["phase", "round", "ops", "wall s", "busy cores", ...columns.map((c) => SHORT[c]!)],
      phases.map((p) => {
        const ops = Math.max(1, p.result.done);
        return [
          p.name,
          String(p.round || "–"),
          String(p.result.done),
          fmt(p.cpu.wallSeconds),
          fmt(p.cpu.machineBusyCores, 2),
          ...columns.map((c) => fmt(((p.cpu.seconds.get(c) ?? 0) * 1000) / ops, 2)),
        ];
      }),
    ),
  );
  console.log(`(purchase phases include the webhook tail until the emulator had delivered every event; busy cores = whole machine, out of ${os.availableParallelism()})`);
  console.log("CPU as share of one core during each phase:");
  console.log(
    table(
      ["phase", "round", ...columns.map((c) => SHORT[c]!)],
      phases.map((p) => [p.name, String(p.round || "–"), ...columns.map((c) => `${fmt((100 * (p.cpu.seconds.get(c) ?? 0)) / p.cpu.wallSeconds, 0)}%`)]),
    ),
  );

  console.log("\n=== Postgres while the clients ran (pg_stat_activity every 200 ms, averages) ===");
  console.log(
    table(
      ["phase", "round", "backends", "active", "waiting on a lock", "…to UPDATE ticket_tiers", "max waiting", "idle in transaction"],
      phases.filter((p) => p.postgres && p.postgres.samples > 0).map((p) => [
        p.name,
        String(p.round || "–"),
        fmt(p.postgres!.backends),
        fmt(p.postgres!.active),
        fmt(p.postgres!.lockWaiters),
        fmt(p.postgres!.tierRowWaiters),
        String(p.postgres!.maxLockWaiters),
        fmt(p.postgres!.idleInTransaction),
      ]),
    ),
  );
  console.log("(idle in transaction = a transaction waiting for its client's next statement, holding its locks meanwhile)");

  console.log("\n=== ledger after the run (both designs did the whole saga) ===");
  console.log(
    table(
      ["design", "sold_count", "confirmed", "pending", "other", "valid tickets", "charges", "refunded"],
      ledger.map((r) => [r.design, String(r.sold_count), String(r.confirmed), String(r.pending), String(r.other), String(r.tickets), String(r.charges), String(r.refunds)]),
    ),
  );
  // A purchase bench gives nothing back: a refund here is a charge the saga undid (or a stray one it caught).
  console.log(`refunds at the Stripe emulator for intents no order records: ${strayRefunds}`);
  if (inventory) console.log(`real design's TierInventory: sold ${inventory.sold}, held ${inventory.held} (pending orders of the register-only phases hold their units)`);
  if (SUMMARY_FILE) writeSummary(SUMMARY_FILE, { real, classic, realReg, noop });
}

/** The headline figures, for bench/servers.ts to put beside the other server's. */
function writeSummary(file: string, r: Record<"real" | "classic" | "realReg" | "noop", ReturnType<typeof pooled>>): void {
  const classicReg = pooled(phases.filter((p) => p.design === "classic" && p.kind === "register"), "register");
  const purchases = phases.filter((p) => p.design === "real" && p.kind === "purchase");
  const done = Math.max(1, r.real.done);
  const cpu = (group: string) => (1000 * purchases.reduce((n, p) => n + (p.cpu.seconds.get(group) ?? 0), 0)) / done;
  const summed: StepCosts = {};
  for (const p of purchases) {
    for (const [step, costs] of Object.entries(p.costs ?? {})) {
      const into = (summed[step] ??= Object.fromEntries(Object.keys(costs).map((k) => [k, 0])) as typeof costs);
      for (const k of Object.keys(costs) as (keyof typeof costs)[]) into[k] += costs[k];
    }
  }
  const steps = Object.keys(summed).filter((s) => summed[s]!.requests > 0);
  const total = (k: keyof StepCosts[string]) => steps.reduce((n, s) => n + summed[s]![k], 0) / done;
  const at = (series: number[]) => [50, 95, 99].map((q) => percentile(series, q)) as [number, number, number];
  const summary: ServerSummary = {
    server: SERVER === "miniflare" ? "miniflare" : "wrangler",
    loadavg: [phases[0]?.loadavg ?? Number.NaN, os.loadavg()[0]!],
    purchasesPerSecond: { real: r.real.perSecond, classic: r.classic.perSecond },
    purchaseMs: { real: at(r.real.series("purchase")), classic: at(r.classic.series("purchase")) },
    registrationsPerSecond: { real: r.realReg.perSecond, classic: classicReg.perSecond },
    noopPerSecond: r.noop.perSecond,
    cpuPerPurchase: { workerd: cpu(GROUPS.mainWorkerd), wrangler: cpu(GROUPS.mainWrangler), postgres: cpu(GROUPS.postgres), standIns: cpu(GROUPS.node) },
    io: steps.length ? { postgresRoundTrips: postgresRoundTrips(summed, steps, done), statements: total("dbStatements"), interactiveTransactions: total("dbTransactions"), doCalls: total("doCalls") } : null,
    errors: { real: r.real.errors, classic: r.classic.errors },
  };
  writeFileSync(file, JSON.stringify(summary));
}

/**
 * What wrangler's own debug log (WRANGLER_LOG_PATH, a folder of our own) says about each phase:
 *  - the Worker's subrequests, by destination: wrangler dev's inspector proxy receives a Network
 *    event for every fetch/WebSocket the Worker makes, and logs it whatever --log-level says;
 *  - file-watch events: `wrangler dev` watches its sources, `dist/web` and (real design) `web/`,
 *    so on a machine where others edit and build the same checkout a reload can land in a phase.
 */
function analyzeWranglerLogs(ports: { proxy: string; stripe: string; mail: string }): void {
  const files = readWranglerLogs(WRANGLER_LOGS);
  if (files.length === 0 || phases.length === 0) return;
  const kinds = ["db http", "db websocket", "stripe", "mail", "other"] as const;
  const kindOf = (url: URL): (typeof kinds)[number] => {
    if (url.port === ports.proxy) return url.pathname === "/sql" ? "db http" : "db websocket";
    if (url.port === ports.stripe) return "stripe";
    if (url.port === ports.mail) return "mail";
    return "other";
  };
  const key = (p: Phase) => `${p.name}${p.round ? ` (round ${p.round})` : ""}`;
  const events = new Map<string, Set<string>>();
  const subrequests = new Map<string, Map<string, number>>(); // phase → "worker kind" → count
  for (const { text, entries } of files) {
    const worker = text.includes("bench/wrangler.classic.toml") ? "classic" : "real";
    for (const { at, body } of entries) {
      const phase = phases.find((p) => at >= p.window[0] && at <= p.window[1]);
      if (!phase) continue;
      if (body.includes("Network.requestWillBeSent")) {
        const url = /url: '([^']+)'/.exec(body)?.[1];
        if (!url) continue;
        const counts = subrequests.get(key(phase)) ?? subrequests.set(key(phase), new Map()).get(key(phase))!;
        const name = `${worker} ${kindOf(new URL(url))}`;
        counts.set(name, (counts.get(name) ?? 0) + 1);
      } else if (isFileWatchEvent(body)) {
        const seen = events.get(key(phase)) ?? events.set(key(phase), new Set()).get(key(phase))!;
        seen.add(`${worker}: ${body.split("\n")[0]!.slice(0, 90)}`);
      }
    }
  }
  if (subrequests.size > 0) {
    console.log("\n=== the Worker's subrequests per operation, from wrangler's inspector log (both workers) ===");
    const columns = (["real", "classic"] as const).flatMap((w) => kinds.map((k) => `${w} ${k}`)).filter((c) => [...subrequests.values()].some((m) => m.has(c)));
    console.log(
      table(
        ["phase", "ops", ...columns],
        phases.filter((p) => p.kind !== "probe").map((p) => {
          const counts = subrequests.get(key(p)) ?? new Map<string, number>();
          return [key(p), String(p.result.done), ...columns.map((c) => fmt((counts.get(c) ?? 0) / Math.max(1, p.result.done), 1))];
        }),
      ),
    );
    console.log("(purchase phases include the webhook tail; db websocket = one interactive transaction on a fresh Pool)");
  }
  console.log(`\nwrangler file-watch events (rebuild/reload/asset changes, by anyone) inside measured phases: ${events.size === 0 ? "none" : ""}`);
  for (const [phase, seen] of events) console.log(`  ${phase}: ${seen.size} distinct, e.g. ${[...seen].slice(0, 2).join(" | ")}`);
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
  if (standInPorts) analyzeWranglerLogs(standInPorts);
} catch (error) {
  console.log(`(could not read wrangler's logs: ${String(error)})`);
}
removeWranglerLogs(WRANGLER_LOGS);
process.exit(exitCode);
