/**
 * What the benches share (bench/run.ts, bench/door.ts): settings from the environment, a lifetime
 * that stops everything started on exit, Ctrl-C or SIGTERM, the forked load generator spoken to over
 * IPC (so the clients never share an event loop or a CPU account with the stand-ins), the stack with
 * the Worker under `wrangler dev`, the machine header, and wrangler's own debug log kept in a folder
 * of ours (it is written whatever --log-level says).
 */
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, type Stack } from "../dev/stack";
import { fmt } from "./stats";

export const setting = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return Math.floor(value);
};

// ------------------------------------------------------------------ lifetime

let interrupted = false;
const cleanups: (() => Promise<void>)[] = [];
const loadChildren = new Set<ChildProcess>();

/** Registers a stop, run in reverse order by cleanup(). */
export function onCleanup(stop: () => Promise<void>): void {
  cleanups.push(stop);
}

export async function cleanup(): Promise<void> {
  while (cleanups.length > 0) {
    const stop = cleanups.pop()!;
    try {
      await stop();
    } catch (error) {
      console.error(`  (stop failed: ${String(error)})`);
    }
  }
}

export const isInterrupted = () => interrupted;

export function checkpoint(): void {
  if (interrupted) throw new Error("interrupted");
}

/** Ctrl-C / SIGTERM stop the load at once; the bench's own `finally` then runs cleanup(). */
export function handleSignals(): void {
  process.on("SIGINT", () => {
    if (interrupted) {
      console.error("\nsecond Ctrl-C: exiting without waiting; check for leftover wrangler/postgres/chromium processes");
      process.exit(130);
    }
    interrupted = true;
    console.error("\nCtrl-C: stopping the load, the workers and the stack…");
    for (const child of loadChildren) child.kill("SIGTERM");
  });
  process.on("SIGTERM", () => {
    interrupted = true;
    for (const child of loadChildren) child.kill("SIGTERM");
  });
}

// ------------------------------------------------------------------ the load generator child

export interface LoadGenerator<J, R> {
  pid: number;
  run(job: J): Promise<R>;
}

/**
 * Forks `module` (a bench/*.ts that answers `{id, job}` messages with `{id, result}` or `{id, error}`
 * and says `{ready: true}` first); it is stopped by cleanup().
 */
export async function startLoadGenerator<J, R>(module: URL): Promise<LoadGenerator<J, R>> {
  const child = fork(module.pathname, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  loadChildren.add(child);
  const pending = new Map<number, { resolve: (r: R) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await gone;
    }
  });
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`load generator exited (${code}) before it was ready`)));
    child.on("message", (message: { ready?: boolean; id?: number; result?: R; error?: string }) => {
      if (message.ready) return resolve();
      const waiting = pending.get(message.id!);
      if (!waiting) return;
      pending.delete(message.id!);
      if (message.error) waiting.reject(new Error(message.error));
      else waiting.resolve(message.result!);
    });
  });
  child.on("exit", () => {
    loadChildren.delete(child);
    for (const waiting of pending.values()) waiting.reject(new Error("load generator exited"));
    pending.clear();
  });
  return {
    pid: child.pid!,
    run(job: J): Promise<R> {
      checkpoint();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        child.send({ id, job });
      });
    },
  };
}

// ------------------------------------------------------------------ the stack and wrangler's output

/**
 * Where wrangler writes its debug log for this run (set before any `wrangler dev` starts); removed
 * by removeWranglerLogs() once the bench has read it.
 */
export function ownWranglerLogs(): string {
  const folder = mkdtempSync(join(tmpdir(), "admit-one-bench-wrangler-logs-"));
  process.env.WRANGLER_LOG_PATH = folder;
  return folder;
}

export function removeWranglerLogs(folder: string): void {
  rmSync(folder, { recursive: true, force: true });
}

/** One file of wrangler's debug log, split into its timestamped entries. */
export interface WranglerLogFile {
  text: string;
  entries: { at: number; body: string }[];
}

export function readWranglerLogs(folder: string): WranglerLogFile[] {
  const files: WranglerLogFile[] = [];
  for (const name of readdirSync(folder)) {
    let text: string;
    try {
      text = readFileSync(join(folder, name), "utf8");
    } catch {
      continue;
    }
    const entries: { at: number; body: string }[] = [];
    for (const entry of text.split("\n--- ")) {
      const at = Date.parse(entry.slice(0, 24));
      if (Number.isFinite(at)) entries.push({ at, body: entry.slice(entry.indexOf("\n") + 1).trim() });
    }
    files.push({ text, entries });
  }
  return files;
}

/** A wrangler log entry that says it rebuilt, reloaded or saw a file change (by anyone in this checkout). */
export function isFileWatchEvent(body: string): boolean {
  return !body.startsWith("[InspectorProxyWorker]") && /changed|removed|restart|reload|teardown|Starting local/i.test(body);
}

/** A log for the stack and `wrangler dev`: the Worker's lines are kept (the first 15 shown), the rest shown when verbose. */
export function workerLog(verbose: boolean): { log: (raw: string) => void; lines: string[] } {
  const lines: string[] = [];
  const log = (raw: string) => {
    const line = raw.replace(/\x1b\[[0-9;]*m/g, "");
    if (line.startsWith("[worker]")) {
      lines.push(line);
      if (lines.length <= 15) console.log(`  ${line}`);
      else if (lines.length === 16) console.log("  [worker] … (further worker output counted, not shown)");
    } else if (verbose) console.log(`  · ${line}`);
  };
  return { log, lines };
}

/** The whole local platform with the real Worker under `wrangler dev --log-level warn`, stopped by cleanup(). */
export async function startBenchStack(log: (line: string) => void): Promise<Stack> {
  const stack = await startStack({ worker: true, databaseName: `bench_${Date.now()}`, log });
  onCleanup(() => stack.stop());
  return stack;
}

// ------------------------------------------------------------------ the header

export function printMachine(title: string, settings: string): void {
  const cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
  let nproc = String(os.availableParallelism());
  try {
    nproc = execFileSync("nproc", { encoding: "utf8" }).trim();
  } catch {
    // keep availableParallelism
  }
  const wrangler = JSON.parse(readFileSync(new URL("../node_modules/wrangler/package.json", import.meta.url), "utf8")).version;
  console.log(title);
  console.log(`date      ${new Date().toISOString()}`);
  console.log(`machine   ${nproc} CPU (nproc), ${cpuModel}, ${fmt(os.totalmem() / 2 ** 30)} GiB RAM, Linux ${os.release()}`);
  console.log(`load avg  ${os.loadavg().map((l) => fmt(l, 2)).join(" ")} (1/5/15 min) at start`);
  console.log(`software  node ${process.version}, wrangler ${wrangler} (wrangler dev --log-level warn)`);
  console.log(`settings  ${settings}`);
}
