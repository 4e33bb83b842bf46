/**
 * Runs the Worker with `wrangler dev` (workerd: Worker, Durable Objects, Queues, Cron, assets) on
 * loopback with explicit ports, passing the local configuration as `--var`s, and waits until it
 * answers. Cron triggers do not fire by themselves under `wrangler dev`, so a ticker calls the
 * `/__scheduled` endpoint (enabled by `--test-scheduled`) on the schedules wrangler.toml declares.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface WorkerProcess {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface WorkerProcessOptions {
  port: number;
  inspectorPort: number;
  vars: Record<string, string>;
  /** Passed through the environment, not argv, so they never show in a process list. */
  secrets: Record<string, string>;
  /** Where Durable Object and Queue state lives; a fresh temp folder when omitted. */
  persistTo?: string;
  runCron?: boolean;
  /** A wrangler config other than the repository's wrangler.toml, relative to the repository root. */
  configPath?: string;
  log?: (line: string) => void;
}

const CRON_TICK_MS = 60_000;

export async function startWorker(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const log = options.log ?? (() => {});
  const persistTo = options.persistTo ?? (await mkdtemp(join(tmpdir(), "admit-one-wrangler-")));
  const args = [
    "wrangler", "dev",
    ...(options.configPath ? ["--config", options.configPath] : []),
    "--ip", "127.0.0.1",
    "--port", String(options.port),
    "--inspector-port", String(options.inspectorPort),
    "--log-level", "warn",
    "--persist-to", persistTo,
    "--show-interactive-dev-session=false",
    "--test-scheduled",
    ...Object.entries(options.vars).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
  ];
  const child = spawn("npx", args, {
    cwd: ROOT,
    // With [secrets] declared in wrangler.toml, wrangler dev reads those names from the environment.
    env: { ...process.env, ...options.secrets, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim()) log(`[worker] ${line}`);
  };
  child.stdout!.on("data", forward);
  child.stderr!.on("data", forward);

  // If this process dies without stop() (a crash, a kill), do not leave workerd running.
  const killOnExit = () => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  };
  process.once("exit", killOnExit);

  const url = `http://127.0.0.1:${options.port}`;
  await waitUntilServing(url, child);

  let ticker: NodeJS.Timeout | undefined;
  if (options.runCron) {
    ticker = setInterval(() => {
      const minute = new Date().getUTCMinutes();
      const due = ["* * * * *", ...(minute % 15 === 0 ? ["*/15 * * * *"] : [])];
      for (const cron of due) {
        fetch(`${url}/__scheduled?cron=${encodeURIComponent(cron)}`).catch((e) => log(`[cron] ${cron} failed: ${e}`));
      }
    }, CRON_TICK_MS);
    ticker.unref();
  }

  return {
    url,
    port: options.port,
    async stop() {
      if (ticker) clearInterval(ticker);
      process.off("exit", killOnExit);
      await stopProcessGroup(child);
      if (!options.persistTo) await rm(persistTo, { recursive: true, force: true });
    },
  };
}

/** A first start builds the pages and bundles the Worker: minutes on a loaded 2-core machine. */
const START_TIMEOUT_MS = Number(process.env.ADMIT_ONE_WORKER_START_TIMEOUT_MS ?? 300_000);

async function waitUntilServing(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  child.once("exit", () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error("wrangler dev exited before serving; see the [worker] lines above");
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stopProcessGroup(child);
  throw new Error(`wrangler dev did not answer on ${url} within ${START_TIMEOUT_MS / 1000} s`);
}

/** wrangler spawns workerd; signalling the whole process group leaves no orphan behind. */
async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timeout = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timeout);
}
