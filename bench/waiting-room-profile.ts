/**
 * `npx tsx bench/waiting-room-profile.ts` — where a waiting-room join's Worker CPU goes: the local
 * platform under `wrangler dev`, an event whose room is open (so joins are answered at the edge),
 * a warm-up, then WRP_JOINS joins at WRP_CONCURRENCY with workerd's V8 sampling profiler attached;
 * prints the top functions by self time and the project's own functions by inclusive time (mapped
 * through wrangler's source map, bench/profile-summary.ts). WRP_PRE=1 profiles pre-queue joins
 * (through the join shards) instead. The raw profile goes to /tmp/admit-one-waiting-room.cpuprofile.
 * WRP_PERF=1 measures with Linux `perf stat` on wrangler's workerd processes instead of the V8
 * profiler: instructions, CPU time, fsync/fdatasync calls and context switches per join. Unlike
 * joins/s or CPU ms, instructions and syscalls per join hardly move with the rest of the machine's
 * load, so two versions can be compared on a busy machine (needs `perf` and root or
 * perf_event_paranoid <= 1 for the syscall tracepoints).
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import WebSocket from "ws";
import { freePort } from "../dev/ports";
import { allPids, readStat, wranglerGroup } from "./cpu";
import { startStack } from "../dev/stack";
import { keepAliveAgent, requestJson } from "./http";
import { summarizeProfile, type CpuProfile } from "./profile-summary";
import { fmt, table } from "./stats";

const JOINS = Number(process.env.WRP_JOINS ?? 3000);
const CONCURRENCY = Number(process.env.WRP_CONCURRENCY ?? 96);
const PRE = process.env.WRP_PRE === "1";
const PERF = process.env.WRP_PERF === "1";

const PERF_EVENTS = ["instructions", "task-clock", "context-switches", "syscalls:sys_enter_fsync", "syscalls:sys_enter_fdatasync", "syscalls:sys_enter_pwrite64"];

/** `perf stat` on the given processes until stopped; the counts by event. */
function perfStat(pids: number[]): { stop(): Promise<Map<string, number>> } {
  const child = spawn("perf", ["stat", "-x", ",", "-e", PERF_EVENTS.join(","), "-p", pids.join(",")], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += String(d)));
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => {
          const counts = new Map<string, number>();
          for (const line of err.split("\n")) {
            const [value, , event] = line.split(",");
            if (event && value && !Number.isNaN(Number(value))) counts.set(event, Number(value));
          }
          resolve(counts);
        });
        child.kill("SIGINT");
      }),
  };
}
const OUT = "/tmp/admit-one-waiting-room.cpuprofile";

async function devtools(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string; title?: string }[];
  const target = targets.find((t) => !/InspectorProxy|ProxyWorker/i.test(t.title ?? "")) ?? targets[0]!;
  const socket = new WebSocket(target.webSocketDebuggerUrl, { maxPayload: 2 ** 30 });
  await new Promise<void>((resolve, reject) => (socket.once("open", () => resolve()), socket.once("error", reject)));
  let nextId = 1;
  const waiting = new Map<number, (r: any) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  return {
    close: () => socket.close(),
    send<T = any>(method: string, params: Record<string, unknown> = {}): Promise<T> {
      const id = nextId++;
      return new Promise((resolve) => (waiting.set(id, resolve), socket.send(JSON.stringify({ id, method, params }))));
    },
  };
}

