/**
 * What `npm run bench` (bench/run.ts) prints once its phases are done: throughput and latency per
 * design, the Worker's I/O per step, the claim alone against the no-op ceiling, CPU per process group,
 * Postgres' lock waits, the ledger, the headline figures for bench/servers.ts, and what wrangler's own
 * log says of each phase (subrequests, file-watch events). The phases and the process groups their CPU
 * is counted in are defined here too, since both the run and its report speak of them.
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import type { CpuUse } from "./cpu";
import { postgresRoundTrips, printCosts, type StepCosts } from "./costs";
import { isFileWatchEvent, readWranglerLogs } from "./harness";
import type { JobResult } from "./load";
import type { LedgerRow } from "./ledger";
import type { ServerSummary } from "./servers";
import { fmt, percentile, table, triple } from "./stats";

type WranglerLogs = Parameters<typeof readWranglerLogs>[0];

/** The run's settings the report names in its headings and summary. */
export interface ReportSettings {
  concurrency: number;
  purchases: number;
  rounds: number;
  server: ServerSummary["server"];
  /** Where a child run of BENCH_SERVER=both writes its headline figures (bench/servers.ts). */
  summaryFile?: string;
}

export const GROUPS = {
  load: "load generator (node)",
  node: "stand-ins (node: Neon proxy + Stripe emulator + mail)",
  mainWorkerd: "real design: workerd (Worker + Durable Objects)",
  mainWrangler: "real design: wrangler's node processes (dev server, inspector proxy, esbuild)",
  classicWorkerd: "classic design: workerd",
  classicWrangler: "classic design: wrangler's node processes",
  postgres: "postgres",
} as const;
export const GROUP_NAMES = Object.values(GROUPS);
export const SHORT: Record<string, string> = {
  [GROUPS.load]: "loadgen",
  [GROUPS.node]: "proxy+stripe",
  [GROUPS.mainWorkerd]: "real:workerd",
  [GROUPS.mainWrangler]: "real:wrangler",
  [GROUPS.classicWorkerd]: "cls:workerd",
  [GROUPS.classicWrangler]: "cls:wrangler",
  [GROUPS.postgres]: "postgres",
  other: "other",
};

export interface Phase {
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
export interface PostgresSample {
  samples: number;
  backends: number;
  active: number;
  lockWaiters: number;
  /** Of those, waiting to UPDATE ticket_tiers: the tier's row is the hot spot. */
  tierRowWaiters: number;
  idleInTransaction: number;
  maxLockWaiters: number;
}

export const opsPerSecond = (r: JobResult) => (r.done / r.elapsedMs) * 1000;

function pooled(selected: Phase[], unit: string) {
  const done = selected.reduce((n, p) => n + p.result.done, 0);
  const elapsed = selected.reduce((n, p) => n + p.result.elapsedMs, 0);
  const errors = selected.reduce((n, p) => n + Object.values(p.result.errors).reduce((a, b) => a + b, 0), 0);
  const series = (name: string) => selected.flatMap((p) => p.result.latencies[name] ?? []);
  return { done, errors, perSecond: (done / elapsed) * 1000, rounds: selected.map((p) => opsPerSecond(p.result)), series, unit };
}

export function report(phases: Phase[], settings: ReportSettings, { rows: ledger, strayRefunds }: { rows: LedgerRow[]; strayRefunds: number }, inventory: any): void {
  const { concurrency: CONCURRENCY, purchases: PURCHASES, rounds: ROUNDS } = settings;
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
  if (settings.summaryFile) writeSummary(phases, settings.server, settings.summaryFile, { real, classic, realReg, noop });
}

/** The headline figures, for bench/servers.ts to put beside the other server's. */
function writeSummary(phases: Phase[], server: ServerSummary["server"], file: string, r: Record<"real" | "classic" | "realReg" | "noop", ReturnType<typeof pooled>>): void {
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
    server,
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
export function analyzeWranglerLogs(phases: Phase[], logs: WranglerLogs, ports: { proxy: string; stripe: string; mail: string }): void {
  const files = readWranglerLogs(logs);
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
