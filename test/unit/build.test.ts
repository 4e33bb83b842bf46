/**
 * What CI must catch before a deploy: the Worker bundles with every binding, and the generated
 * `Env` type still matches wrangler.toml.
 *
 * Both run wrangler on a copy of wrangler.toml without its [build] step: wrangler runs that step
 * for `deploy` and `types` too, and it rebuilds dist/web, which the browser tests' `wrangler dev`
 * is serving at the same moment (a swap under it broke every page). `npm test` has built dist/web
 * already. The copy sits next to wrangler.toml so its relative paths hold.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
const config = "wrangler.no-build.toml";

beforeAll(async () => {
  await writeFile(config, (await readFile("wrangler.toml", "utf8")).replace(/^\[build\]\n(?:[^[\n].*\n)*/m, ""));
});

afterAll(async () => {
  await rm(config, { force: true });
});

describe("build", () => {
  it("bundles the Worker with `wrangler deploy --dry-run`", async () => {
    const outdir = await mkdtemp(join(tmpdir(), "admit-one-bundle-"));
    try {
      const { stdout } = await run("npx", ["wrangler", "deploy", "--dry-run", "--config", config, "--outdir", outdir], { env, timeout: 120_000 });
      for (const binding of ["env.WAITING_ROOM (WaitingRoom)", "env.TIER_INVENTORY (TierInventory)", "env.EVENT_LIVE (EventLive)", "env.EVENTS_QUEUE (admit-one-events)", "env.ASSETS"]) {
        expect(stdout).toContain(binding);
      }
    } finally {
      await rm(outdir, { recursive: true, force: true });
    }
  }, 120_000);

  it("has an Env type generated from the current wrangler.toml", async () => {
    await expect(
      run("npx", ["wrangler", "types", "--strict-vars=false", "--env-interface", "Env", "workers/env.d.ts", "--check", "--config", config], { env, timeout: 60_000 }),
    ).resolves.toBeDefined();
  }, 60_000);
});
