/**
 * `npm run bench:live` — the organizer's live dashboard under a purchase burst (issue #11's load
 * figure). Prints figures; asserts nothing about time.
 *
 * Against `wrangler dev` (--log-level warn) with the whole local platform from dev/stack.ts, started
 * as bench/run.ts starts it (bench/harness.ts). Two forked clients (bench/live-load.ts): the buyers,
 * and the dashboards (so the sockets' CPU is neither the buyers' nor the stand-ins').
 *  0. preparation (not measured): one organizer, one published event with one GA tier
 *     (`max_per_order` 1, `purchase_limits` lifted: every buyer comes from 127.0.0.1), a warm-up burst;
 *  A. baseline: BENCH_LIVE_PURCHASES register+pay purchases at BENCH_LIVE_CONCURRENCY buyers (distinct
 *     emails) with no dashboard open: purchases/s, latency, CPU per purchase per process group;
 *  B. BENCH_LIVE_SOCKETS dashboards open on the event (`GET /api/v1/events/{id}/live`, API key as
 *     Bearer, the `ws` package), then the same burst: the same figures, plus messages per second per
 *     socket during the burst, the delivery delay from sale to message (for the k-th pay to return,
 *     the first message on each socket whose Σ tiers.sold ≥ sold-before-B + k; delay = receipt − pay
 *     return, wall clock, both clients on this machine), `seq` increasing on every socket, drops;
 *  A′ (BENCH_LIVE_BASELINE_AGAIN=1): the dashboards closed, the baseline burst again, to see drift on
 *     a shared machine;
 *  then the extra CPU per purchase the pushes cost (B − A per group) and throughput B/A.
 * Each phase's CPU window is the burst, the Stripe emulator's webhook tail, and 1 s for the last push.
 *
 * Settings (env): BENCH_LIVE_PURCHASES=600 BENCH_LIVE_CONCURRENCY=64 BENCH_LIVE_SOCKETS=500
 * BENCH_LIVE_OPEN_CONCURRENCY=16 BENCH_LIVE_WARMUP=100 BENCH_LIVE_BASELINE_AGAIN=1
 * BENCH_LIVE_MAX_SECONDS=120 (per phase; opening the sockets gets 3×) BENCH_VERBOSE=0.
 */
import os from "node:os";
import { cpuBetween, postmasterOf, snapshot, wranglerGroup, type Classifier, type CpuUse } from "./cpu";
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
import type { CollectResult, LiveJob, OpenResult, PurchaseResult } from "./live-load";
import { fmt, percentile, table, triple } from "./stats";

const PURCHASES = Math.max(1, setting("BENCH_LIVE_PURCHASES", 600));
const CONCURRENCY = Math.max(1, setting("BENCH_LIVE_CONCURRENCY", 64));
const SOCKETS = Math.max(1, setting("BENCH_LIVE_SOCKETS", 500));
const OPEN_CONCURRENCY = Math.max(1, setting("BENCH_LIVE_OPEN_CONCURRENCY", 16));
const WARMUP = setting("BENCH_LIVE_WARMUP", 100);
const BASELINE_AGAIN = setting("BENCH_LIVE_BASELINE_AGAIN", 1) > 0;
const LONE_SALES = setting("BENCH_LIVE_LONE_SALES", 20);
const LONE_GAP_MS = setting("BENCH_LIVE_LONE_GAP_MS", 1500);
const MAX_SECONDS = Math.max(10, setting("BENCH_LIVE_MAX_SECONDS", 120));
const VERBOSE = setting("BENCH_VERBOSE", 0) > 0;
/** After the burst and the webhooks, the last push is due within PUSH_INTERVAL_MS (500 ms). */
const SETTLE_MS = 1_000;

