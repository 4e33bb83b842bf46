/**
 * Three levels, one `npm test`:
 *  - node:    pure domain rules and the local stand-ins (dev/), in Node;
 *  - runtime: the Worker and Durable Objects inside workerd, against real PostgreSQL through the
 *             Neon proxy, the Stripe emulator and the mail outbox (started by the global setup);
 *  - browser: the pages in Debian's Chromium via playwright-core, and HTTP bursts from Node
 *             (test/system), against `wrangler dev` with demo data.
 */
import { randomBytes } from "node:crypto";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
// Types only (the ProvidedContext entry for testSeed): no runtime import into the config.
import type {} from "./test/seeded-random";

// The runtime Worker runs mid-rotation: a previous master key is configured beside the current one,
// so tests can show links of the old key still open orders (test/runtime/order-links.security.test.ts).
const previousMasterKey = randomBytes(32).toString("base64url");
// Tests that reorder work draw from this seed (test/seeded-random.ts); TEST_SEED=<n> replays a run.
const testSeed = Number(process.env.TEST_SEED) > 0 ? Number(process.env.TEST_SEED) : (Date.now() % 2_147_483_646) + 1;

export default defineConfig({
  test: {
    // CI reads the closing "N passed, M failed" line from this report (see .ci/run).
    reporters: process.env.CI ? ["default", ["json", { outputFile: "test-results/report.json" }]] : ["default"],
    projects: [
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/unit/**/*.test.ts", "test/dev/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: "./workers/index.ts",
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: { bindings: { ...inject("workerVars"), SIGNING_MASTER_KEY_PREVIOUS: previousMasterKey } },
          })),
        ],
        test: {
          name: "runtime",
          provide: { testSeed },
          include: ["test/runtime/**/*.test.ts"],
          globalSetup: ["test/runtime/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "browser",
          environment: "node",
          // Chromium pages, and HTTP bursts from Node that need real concurrency, against wrangler dev.
          include: ["test/browser/**/*.test.ts", "test/system/**/*.test.ts"],
          globalSetup: ["test/browser/global-setup.ts"],
          // One file at a time: they share one wrangler dev on 2 cores, and the 2,000-buyer burst
          // beside a page load made that page miss its 30 s navigation timeout.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // expect.poll waits for a page to show what it loads; its 1 s default is a timing claim a
          // busy 2-core machine breaks (a Door figure still "–" after 1 s). It retries until it holds.
          expect: { poll: { timeout: 20_000 } },
        },
      },
    ],
  },
});
