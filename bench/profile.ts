/**
 * `npm run bench:profile` — where one purchase's Worker CPU goes (issue #13, item 1).
 *
 * Starts the local platform with the Worker under `wrangler dev`, warms up, then runs
 * PROFILE_PURCHASES register+pay purchases at PROFILE_CONCURRENCY buyers with the V8 sampling
 * profiler of workerd attached (through wrangler's inspector port), waits until the Stripe emulator
 * has delivered every webhook and the mail queue is idle, and prints:
 *  - the I/O per purchase by step, counted by the Worker itself (workers/cost-meter.ts, development
 *    only): Postgres HTTP round trips, statements, interactive transactions, Durable Object calls,
 *    Stripe calls, Queue sends, and each step's wall time;
 *  - workerd's CPU per purchase (from /proc; the profiler's own overhead included, so the main
 *    bench's figure is the one to quote);
 *  - the profile's top functions by self time, and by inclusive time for the project's own files.
 * The raw profile is written to PROFILE_OUT (default /tmp/admit-one-purchase.cpuprofile); open it
 * in Chrome DevTools for the flame chart.
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import WebSocket from "ws";
import { freePort } from "../dev/ports";
import { startStack } from "../dev/stack";
import { cpuBetween, snapshot, wranglerGroup } from "./cpu";
import { checkpoint, cleanup, handleSignals, isInterrupted, onCleanup, printMachine, setting, startLoadGenerator } from "./harness";
import { keepAliveAgent, requestJson } from "./http";
import type { Job, JobResult } from "./load";
import { costsBetween, printCosts, readCosts } from "./costs";
import { fmt, table, triple } from "./stats";
import { summarizeProfile, type CpuProfile } from "./profile-summary";
import { STRIPE_EVENTS_ACTED_ON } from "../workers/domain/stripe-event-policy";

const PURCHASES = setting("PROFILE_PURCHASES", 600);
const CONCURRENCY = Math.max(1, setting("PROFILE_CONCURRENCY", 32));
const WARMUP = setting("PROFILE_WARMUP", 100);
const SAMPLING_US = Math.max(50, setting("PROFILE_SAMPLING_US", 200));
const OUT = process.env.PROFILE_OUT ?? "/tmp/admit-one-purchase.cpuprofile";
const PROFILE = setting("PROFILE_CPU", 1) > 0;
/** PROFILE_PAY=0 profiles register alone (no pay, no webhooks, no mail): the claim path's own CPU. */
const PAY = setting("PROFILE_PAY", 1) > 0;

handleSignals();

/** A minimal Chrome DevTools Protocol session over the inspector's WebSocket. */
async function devtools(inspectorPort: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as { webSocketDebuggerUrl: string; title?: string }[];
  const target = targets.find((t) => !/InspectorProxy|ProxyWorker/i.test(t.title ?? "")) ?? targets[0];
  if (!target) throw new Error(`no inspector target on port ${inspectorPort}`);
  const socket = new WebSocket(target.webSocketDebuggerUrl, { maxPayload: 2 ** 30 });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (r: any) => void; reject: (e: Error) => void }>();
  socket.on("message", (data) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id === undefined) return;
    const w = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.error) w?.reject(new Error(message.error.message));
    else w?.resolve(message.result);
  });
  onCleanup(async () => socket.close());
  return {
    title: target.title,
    send<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        socket.send(JSON.stringify({ id, method, params }));
      });
    },
  };
}

