/**
 * The Worker's own count of what each step of a purchase costs in I/O (workers/cost-meter.ts,
 * served at GET /api/v1/dev/costs under APP_ENV=development): read before and after a phase,
 * divided by the purchases done.
 */
import { COST_KINDS, type Costs } from "../workers/cost-count";
import { fmt, table } from "./stats";

export type StepCosts = Record<string, Costs>;

export async function readCosts(base: string): Promise<StepCosts> {
  const response = await fetch(`${base}/api/v1/dev/costs`);
  if (!response.ok) return {};
  return ((await response.json()) as { steps: StepCosts }).steps;
}

export function costsBetween(before: StepCosts, after: StepCosts): StepCosts {
  const out: StepCosts = {};
  for (const [step, costs] of Object.entries(after)) {
    const was = before[step];
    out[step] = Object.fromEntries(COST_KINDS.map((k) => [k, costs[k] - (was?.[k] ?? 0)])) as Costs;
  }
  return out;
}

const STEPS = ["register", "pay", "webhook", "queue", "other"] as const;

/** Per purchase: each step's I/O, and the whole (Postgres round trips = HTTP + one per statement of an interactive transaction, + its connect). */
export function printCosts(costs: StepCosts, purchases: number, title = "I/O per purchase, counted by the Worker (workers/cost-meter.ts)"): void {
  const steps = STEPS.filter((s) => costs[s] && costs[s]!.requests > 0);
  if (steps.length === 0) {
    console.log("(no cost figures: the Worker is not metered; APP_ENV must be development)");
    return;
  }
  const per = (s: string, k: (typeof COST_KINDS)[number]) => (costs[s]?.[k] ?? 0) / purchases;
  const total = (k: (typeof COST_KINDS)[number]) => steps.reduce((n, s) => n + per(s, k), 0);
  console.log(`\n=== ${title} ===`);
  console.log(
    table(
      ["step", "requests", "pg HTTP", "pg statements", "interactive txns", "DO calls", "Stripe calls", "queue sends", "wall ms / request"],
      [
        ...steps.map((s) => [
          s,
          fmt(per(s, "requests"), 2),
          fmt(per(s, "dbHttp"), 2),
          fmt(per(s, "dbStatements"), 2),
          fmt(per(s, "dbTransactions"), 2),
          fmt(per(s, "doCalls"), 2),
          fmt(per(s, "stripeCalls"), 2),
          fmt(per(s, "queueSends"), 2),
          fmt((costs[s]?.wallMs ?? 0) / Math.max(1, costs[s]?.requests ?? 0), 0),
        ]),
        ["whole purchase", fmt(total("requests"), 2), fmt(total("dbHttp"), 2), fmt(total("dbStatements"), 2), fmt(total("dbTransactions"), 2), fmt(total("doCalls"), 2), fmt(total("stripeCalls"), 2), fmt(total("queueSends"), 2), ""],
      ],
    ),
  );
  console.log(
    `Postgres round trips per purchase ≈ ${fmt(postgresRoundTrips(costs, steps, purchases), 1)} (HTTP requests, plus per interactive transaction its statements + BEGIN + COMMIT + the connect)`,
  );
}

export function postgresRoundTrips(costs: StepCosts, steps: readonly string[], purchases: number): number {
  let trips = 0;
  for (const s of steps) {
    const c = costs[s];
    if (!c) continue;
    trips += c.dbHttp + c.dbTxnStatements + c.dbTransactions * 3; // + BEGIN, COMMIT and the connect
  }
  return trips / purchases;
}
