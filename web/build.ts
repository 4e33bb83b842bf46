/**
 * Builds web/ into dist/web, the Worker's static assets: pages copied, scripts bundled by esbuild
 * (one bundle per page script, browser target), styles copied. Wrangler runs it before dev/deploy.
 */
import { build } from "esbuild";
import { cp, mkdir, readdir, rename, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));
const out = fileURLToPath(new URL("../dist/web", import.meta.url));

/**
 * Builds into a fresh folder and swaps it in with two renames, so a server reading dist/web (wrangler
 * dev rebuilds on start) never sees it half-written or missing for more than an instant.
 */
export async function buildWeb(): Promise<void> {
  const staging = `${out}.staging-${process.pid}-${Date.now()}`;
  await buildInto(staging);
  const retired = `${out}.retired-${process.pid}-${Date.now()}`;
  await rename(out, retired).catch(() => undefined);
  await rename(staging, out);
  await rm(retired, { recursive: true, force: true });
}

async function buildInto(out: string): Promise<void> {
  await mkdir(`${out}/assets`, { recursive: true });
  await cp(`${root}pages`, out, { recursive: true });
  await cp(`${root}styles`, `${out}/assets`, { recursive: true });
  const scripts = (await readdir(`${root}scripts`)).filter((f) => f.endsWith(".ts") && !f.includes(".lib."));
  await build({
    entryPoints: scripts.map((f) => `${root}scripts/${f}`),
    outdir: `${out}/assets`,
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: true,
    logLevel: "warning",
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWeb();
}
