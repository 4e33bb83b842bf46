/**
 * Builds web/ into dist/web, the Worker's static assets: pages copied, scripts bundled by esbuild
 * (one bundle per page script, browser target), styles copied. Wrangler runs it before dev/deploy.
 * A service worker (`scripts/*-sw.ts`) is bundled to the site root instead, since a worker controls
 * only pages under its own path, stamped with a hash of everything else built so that each new build
 * installs a fresh cache.
 */
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { cp, mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
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
  const serviceWorkers = scripts.filter((f) => f.endsWith("-sw.ts"));
  await build({
    entryPoints: scripts.filter((f) => !serviceWorkers.includes(f)).map((f) => `${root}scripts/${f}`),
    outdir: `${out}/assets`,
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: true,
    logLevel: "warning",
  });
  const stamp = await contentHash(out);
  await build({
    entryPoints: serviceWorkers.map((f) => `${root}scripts/${f}`),
    outdir: out,
    bundle: true,
    format: "iife",
    target: "es2022",
    minify: true,
    define: { SCAN_BUILD: JSON.stringify(stamp) },
    logLevel: "warning",
  });
}

async function contentHash(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
  const paths = files.map((entry) => `${entry.parentPath}/${entry.name}`).sort();
  for (const path of paths) hash.update(path.slice(dir.length)).update(await readFile(path));
  return hash.digest("hex").slice(0, 16);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildWeb();
}
