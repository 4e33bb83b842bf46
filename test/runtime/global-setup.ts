/**
 * Starts the stand-ins the Worker talks to (PostgreSQL + Neon proxy, Stripe emulator, mail outbox)
 * in Node, and hands their addresses to workerd as bindings.
 */
import type { TestProject } from "vitest/node";
import { startStack } from "../../dev/stack";

export default async function setup(project: TestProject) {
  const stack = await startStack({ databaseName: "admitone_runtime" });
  // A short Stripe timeout lets the fault tests see a hung call retried within the test's time.
  // A short webhook timeout lets the webhook tests see a hung receiver given up on within the test's time.
  project.provide("workerVars", { ...stack.vars, STRIPE_TIMEOUT_MS: "5000", WEBHOOK_TIMEOUT_MS: "1000", PUBLIC_BASE_URL: "http://admit.test" });
  project.provide("stackUrls", { stripe: stack.urls.stripe, mail: stack.urls.mail, proxy: stack.urls.proxy });
  // The fuzz suite's seed: FUZZ_SEED=<n> replays a run it printed; otherwise a new one each run.
  project.provide("fuzzSeed", Number(process.env.FUZZ_SEED) || Date.now() % 2_147_483_647);
  return () => stack.stop();
}
