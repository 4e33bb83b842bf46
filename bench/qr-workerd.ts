/**
 * Times bench/qr-renders.ts inside workerd, where the Worker runs them: workerd's own base64,
 * CompressionStream and V8 flags, not Node's. A Worker cannot time itself (its clock stands still
 * between I/O), so each batch's cost is the workerd process's CPU from /proc (10 ms ticks; a batch is
 * sized to ~300 ms by the Node figure and repeated larger until it counts at least 200 ms). Miniflare starts workerd as a child of this process; nothing else runs in it.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { allPids, readStat } from "./cpu";
import type { Build, RenderInput, Step } from "./qr-renders";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface WorkerdRenders {
  /** CPU ms per call of one step in one build, for one input. */
  cpuPerRender(step: Step, build: Build, input: RenderInput, estimateMs: number): Promise<number>;
  close(): Promise<void>;
}

export async function startWorkerdRenders(): Promise<WorkerdRenders> {
  const bundle = await build({
    entryPoints: [join(ROOT, "bench/qr-workerd-entry.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    logLevel: "warning",
  });
  const mf = new Miniflare({ modules: true, script: bundle.outputFiles[0]!.text, compatibilityDate: "2026-04-20", compatibilityFlags: ["nodejs_compat"] });
  await mf.ready;
  const workerd = allPids()
    .map(readStat)
    .find((stat) => stat?.ppid === process.pid && stat.comm.startsWith("workerd"));
  if (!workerd) throw new Error("workerd's process not found among this process's children");
  const ticks = () => readStat(workerd.pid)!.ticks;

  async function run(step: Step, buildName: Build, input: RenderInput, rounds: number): Promise<void> {
    const response = await mf.dispatchFetch("http://qr.bench/", {
      method: "POST",
      body: JSON.stringify({ step, build: buildName, token: input.token, png: [...input.png], rounds }),
    });
    if (!response.ok) throw new Error(`workerd answered ${response.status}: ${await response.text()}`);
    await response.text();
  }

  return {
    async cpuPerRender(step, buildName, input, estimateMs) {
      let rounds = Math.max(20, Math.ceil(300 / Math.max(estimateMs, 0.0005)));
      await run(step, buildName, input, 10); // warm up: compile and optimise before counting
      for (;;) {
        const before = ticks();
        await run(step, buildName, input, rounds);
        const used = ticks() - before;
        // Fewer than 20 ticks (200 ms) is too coarse a count: the estimate from Node was too high.
        if (used >= 20 || rounds >= 1e7) return (used * 10) / rounds;
        rounds *= 4;
      }
    },
    async close() {
      await mf.dispose();
    },
  };
}
