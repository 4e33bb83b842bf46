/**
 * `npm run bench` with BENCH_SERVER=both (the default): the same bench twice, one after the other,
 * first through `wrangler dev` (what users run) and then through Miniflare's own server (the same
 * workerd, without wrangler's dev proxy; bench/miniflare-worker.ts), each a child `bench/run.ts`
 * with the same settings. Each child writes its headline figures to a file; this prints them side
 * by side, so a reader sees what the platform costs and what the local tooling adds (issue #13.3).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fmt, table } from "./stats";

/** What one child run reports about itself (written by bench/run.ts when BENCH_SUMMARY is set). */
export interface ServerSummary {
  server: "wrangler" | "miniflare";
  loadavg: [number, number];
  purchasesPerSecond: { real: number; classic: number };
  purchaseMs: { real: [number, number, number]; classic: [number, number, number] };
  registrationsPerSecond: { real: number; classic: number };
  noopPerSecond: number;
  /** ms of CPU per purchase of the real design, by process group. */
  cpuPerPurchase: { workerd: number; wrangler: number; postgres: number; standIns: number };
  /** Per purchase of the real design, counted by the Worker. */
  io: { postgresRoundTrips: number; statements: number; interactiveTransactions: number; doCalls: number } | null;
  errors: { real: number; classic: number };
}

function runChild(server: ServerSummary["server"], summaryFile: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "run.ts")], {
      stdio: "inherit",
      env: { ...process.env, BENCH_SERVER: server, BENCH_SUMMARY: summaryFile },
    });
    // Ctrl-C reaches the child from the terminal itself (same process group): it stops its own stack.
    const ignore = () => {};
    const forward = () => child.kill("SIGTERM");
    process.on("SIGINT", ignore);
    process.once("SIGTERM", forward);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", ignore);
      process.off("SIGTERM", forward);
      resolve(code ?? (signal ? 130 : 1));
    });
  });
}

export async function benchBothServers(): Promise<number> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "admit-one-bench-"));
  const summaries: ServerSummary[] = [];
  try {
    for (const server of ["wrangler", "miniflare"] as const) {
      console.log(`\n################ ${server === "wrangler" ? "through wrangler dev" : "through Miniflare's own server (no dev proxy)"} ################\n`);
      const file = path.join(dir, `${server}.json`);
      const code = await runChild(server, file);
      if (code !== 0) {
        console.log(`\nthe ${server} run failed (exit ${code}); no comparison printed.`);
        return code;
      }
      summaries.push(JSON.parse(readFileSync(file, "utf8")) as ServerSummary);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printComparison(summaries[0]!, summaries[1]!);
  return 0;
}

function printComparison(w: ServerSummary, m: ServerSummary): void {
  const ratio = (a: number, b: number) => `×${fmt(a / b, 2)}`;
  const ms = (t: [number, number, number]) => t.map((x) => fmt(x, 0)).join(" / ");
  console.log("\n=== the same bench through both servers, one after the other (real design unless said) ===");
  console.log(
    table(
      ["figure", "wrangler dev", "Miniflare", "Miniflare / wrangler"],
      [
        ["1-min load average at start, end", `${fmt(w.loadavg[0], 1)}, ${fmt(w.loadavg[1], 1)}`, `${fmt(m.loadavg[0], 1)}, ${fmt(m.loadavg[1], 1)}`, ""],
        ["register+pay purchases/s", fmt(w.purchasesPerSecond.real), fmt(m.purchasesPerSecond.real), ratio(m.purchasesPerSecond.real, w.purchasesPerSecond.real)],
        ["  classic design purchases/s", fmt(w.purchasesPerSecond.classic), fmt(m.purchasesPerSecond.classic), ratio(m.purchasesPerSecond.classic, w.purchasesPerSecond.classic)],
        ["  real / classic", ratio(w.purchasesPerSecond.real, w.purchasesPerSecond.classic), ratio(m.purchasesPerSecond.real, m.purchasesPerSecond.classic), ""],
        ["purchase p50 / p95 / p99 ms", ms(w.purchaseMs.real), ms(m.purchaseMs.real), ratio(m.purchaseMs.real[1], w.purchaseMs.real[1]) + " (p95)"],
        ["register only, registrations/s", fmt(w.registrationsPerSecond.real), fmt(m.registrationsPerSecond.real), ratio(m.registrationsPerSecond.real, w.registrationsPerSecond.real)],
        ["no-op ceiling req/s", fmt(w.noopPerSecond), fmt(m.noopPerSecond), ratio(m.noopPerSecond, w.noopPerSecond)],
        ["  register as share of the ceiling", `${fmt((100 * w.registrationsPerSecond.real) / w.noopPerSecond)} %`, `${fmt((100 * m.registrationsPerSecond.real) / m.noopPerSecond)} %`, ""],
        ["CPU ms per purchase: workerd (our Worker + DOs)", fmt(w.cpuPerPurchase.workerd), fmt(m.cpuPerPurchase.workerd), ratio(m.cpuPerPurchase.workerd, w.cpuPerPurchase.workerd)],
        ["  wrangler's node processes (the dev proxy)", fmt(w.cpuPerPurchase.wrangler), fmt(m.cpuPerPurchase.wrangler), ""],
        ["  Postgres", fmt(w.cpuPerPurchase.postgres), fmt(m.cpuPerPurchase.postgres), ""],
        ["  stand-ins (Neon proxy, Stripe emulator, mail)", fmt(w.cpuPerPurchase.standIns), fmt(m.cpuPerPurchase.standIns), ""],
        ["Postgres round trips per purchase", fmt(w.io?.postgresRoundTrips ?? Number.NaN), fmt(m.io?.postgresRoundTrips ?? Number.NaN), ""],
        ["  interactive transactions per purchase", fmt(w.io?.interactiveTransactions ?? Number.NaN, 2), fmt(m.io?.interactiveTransactions ?? Number.NaN, 2), ""],
        ["errors (real, classic)", `${w.errors.real}, ${w.errors.classic}`, `${m.errors.real}, ${m.errors.classic}`, ""],
      ],
    ),
  );
  console.log(
    process.env.BENCH_MINIFLARE_DIRECT === "1"
      ? "(Miniflare's column served from workerd's own socket, without its entry Worker; wrangler's column is what `wrangler dev` adds on this machine, none of which exists in production.)"
      : "(Miniflare's workerd also runs its own small entry Worker, a bit under half of a no-op request's workerd CPU (BENCH_MINIFLARE_DIRECT=1 leaves it out); wrangler's column is what `wrangler dev` adds on this machine, none of which exists in production.)",
  );
}
