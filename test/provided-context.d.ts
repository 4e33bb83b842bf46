// What the global setups hand to tests through vitest's provide/inject.
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Bindings that point the Worker at the local stand-ins (runtime tests). */
    workerVars: Record<string, string>;
    stackUrls: { stripe: string; mail: string; proxy: string };
    /** test/runtime/fuzz.test.ts: the seed of this run (FUZZ_SEED replays one). */
    fuzzSeed: number;
    /** The platform under `wrangler dev` with demo data (browser tests). */
    browserStack: { worker: string; mail: string; databaseUrl: string };
  }
}