const GROUPS = {
  buyers: "buyers (node, forked)",
  dashboards: "dashboards (node, forked: the sockets)",
  node: "stand-ins (node: Neon proxy + Stripe emulator + mail)",
  workerd: "workerd (Worker + Durable Objects)",
  wrangler: "wrangler's node processes (dev server proxy, esbuild)",
  postgres: "postgres",
} as const;
const GROUP_NAMES = Object.values(GROUPS);
const SERVER_GROUPS: string[] = [GROUPS.workerd, GROUPS.wrangler, GROUPS.postgres, GROUPS.node];
const SHORT: Record<string, string> = {
  [GROUPS.buyers]: "buyers",
  [GROUPS.dashboards]: "dashboards",
  [GROUPS.node]: "proxy+stripe",
  [GROUPS.workerd]: "workerd",
  [GROUPS.wrangler]: "wrangler",
  [GROUPS.postgres]: "postgres",
  other: "other",
};

handleSignals();
process.on("unhandledRejection", (error) => console.error(`  !!! unhandled rejection: ${String((error as Error)?.stack ?? error).slice(0, 400)}`));
const WRANGLER_LOGS = ownWranglerLogs();
let buyers: LoadGenerator<LiveJob, any>;
let screens: LoadGenerator<LiveJob, any>;
let classify: Classifier = () => undefined;