async function main(): Promise<void> {
  printMachine("Admit One purchase profile", `PROFILE_PURCHASES=${PURCHASES} PROFILE_CONCURRENCY=${CONCURRENCY} PROFILE_WARMUP=${WARMUP} PROFILE_SAMPLING_US=${SAMPLING_US} PROFILE_PAY=${PAY ? 1 : 0}`);
  const inspectorPort = await freePort();
  const stack = await startStack({ worker: true, databaseName: `profile_${Date.now()}`, ports: { inspector: inspectorPort }, log: (line) => {
    if (line.startsWith("[worker]") || process.env.PROFILE_VERBOSE) console.log(`  ${line}`);
  } });
  onCleanup(() => stack.stop());
  checkpoint();
  const base = stack.urls.worker!;
  const load = await startLoadGenerator<Job, JobResult>(new URL("./load.ts", import.meta.url));
  const agent = keepAliveAgent(4);
  onCleanup(async () => agent.destroy());
  const api = async (method: string, path: string, body?: unknown, token?: string) => {
    const response = await requestJson(agent, method, `${base}${path}`, body, token ? { Authorization: `Bearer ${token}` } : {});
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const organizer = await api("POST", "/api/v1/organizers", { name: "Profile", email: `profile-${Date.now()}@bench.test`, password: "bench bench bench bench" });
  const startsAt = Date.now() + 30 * 86_400_000;
  const created = await api(
    "POST",
    "/api/v1/events",
    {
      title: "Profile",
      category: "bench",
      venue: { name: "Bench Hall", city: "Benchville" },
      starts_at: new Date(startsAt).toISOString(),
      ends_at: new Date(startsAt + 3_600_000).toISOString(),
      timezone: "UTC",
      currency: "EUR",
      hold_minutes: 60,
      tiers: [{ name: "GA", price: 1500, capacity: 1_000_000, max_per_order: 10 }],
    },
    organizer.api_key,
  );
  await api("POST", `/api/v1/events/${created.event_id}/publish`, undefined, organizer.api_key);
  const job = (count: number, tag: string): Job => ({
    kind: "purchases", base, eventId: created.event_id, tierId: created.tiers[0].tier_id, tag, pay: PAY, count, concurrency: CONCURRENCY, maxSeconds: 600,
  });
  const flush = () => requestJson(agent, "POST", `${stack.urls.stripe}/_emulator/webhooks/flush`, undefined, {}, 600_000);
  // Subscribed to the types the Worker acts on, as the bench's and production's endpoints are
  // (Stripe's enabled_events): otherwise two of a purchase's three webhooks are only verified.
  const subscribed = await requestJson(agent, "PUT", `${stack.urls.stripe}/_emulator/webhook_endpoint`, { url: `${base}/api/v1/stripe/webhook`, enabled_events: [...STRIPE_EVENTS_ACTED_ON] });
  if (subscribed.status >= 300) throw new Error(`the emulator refused the webhook endpoint: ${subscribed.status} ${JSON.stringify(subscribed.body)}`);

  console.log(`warm-up: ${WARMUP} purchases`);
  await load.run(job(WARMUP, "warm"));
  await flush();
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // the mail queue's last batch

  const tools = PROFILE ? await devtools(inspectorPort) : undefined;
  if (tools) {
    console.log(`profiling inspector target "${tools.title}" every ${SAMPLING_US} µs`);
    await tools.send("Profiler.enable");
    await tools.send("Profiler.setSamplingInterval", { interval: SAMPLING_US });
    await tools.send("Profiler.start");
  }
  const group = wranglerGroup(Number(new URL(base).port));
  const classify = (p: { pgrp: number; comm: string }) => (p.pgrp === group ? (p.comm === "workerd" ? "workerd" : "wrangler") : undefined);
  const loadavg = os.loadavg();
  const costsBefore = await readCosts(base);
  const cpuBefore = snapshot(classify);
  const result = await load.run(job(PURCHASES, "profile"));
  await flush();
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const cpu = cpuBetween(cpuBefore, snapshot(classify), ["workerd", "wrangler"]);
  const costs = costsBetween(costsBefore, await readCosts(base));
  const profile = tools ? (await tools.send<{ profile: CpuProfile }>("Profiler.stop")).profile : undefined;

  console.log(`\n${result.done} purchases, ${Object.values(result.errors).reduce((a, b) => a + b, 0)} errors, load average ${loadavg.map((l) => fmt(l, 2)).join(" ")} at start, ${fmt(os.loadavg()[0]!, 2)} at end`);
  const errors = Object.entries(result.errors);
  if (errors.length) console.log(`errors: ${errors.map(([k, v]) => `${v}× ${k}`).join(", ")}`);
  console.log(`register p50/95/99 ${triple(result.latencies.register ?? [])} ms; pay ${triple(result.latencies.pay ?? [])} ms; purchase ${triple(result.latencies.purchase ?? [])} ms`);
  const ops = Math.max(1, result.done);
  console.log(
    `CPU per purchase (with the profiler attached): workerd ${fmt(((cpu.seconds.get("workerd") ?? 0) * 1000) / ops)} ms, wrangler's node ${fmt(((cpu.seconds.get("wrangler") ?? 0) * 1000) / ops)} ms`,
  );
  printCosts(costs, ops);
  if (profile) {
    writeFileSync(OUT, JSON.stringify(profile));
    console.log(`\nprofile written to ${OUT}`);
    const summary = summarizeProfile(profile);
    console.log(`\n=== top 25 by self time (share of all samples; idle and GC listed as such) ===`);
    console.log(table(["function", "where", "self %", "self ms/purchase"], summary.self.slice(0, 25).map((r) => [r.name, r.where, fmt(r.share * 100), fmt(r.ms / ops, 2)])));
    console.log(`\n=== the project's own functions by inclusive time (top 25) ===`);
    console.log(table(["function", "where", "total %", "total ms/purchase"], summary.ownInclusive.slice(0, 25).map((r) => [r.name, r.where, fmt(r.share * 100), fmt(r.ms / ops, 2)])));
    console.log(`\n=== self time by package / folder ===`);
    console.log(table(["package or folder", "self %", "ms/purchase"], summary.byPackage.slice(0, 20).map((r) => [r.name, fmt(r.share * 100), fmt(r.ms / ops, 2)])));
  }
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = isInterrupted() ? 130 : 1;
  console.error(`profile failed: ${String((error as Error)?.stack ?? error)}`);
} finally {
  await cleanup();
}
process.exit(exitCode);
