/**
 * The Worker under Miniflare's own server instead of `wrangler dev` (issue #13 item 3): the same
 * workerd and the same bindings (read from the wrangler config by wrangler's
 * unstable_getMiniflareWorkerOptions), but no dev proxy in front of it. The bundle is what
 * `wrangler deploy --dry-run` would upload. workerd runs as a child of this process, so the bench
 * counts its CPU by parent pid (see bench/run.ts).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import type { WorkerProcess } from "../dev/worker-process";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface MiniflareWorkerOptions {
  port: number;
  vars: Record<string, string>;
  secrets: Record<string, string>;
  /** Relative to the repository root; wrangler.toml when omitted. */
  configPath?: string;
  inspectorPort?: number;
  log?: (line: string) => void;
  /**
   * Serve `port` from workerd's own socket straight to the Worker (Miniflare's `unsafeDirectSockets`),
   * without Miniflare's entry Worker, which otherwise takes every request first on the same thread:
   * ~0.2 ms of workerd a no-op request (bench/RESULTS.md, "Sixth round", 2026-12-04). Nothing of it exists in
   * production either. Miniflare's own server then listens on a port of its own choosing.
   */
  direct?: boolean;
}

export async function startMiniflareWorker(options: MiniflareWorkerOptions): Promise<WorkerProcess> {
  const log = options.log ?? (() => {});
  const configPath = join(ROOT, options.configPath ?? "wrangler.toml");
  const outdir = await mkdtemp(join(tmpdir(), "admit-one-bench-bundle-"));
  const persist = await mkdtemp(join(tmpdir(), "admit-one-bench-miniflare-"));
  // --dry-run bundles exactly what a deploy would upload (after [build], so dist/web is current).
  const built = await promisify(execFile)("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir, "--config", configPath], {
    cwd: ROOT,
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of `${built.stdout}\n${built.stderr}`.split("\n")) if (line.trim()) log(`[bundle] ${line}`);
  // The bundle is named after the config's `main` (index.js, classic-entry.js).
  const entry = (await readdir(outdir)).find((name) => name.endsWith(".js"));
  if (!entry) throw new Error(`wrangler deploy --dry-run wrote no bundle to ${outdir}`);
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  const mf = new Miniflare({
    ...(workerOptions as Record<string, unknown>),
    modules: true,
    scriptPath: join(outdir, entry),
    modulesRoot: outdir,
    bindings: { ...((workerOptions as { bindings?: Record<string, unknown> }).bindings ?? {}), ...options.vars, ...options.secrets },
    host: "127.0.0.1",
    port: options.direct ? 0 : options.port,
    ...(options.direct ? { unsafeDirectSockets: [{ host: "127.0.0.1", port: options.port }] } : {}),
    ...(options.inspectorPort ? { inspectorPort: options.inspectorPort } : {}),
    durableObjectsPersist: join(persist, "do"),
    cachePersist: join(persist, "cache"),
    log: undefined,
  } as ConstructorParameters<typeof Miniflare>[0]);
  const served = (await mf.ready).toString().replace(/\/$/, "");
  const url = options.direct ? `http://127.0.0.1:${options.port}` : served;
  log(`[miniflare] serving on ${url}${options.direct ? " (workerd's own socket, no entry Worker)" : ""}`);
  return {
    url,
    port: options.port,
    async stop() {
      await mf.dispose();
      await rm(outdir, { recursive: true, force: true });
      await rm(persist, { recursive: true, force: true });
    },
  };
}