interface Phase {
  name: string;
  result: PurchaseResult;
  cpu: CpuUse;
  loadavg: [number, number];
  window: [number, number];
  webhookTailSeconds: number;
}
const phases: Phase[] = [];
const perSecond = (r: { done: number; elapsedMs: number }) => (r.done / r.elapsedMs) * 1000;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const counted = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${v}× ${k}`)
    .join(", ");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  printMachine(
    "Admit One live dashboard bench",
    `BENCH_LIVE_PURCHASES=${PURCHASES} BENCH_LIVE_CONCURRENCY=${CONCURRENCY} BENCH_LIVE_SOCKETS=${SOCKETS} BENCH_LIVE_OPEN_CONCURRENCY=${OPEN_CONCURRENCY} ` +
      `BENCH_LIVE_WARMUP=${WARMUP} BENCH_LIVE_BASELINE_AGAIN=${BASELINE_AGAIN ? 1 : 0} BENCH_LIVE_LONE_SALES=${LONE_SALES} BENCH_LIVE_LONE_GAP_MS=${LONE_GAP_MS} BENCH_LIVE_MAX_SECONDS=${MAX_SECONDS}`,
  );
  const started = performance.now();
  const { log, lines: workerLines } = workerLog(VERBOSE);

  console.log("\nstarting the stack (Postgres, Neon proxy, Stripe emulator, mail outbox, wrangler dev)…");
  const stack = await startBenchStack(log);
  checkpoint();
  buyers = await startLoadGenerator<LiveJob, any>(new URL("./live-load.ts", import.meta.url));
  screens = await startLoadGenerator<LiveJob, any>(new URL("./live-load.ts", import.meta.url));
  console.log(`ready in ${fmt((performance.now() - started) / 1000)} s  (postgres: ${stack.postgresKind}; buyers pid ${buyers.pid}, dashboards pid ${screens.pid})`);

  const base = stack.urls.worker!;
  const workerGroup = wranglerGroup(Number(new URL(base).port));
  const postmaster = postmasterOf(Number(new URL(stack.databaseUrl).port));
  classify = (p) => {
    if (p.pid === buyers.pid) return GROUPS.buyers;
    if (p.pid === screens.pid) return GROUPS.dashboards;
    if (p.pid === process.pid) return GROUPS.node;
    if (workerGroup !== undefined && p.pgrp === workerGroup) return p.comm === "workerd" ? GROUPS.workerd : GROUPS.wrangler;
    if (postmaster !== undefined && (p.pid === postmaster || p.ppid === postmaster)) return GROUPS.postgres;
    return undefined;
  };
  if (workerGroup === undefined || postmaster === undefined) console.log(`  note: CPU accounting incomplete (worker group ${workerGroup}, postmaster ${postmaster})`);

  // ---- preparation: one organizer, one event, one tier (not measured)
  const agent = keepAliveAgent(4);
  onCleanup(async () => agent.destroy());
  const api = async (method: string, path: string, body?: unknown, token?: string) => {
    const response = await requestJson(agent, method, `${base}${path}`, body, token ? { Authorization: `Bearer ${token}` } : {});
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const organizer = await api("POST", "/api/v1/organizers", { name: "Live Bench", email: `live-bench-${Date.now()}@bench.test`, password: "live bench live bench" });
  const apiKey: string = organizer.api_key;
  const bursts = WARMUP + LONE_SALES + PURCHASES * (BASELINE_AGAIN ? 3 : 2);
  const startsAt = Date.now() + 30 * 86_400_000;
  const created = await api(
    "POST",
    "/api/v1/events",
    {
      title: "Bench: live dashboard",
      category: "bench",
      venue: { name: "Bench Hall", city: "Benchville live" },
      starts_at: new Date(startsAt).toISOString(),
      ends_at: new Date(startsAt + 3 * 3_600_000).toISOString(),
      timezone: "UTC",
      currency: "EUR",
      hold_minutes: 60,
      tiers: [{ name: "GA", price: 1500, capacity: Math.max(5_000, bursts + 500), max_per_order: 1 }],
      purchase_limits: { max_held_per_buyer: 10, max_held_per_ip: 100_000 },
    },
    apiKey,
  );
  const eventId: string = created.event_id;
  const tierId: string = created.tiers[0].tier_id;
  await api("POST", `/api/v1/events/${eventId}/publish`, undefined, apiKey);
  const soldNow = async () => sum(((await api("GET", `/api/v1/events/${eventId}/stats`, undefined, apiKey)).tiers as { sold: number }[]).map((t) => t.sold));

  const flushWebhooks = async () => {
    const t0 = performance.now();
    await requestJson(agent, "POST", `${stack.urls.stripe}/_emulator/webhooks/flush`, undefined, {}, Math.max(600, MAX_SECONDS * 3) * 1000).catch((error) =>
      console.log(`  (webhook flush: ${String(error)})`),
    );
    return (performance.now() - t0) / 1000;
  };
  const burst = (tag: string, count: number): Extract<LiveJob, { kind: "purchases" }> => ({ kind: "purchases", base, eventId, tierId, tag, count, concurrency: CONCURRENCY, maxSeconds: MAX_SECONDS });

  if (WARMUP > 0) {
    const warm: PurchaseResult = await buyers.run(burst("warm", WARMUP));
    await flushWebhooks();
    console.log(`\nwarm-up: ${warm.done} purchases (not measured)${Object.keys(warm.errors).length ? `, errors: ${counted(warm.errors)}` : ""}`);
    if (warm.done === 0) throw new Error("no purchase succeeded during warm-up");
  }

  /** One burst with CPU and load average taken around it (burst + webhook tail + the last push). */
  const measured = async (name: string, tag: string): Promise<Phase> => {
    const loadBefore = os.loadavg()[0]!;
    const startedAt = Date.now();
    const before = snapshot(classify);
    const result: PurchaseResult = await buyers.run(burst(tag, PURCHASES));
    const webhookTailSeconds = await flushWebhooks();
    await sleep(SETTLE_MS);
    const cpu = cpuBetween(before, snapshot(classify), GROUP_NAMES);
    const phase: Phase = { name, result, cpu, loadavg: [loadBefore, os.loadavg()[0]!], window: [startedAt, Date.now()], webhookTailSeconds };
    phases.push(phase);
    const errors = sum(Object.values(result.errors));
    console.log(
      `  ${name.padEnd(34)} ${String(result.done).padStart(5)} ok  ${fmt(perSecond(result)).padStart(6)}/s  purchase p50/95/99 ${triple(result.latencies.purchase)} ms  ` +
        `webhook tail ${fmt(webhookTailSeconds)} s  load ${fmt(loadBefore, 2)}→${fmt(phase.loadavg[1], 2)}` +
        (result.timedOut ? "  [hit BENCH_LIVE_MAX_SECONDS]" : ""),
    );
    console.log(`      HTTP statuses: ${counted(result.statuses)}`);
    if (errors > 0) {
      const fivexx = Object.entries(result.statuses).filter(([s]) => / 5\d\d$/.test(s)).reduce((n, [, v]) => n + v, 0);
      console.log(`  !!! ${errors} FAILED PURCHASES in "${name}"${fivexx ? ` (${fivexx} × 5xx)` : ""}: ${counted(result.errors)}`);
    }
    return phase;
  };

  // ---- A: no dashboard open
  console.log(`\nphases: ${CONCURRENCY} concurrent buyers, ${PURCHASES} purchases each`);
  const phaseA = await measured("A: no dashboard open", "a");

  // ---- opening the dashboards (not measured)
  const wsUrl = `${base.replace(/^http/, "ws")}/api/v1/events/${eventId}/live`;
  const opening: OpenResult = await screens.run({ kind: "open", url: wsUrl, apiKey, count: SOCKETS, concurrency: OPEN_CONCURRENCY, maxSeconds: 3 * MAX_SECONDS });
  console.log(
    `  opened ${opening.opened}/${SOCKETS} dashboards in ${fmt(opening.elapsedMs / 1000)} s (${OPEN_CONCURRENCY} at a time; upgrade → first snapshot p50/95/99 ${triple(opening.firstSnapshotMs)} ms; ` +
      `extensions: ${counted(opening.extensions)})` + (opening.timedOut ? "  [hit 3 × BENCH_LIVE_MAX_SECONDS]" : ""),
  );
  if (Object.keys(opening.failed).length) console.log(`  !!! failed to open: ${counted(opening.failed)}`);
  if (opening.opened === 0) throw new Error("no dashboard could be opened");
  await sleep(SETTLE_MS);
  const soldBeforeB = await soldNow();
  await screens.run({ kind: "mark" });

  // ---- B: the same burst with the dashboards open
  const phaseB = await measured(`B: ${opening.opened} dashboards open`, "b");
  const received: CollectResult = await screens.run({ kind: "collect" });
  const soldAfterB = await soldNow();

  // ---- B2: lone sales, one at a time with the dashboards still open (not CPU-measured)
  let lone: { result: PurchaseResult; received: CollectResult; soldBefore: number } | undefined;
  if (LONE_SALES > 0) {
    await screens.run({ kind: "mark" });
    const soldBefore = await soldNow();
    const result: PurchaseResult = await buyers.run({ ...burst("lone", LONE_SALES), concurrency: 1, gapMs: LONE_GAP_MS });
    await sleep(SETTLE_MS);
    lone = { result, received: await screens.run({ kind: "collect" }), soldBefore };
    console.log(`  B2: ${result.done} lone sales, one every ~${fmt(LONE_GAP_MS / 1000)} s after the last answer, dashboards open (not CPU-measured)${Object.keys(result.errors).length ? `, errors: ${counted(result.errors)}` : ""}`);
  }
  await screens.run({ kind: "close" });

  // ---- A′: again without, for drift
  let phaseA2: Phase | undefined;
  if (BASELINE_AGAIN) {
    await sleep(SETTLE_MS);
    phaseA2 = await measured("A′: no dashboard open (again)", "a2");
  }

  // ---- report
  console.log(`\n=== register + pay, ${CONCURRENCY} concurrent buyers, ${PURCHASES} purchases per phase ===`);
  console.log(
    table(
      ["phase", "ok", "failed", "purchases/s", "register p50/95/99", "pay p50/95/99", "purchase p50/95/99 ms", "max ms", "load 1-min"],
      phases.map((p) => [
        p.name,
        String(p.result.done),
        String(sum(Object.values(p.result.errors))),
        fmt(perSecond(p.result)),
        triple(p.result.latencies.register),
        triple(p.result.latencies.pay),
        triple(p.result.latencies.purchase),
        fmt(percentile(p.result.latencies.purchase, 100), 0),
        `${fmt(p.loadavg[0], 2)}→${fmt(p.loadavg[1], 2)}`,
      ]),
    ),
  );
  const ratio = perSecond(phaseB.result) / perSecond(phaseA.result);
  console.log(
    `throughput B/A ×${fmt(ratio, 2)}` +
      (phaseA2 ? `; B/A′ ×${fmt(perSecond(phaseB.result) / perSecond(phaseA2.result), 2)}; A′/A ×${fmt(perSecond(phaseA2.result) / perSecond(phaseA.result), 2)} (drift with no dashboard)` : "") +
      `; purchase p50 B/A ×${fmt(percentile(phaseB.result.latencies.purchase, 50) / percentile(phaseA.result.latencies.purchase, 50), 2)}, p95 ×${fmt(percentile(phaseB.result.latencies.purchase, 95) / percentile(phaseA.result.latencies.purchase, 95), 2)}`,
  );

  reportSockets(received, phaseB.result, soldBeforeB, soldAfterB, opening.opened);
  if (lone) {
    console.log(`\n=== B2: ${lone.result.done} lone sales with the ${opening.opened} dashboards open (one buyer, ~${fmt(LONE_GAP_MS / 1000)} s apart) ===`);
    const d = saleDelays(lone.received, lone.result, lone.soldBefore);
    console.log(
      `delivery delay, pay returned → message showing it (${d.delays.length} pairs): p50 ${fmt(percentile(d.delays, 50), 0)} ms, p95 ${fmt(percentile(d.delays, 95), 0)} ms, ` +
        `p99 ${fmt(percentile(d.delays, 99), 0)} ms, max ${fmt(percentile(d.delays, 100), 0)} ms; before the pay returned: ${d.early}; never delivered: ${d.undelivered}; ` +
        `to the last socket per sale p50/p95 ${fmt(percentile(d.worst, 50), 0)}/${fmt(percentile(d.worst, 95), 0)} ms; pay p50 ${fmt(percentile(lone.result.latencies.pay, 50), 0)} ms`,
    );
  }

  console.log(`\n=== CPU per purchase (ms of CPU per successful purchase, from /proc; window = burst + webhook tail + ${SETTLE_MS / 1000} s) ===`);
  const columns = [...GROUP_NAMES, "other"];
  const perPurchase = (p: Phase, group: string) => ((p.cpu.seconds.get(group) ?? 0) * 1000) / Math.max(1, p.result.done);
  const serverTotal = (p: Phase) => sum(SERVER_GROUPS.map((g) => perPurchase(p, g)));
  const benchTotal = (p: Phase) => sum(GROUP_NAMES.map((g) => perPurchase(p, g)));
  console.log(
    table(
      ["phase", "ok", "wall s", "busy cores", ...columns.map((c) => SHORT[c]!), "server", "bench total"],
      phases.map((p) => [
        p.name,
        String(p.result.done),
        fmt(p.cpu.wallSeconds),
        fmt(p.cpu.machineBusyCores, 2),
        ...columns.map((c) => fmt(perPurchase(p, c))),
        fmt(serverTotal(p)),
        fmt(benchTotal(p)),
      ]),
    ),
  );
  console.log(`(server = workerd + wrangler + postgres + proxy/stripe; bench total adds the buyers and the dashboards; other = processes outside the bench; busy cores = whole machine, of ${os.availableParallelism()})`);
  const diff = (base: Phase) => [
    ...columns.map((c) => fmt(perPurchase(phaseB, c) - perPurchase(base, c))),
    fmt(serverTotal(phaseB) - serverTotal(base)),
    fmt(benchTotal(phaseB) - benchTotal(base)),
  ];
  console.log("\nextra CPU per purchase the pushes cost (ms):");
  console.log(
    table(
      ["difference", ...columns.map((c) => SHORT[c]!), "server", "bench total"],
      [["B − A", ...diff(phaseA)], ...(phaseA2 ? [["B − A′", ...diff(phaseA2)], ["B − mean(A, A′)", ...columns.map((c) => fmt(perPurchase(phaseB, c) - (perPurchase(phaseA, c) + perPurchase(phaseA2, c)) / 2)), fmt(serverTotal(phaseB) - (serverTotal(phaseA) + serverTotal(phaseA2)) / 2), fmt(benchTotal(phaseB) - (benchTotal(phaseA) + benchTotal(phaseA2)) / 2)]] : [])],
    ),
  );
  console.log("CPU as share of one core during each phase:");
  console.log(table(["phase", ...columns.map((c) => SHORT[c]!)], phases.map((p) => [p.name, ...columns.map((c) => `${fmt((100 * (p.cpu.seconds.get(c) ?? 0)) / p.cpu.wallSeconds, 0)}%`)])));

  const finalSold = await soldNow();
  const bought = sum(phases.map((p) => p.result.done));
  console.log(`\nledger: stats Σ sold ${finalSold} (purchases answered confirmed in the measured phases: ${bought}, plus the warm-up's)`);
  console.log(`worker output lines (warn level and above): ${workerLines.length}`);
  console.log(`load average now ${os.loadavg().map((l) => fmt(l, 2)).join(" ")} (1/5/15 min); total bench time ${fmt((performance.now() - started) / 1000)} s; stopping everything…`);
}