const inspector = await freePort();
const stack = await startStack({ worker: true, databaseName: `wr_profile_${Date.now()}`, ports: { inspector } });
const agent = keepAliveAgent(CONCURRENCY);
try {
  const base = stack.urls.worker!;
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => requestJson(agent, method, `${base}${path}`, body, headers, 60_000);
  const organizer = await call("POST", "/api/v1/organizers", { name: "P", email: `p-${Date.now()}@bench.test`, password: "bench bench bench bench" });
  const auth = { Authorization: `Bearer ${organizer.body.api_key}` };
  const startsAt = Date.now() + 30 * 86_400_000;
  const opensAt = PRE ? Date.now() + 3_600_000 : Date.now() - 60_000;
  const created = await call("POST", "/api/v1/events", {
    title: "Profile", category: "concert", venue: { name: "Arena", city: "Lisbon" }, starts_at: new Date(startsAt).toISOString(),
    ends_at: new Date(startsAt + 3_600_000).toISOString(), timezone: "UTC", currency: "EUR", sales_start_at: new Date(opensAt).toISOString(),
    waiting_room: { enabled: true, opens_minutes_before: 120, admit_per_minute: 3000, max_active_shoppers: 100_000, session_minutes: 10 },
    tiers: [{ name: "GA", price: 5000, capacity: 200_000 }],
  }, auth);
  await call("POST", `/api/v1/events/${created.body.event_id}/publish`, undefined, auth);
  let n = 0;
  const burst = async (count: number) => {
    const end = n + count;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (n < end) {
        const i = n++;
        await call("POST", `/api/v1/events/${created.body.event_id}/queue`, {}, { "CF-Connecting-IP": `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` });
      }
    }));
  };
  await burst(300);
  if (PERF) {
    const group = wranglerGroup(Number(new URL(base).port));
    const workerd = allPids().filter((pid) => { const st = readStat(pid); return st?.pgrp === group && st?.comm === "workerd"; });
    const perf = perfStat(workerd);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = performance.now();
    await burst(JOINS);
    const seconds = (performance.now() - started) / 1000;
    const counts = await perf.stop();
    console.log(`${JOINS} ${PRE ? "pre-queue" : "edge"} joins in ${fmt(seconds)} s (${fmt(JOINS / seconds, 0)}/s), load average ${os.loadavg().map((l) => fmt(l, 1)).join(" ")}; workerd processes ${workerd.join(", ")}`);
    const per = (event: string, scale = 1) => (counts.has(event) ? fmt((counts.get(event)! * scale) / JOINS, 3) : "–");
    console.log(table(["workerd, per join", "value"], [
      ["instructions (millions)", per("instructions", 1e-6)],
      ["CPU ms (task-clock)", per("task-clock")],
      ["context switches", per("context-switches")],
      ["fsync + fdatasync", counts.has("syscalls:sys_enter_fsync") ? fmt(((counts.get("syscalls:sys_enter_fsync") ?? 0) + (counts.get("syscalls:sys_enter_fdatasync") ?? 0)) / JOINS, 3) : "–"],
      ["pwrite64", per("syscalls:sys_enter_pwrite64")],
    ]));
    process.exitCode = 0;
  } else {
  const tools = await devtools(inspector);
  await tools.send("Profiler.enable");
  await tools.send("Profiler.setSamplingInterval", { interval: 200 });
  await tools.send("Profiler.start");
  const started = performance.now();
  await burst(JOINS);
  const seconds = (performance.now() - started) / 1000;
  const { profile } = await tools.send<{ profile: CpuProfile }>("Profiler.stop");
  tools.close();
  writeFileSync(OUT, JSON.stringify(profile));
  const summary = summarizeProfile(profile);
  console.log(`${JOINS} ${PRE ? "pre-queue" : "edge"} joins in ${fmt(seconds)} s (${fmt(JOINS / seconds, 0)}/s), load average ${os.loadavg().map((l) => fmt(l, 1)).join(" ")}; profile: ${OUT}`);
  console.log(table(["function", "where", "self %", "self ms/join"], summary.self.slice(0, 25).map((r) => [r.name, r.where, fmt(r.share * 100), fmt(r.ms / JOINS, 3)])));
  console.log(table(["own function", "where", "total %", "total ms/join"], summary.ownInclusive.slice(0, 25).map((r) => [r.name, r.where, fmt(r.share * 100), fmt(r.ms / JOINS, 3)])));
  console.log(table(["package or folder", "self %", "ms/join"], summary.byPackage.slice(0, 15).map((r) => [r.name, fmt(r.share * 100), fmt(r.ms / JOINS, 3)])));
  }
} finally {
  agent.destroy();
  await stack.stop();
}
