/**
 * Where the CPU goes during a phase: per-process CPU time from /proc (Linux), grouped into the
 * parts of the local platform, plus the whole machine from /proc/stat. A process's reaped
 * children count through its cutime/cstime, so Postgres backends that came and went (one per
 * interactive transaction) are still counted under the postmaster.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  pgrp: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  ticks: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux x86-64

export function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const fields = text.slice(close + 2).split(" ");
    // fields[0] is field 3 (state): ppid=4, pgrp=5, utime=14, stime=15, cutime=16, cstime=17
    const at = (field: number) => Number(fields[field - 3]);
    return { pid, comm, ppid: at(4), pgrp: at(5), ticks: at(14) + at(15) + at(16) + at(17) };
  } catch {
    return undefined; // gone meanwhile
  }
}

export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

export function allPids(): number[] {
  return readdirSync("/proc").filter((name) => /^\d+$/.test(name)).map(Number);
}

/** The process group of the `wrangler dev` listening on `port` (npx → wrangler → workerd). */
export function wranglerGroup(port: number): number | undefined {
  for (const pid of allPids()) {
    const args = cmdline(pid);
    const at = args.indexOf("--port");
    if (at >= 0 && args[at + 1] === String(port) && args.includes("dev") && args.some((a) => a.includes("wrangler"))) {
      return readStat(pid)?.pgrp;
    }
  }
  return undefined;
}

/** The postmaster serving `port`, if Postgres runs as its own server here. */
export function postmasterOf(port: number): number | undefined {
  for (const pid of allPids()) {
    const args = cmdline(pid);
    const at = args.indexOf("-p");
    if (args[0]?.endsWith("/postgres") && at >= 0 && args[at + 1] === String(port)) return pid;
  }
  return undefined;
}

export interface Machine {
  busy: number;
  total: number;
}

export function machineTicks(): Machine {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

export type Classifier = (stat: ProcStat) => string | undefined;

export interface Snapshot {
  at: number;
  groups: Map<string, number>;
  machine: Machine;
}

export function snapshot(classify: Classifier): Snapshot {
  const groups = new Map<string, number>();
  for (const pid of allPids()) {
    const stat = readStat(pid);
    if (!stat) continue;
    const group = classify(stat);
    if (group) groups.set(group, (groups.get(group) ?? 0) + stat.ticks);
  }
  return { at: performance.now(), groups, machine: machineTicks() };
}

export interface CpuUse {
  wallSeconds: number;
  /** CPU seconds per group, and "other" = everything else on the machine. */
  seconds: Map<string, number>;
  machineBusyCores: number;
}

export function cpuBetween(before: Snapshot, after: Snapshot, groupNames: readonly string[]): CpuUse {
  const seconds = new Map<string, number>();
  let ours = 0;
  for (const name of groupNames) {
    const s = Math.max(0, ((after.groups.get(name) ?? 0) - (before.groups.get(name) ?? 0)) / TICKS_PER_SECOND);
    seconds.set(name, s);
    ours += s;
  }
  const wallSeconds = (after.at - before.at) / 1000;
  const machineBusy = (after.machine.busy - before.machine.busy) / TICKS_PER_SECOND;
  seconds.set("other", Math.max(0, machineBusy - ours));
  return { wallSeconds, seconds, machineBusyCores: machineBusy / wallSeconds };
}
