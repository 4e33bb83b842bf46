/**
 * What each kind of request costs in I/O, counted by the Worker itself, for the purchase bench
 * (`npm run bench`, issue #13): Postgres round trips and statements, interactive transactions,
 * Durable Object calls, Stripe calls and Queue sends, plus the request's wall time (in workerd the
 * clock moves only across I/O, so that is time spent waiting, not CPU).
 *
 * Only when `APP_ENV` is `development`: the dev stack and the bench set it, production never does,
 * and there every hook below is a no-op (no store is entered). The totals live in this isolate's
 * memory (`wrangler dev` and Miniflare run one isolate) and are read from GET /api/v1/dev/costs.
 * This part knows no Worker types, so db/client.ts (also run by Node) can count into it; the
 * bindings are wrapped in workers/cost-meter.ts.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export const COST_KINDS = ["requests", "dbHttp", "dbStatements", "dbTransactions", "dbTxnStatements", "doCalls", "stripeCalls", "queueSends", "wallMs"] as const;
export type CostKind = (typeof COST_KINDS)[number];
export type Costs = Record<CostKind, number>;

const store = new AsyncLocalStorage<Costs>();
const totals = new Map<string, Costs>();

const zero = (): Costs => Object.fromEntries(COST_KINDS.map((k) => [k, 0])) as Costs;

/** Adds to the current request's account, if it is metered. */
export function countCost(kind: CostKind, n = 1): void {
  const costs = store.getStore();
  if (costs) costs[kind] += n;
}

/** The step a request belongs to, by its path: what the bench reports per purchase. */
export function stepOf(method: string, path: string): string {
  if (method === "POST" && /\/events\/[^/]+\/register$/.test(path)) return "register";
  if (method === "POST" && /\/orders\/[^/]+\/pay$/.test(path)) return "pay";
  if (method === "POST" && path.endsWith("/stripe/webhook")) return "webhook";
  if (path === "/healthz") return "healthz";
  return "other";
}

/** Runs `work` with its own account, added to the step's totals when it ends (also on failure). */
export async function metered<T>(step: string, work: () => Promise<T>): Promise<T> {
  const costs = zero();
  const started = Date.now();
  try {
    return await store.run(costs, work);
  } finally {
    costs.requests = 1;
    costs.wallMs = Date.now() - started;
    const total = totals.get(step) ?? totals.set(step, zero()).get(step)!;
    for (const kind of COST_KINDS) total[kind] += costs[kind];
  }
}

export function costTotals(): Record<string, Costs> {
  return Object.fromEntries([...totals].map(([step, costs]) => [step, { ...costs }]));
}

