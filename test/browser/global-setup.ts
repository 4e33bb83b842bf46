/**
 * The browser tests drive the platform exactly as `npm run dev` runs it: the stack with demo data
 * and the Worker under `wrangler dev`, on free loopback ports.
 */
import type { TestProject } from "vitest/node";
import { startStack } from "../../dev/stack";

export default async function setup(project: TestProject) {
  // No web build here: `wrangler dev` runs the [build] command (web/build.ts) before it serves.
  const stack = await startStack({ databaseName: "admitone_browser", seed: true, worker: true });
  project.provide("browserStack", { worker: stack.urls.worker!, mail: stack.urls.mail, databaseUrl: stack.databaseUrl });
  return () => stack.stop();
}
