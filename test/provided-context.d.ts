// What the global setups hand to tests through vitest's provide/inject.
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Bindings that point the Worker at the local stand-ins (runtime tests). */
    workerVars: Record<string, string>;
    stackUrls: { stripe: string; mail: string; proxy: string };
    /** The platform under `wrangler dev` with demo data (browser tests). */
    browserStack: { worker: string; mail: string; databaseUrl: string };
  }
}