/**
 * For the k-th pay to return (wall clock), Σ sold had reached at least soldBefore + k by then: on each
 * socket, the first message showing that many; delay = its receipt − that pay's return.
 */
function saleDelays(received: CollectResult, burst: PurchaseResult, soldBefore: number) {
  const paidAt = [...burst.paidAt].sort((a, b) => a - b);
  const delays: number[] = [];
  const worstPerPurchase: number[] = new Array(paidAt.length).fill(-Infinity);
  let undelivered = 0;
  for (const socket of received.sockets) {
    const reached: number[] = [];
    let high = -Infinity;
    for (const [, , sold] of socket.messages) reached.push((high = Math.max(high, sold)));
    paidAt.forEach((paid, k) => {
      const target = soldBefore + k + 1;
      let lo = 0;
      let hi = reached.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (reached[mid]! >= target) hi = mid;
        else lo = mid + 1;
      }
      if (lo === reached.length) return void undelivered++;
      const delay = socket.messages[lo]![0] - paid;
      delays.push(delay);
      worstPerPurchase[k] = Math.max(worstPerPurchase[k]!, delay);
    });
  }
  return { delays, early: delays.filter((d) => d < 0).length, undelivered, worst: worstPerPurchase.filter(Number.isFinite) };
}

/** Messages per socket, delivery delay from sale to message, seq order, drops. */
function reportSockets(received: CollectResult, burst: PurchaseResult, soldBefore: number, soldAfter: number, opened: number): void {
  const sockets = received.sockets;
  const windowMs = burst.endedAt - burst.startedAt;
  const rates = sockets.map((s) => s.messages.filter(([at]) => at >= burst.startedAt && at <= burst.endedAt).length / (windowMs / 1000));
  const totals = sockets.map((s) => s.messages.length);
  const dropped = sockets.filter((s) => s.drops.length > 0);
  const whyDropped: Record<string, number> = {};
  for (const s of dropped) for (const why of s.drops) whyDropped[why] = (whyDropped[why] ?? 0) + 1;
  const notIncreasing = sockets.filter((s) => !s.seqIncreasing).length;
  // Every push goes to every socket with the same seq: a seq some socket saw and another did not is a missed push.
  const allSeqs = new Set(sockets.flatMap((s) => s.messages.map(([, seq]) => seq)));
  const missing = sockets.map((s) => allSeqs.size - new Set(s.messages.map(([, seq]) => seq)).size);
  const withGaps = missing.filter((m) => m > 0).length;
  const fanOut = sockets.flatMap((s) => s.messages.filter(([, , , built]) => Number.isFinite(built)).map(([at, , , built]) => at - built));

  console.log(`\n=== the ${opened} dashboards during B (burst ${fmt(windowMs / 1000)} s) ===`);
  console.log(
    `messages per second per socket during the burst: mean ${fmt(sum(rates) / Math.max(1, rates.length), 2)}, max ${fmt(Math.max(...rates), 2)}, min ${fmt(Math.min(...rates), 2)}; ` +
      `messages per socket from the mark to the end of the phase: mean ${fmt(sum(totals) / Math.max(1, totals.length))}, max ${Math.max(...totals)}, min ${Math.min(...totals)} (${allSeqs.size} distinct seq in all)`,
  );
  console.log(
    `seq increasing on every message: ${sockets.length - notIncreasing}/${sockets.length} sockets${notIncreasing ? `  !!! ${notIncreasing} NOT increasing` : ""}; ` +
      `sockets missing a push another socket got: ${withGaps}${withGaps ? ` (max ${Math.max(...missing)} missed)` : ""}; ` +
      `sockets dropped (and reconnected): ${dropped.length}${dropped.length ? `  !!! ${counted(whyDropped)}; reconnects ${sum(sockets.map((s) => s.reconnects))}` : ""}; ` +
      `non-stats messages ${sum(sockets.map((s) => s.otherTypes))}, unparsable ${sum(sockets.map((s) => s.unparsable))}`,
  );
  const d = saleDelays(received, burst, soldBefore);
  console.log(
    `delivery delay, pay returned → message showing it (${d.delays.length} purchase×socket pairs): p50 ${fmt(percentile(d.delays, 50), 0)} ms, p95 ${fmt(percentile(d.delays, 95), 0)} ms, ` +
      `p99 ${fmt(percentile(d.delays, 99), 0)} ms, max ${fmt(percentile(d.delays, 100), 0)} ms, min ${fmt(d.delays.reduce((a, b) => Math.min(a, b), Infinity), 0)} ms; ${d.early} (${fmt((100 * d.early) / Math.max(1, d.delays.length))} %) arrived before that pay returned; ` +
      `never delivered: ${d.undelivered}`,
  );
  console.log(`  per purchase, to the LAST socket to show it: p50 ${fmt(percentile(d.worst, 50), 0)} ms, p95 ${fmt(percentile(d.worst, 95), 0)} ms, p99 ${fmt(percentile(d.worst, 99), 0)} ms`);
  console.log(
    `  (the sale is made in TierInventory early in pay — or by the Stripe webhook's finalize, which can run first — and pay returns only after the tickets, the confirmation ` +
      `transaction and the outbox: under this load the dashboard can show a sale before the buyer's answer comes back)`,
  );
  console.log(
    `fan-out, message built (its \`at\`, workerd's clock) → received (${fanOut.length} messages): p50 ${fmt(percentile(fanOut, 50), 0)} ms, p95 ${fmt(percentile(fanOut, 95), 0)} ms, ` +
      `p99 ${fmt(percentile(fanOut, 99), 0)} ms, max ${fmt(percentile(fanOut, 100), 0)} ms`,
  );
  const lastShown = Math.max(0, ...sockets.map((s) => s.messages.at(-1)?.[2] ?? 0));
  console.log(`Σ sold: ${soldBefore} before B, ${soldAfter} after (stats), ${soldBefore + burst.done} expected from the answers; highest shown on a socket ${lastShown}`);
}

/** What wrangler's own log says about the measured phases: reloads by anyone in this checkout. */
function analyzeWranglerLogs(): void {
  const files = readWranglerLogs(WRANGLER_LOGS);
  if (files.length === 0 || phases.length === 0) return;
  const events = new Map<string, Set<string>>();
  for (const { entries } of files) {
    for (const { at, body } of entries) {
      const phase = phases.find((p) => at >= p.window[0] && at <= p.window[1]);
      if (!phase || !isFileWatchEvent(body)) continue;
      const seen = events.get(phase.name) ?? events.set(phase.name, new Set()).get(phase.name)!;
      seen.add(body.split("\n")[0]!.slice(0, 90));
    }
  }
  console.log(`\nwrangler file-watch events (rebuild/reload/asset changes, by anyone) inside measured phases: ${events.size === 0 ? "none" : ""}`);
  for (const [phase, seen] of events) console.log(`  ${phase}: ${seen.size}: ${[...seen].slice(0, 4).join(" | ")}`);
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
  analyzeWranglerLogs();
} catch (error) {
  console.log(`(could not read wrangler's logs: ${String(error)})`);
}
removeWranglerLogs(WRANGLER_LOGS);
process.exit(exitCode);
