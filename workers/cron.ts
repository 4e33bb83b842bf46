/**
 * Cron work, one job list per schedule (the schedules are declared in wrangler.toml). Every job is
 * idempotent: a schedule that fires twice, or overlaps the previous run, does no harm.
 */
import { connectHttp } from "../db/client";
import { refreshCheckinsHourly, refreshCheckinsMinutely, refreshSalesDaily, refreshSalesMinutely, type RefreshMode } from "../db/queries/summaries";
import { dropExpiredPasswordResets } from "../db/queries/password-resets";
import { dropRateLimitWindowsBefore } from "../db/queries/rate-limits";
import { dropQuietSignInThrottles } from "../db/queries/sign-in-throttles";
import { databaseSettings } from "./config";
import { FORGET_FAILURES_AFTER_SECONDS } from "./domain/sign-in-throttle";
import { drainOutbox, pruneOutbox } from "./outbox-publisher";
import { resumeCancellations } from "./use-cases/cancel-event";
import { reconcileInventory } from "./use-cases/reconcile-inventory";
import { resumePendingRefunds } from "./use-cases/refund-order";
import { sweepOverdueOrders } from "./use-cases/sweep-orders";
import { sweepDueWebhooks } from "./webhooks-out/sweep";
import { recordMissedRefundEvents } from "./webhooks-out/recover";

type Job = (env: Env) => Promise<void>;

async function refreshSummaries(env: Env): Promise<void> {
  const db = connectHttp(databaseSettings(env));
  await refreshSalesDaily(db);
  await refreshCheckinsHourly(db);
}

/** The one-minute summaries the reports read: the recent buckets every minute, everything nightly. */
function refreshMinuteSummaries(mode: RefreshMode): Job {
  return async (env) => {
    const db = connectHttp(databaseSettings(env));
    await Promise.all([refreshSalesMinutely(db, mode), refreshCheckinsMinutely(db, mode)]);
  };
}

async function sweepOrders(env: Env): Promise<void> {
  const report = await sweepOverdueOrders(env, connectHttp(databaseSettings(env)), new Date());
  if (report.expired + report.finalized + report.refunded > 0) console.log(JSON.stringify({ level: "info", where: "sweeper", ...report }));
}

async function reconcile(env: Env): Promise<void> {
  const report = await reconcileInventory(env, connectHttp(databaseSettings(env)), new Date());
  if (report.ledger_ahead.length > 0) console.error(JSON.stringify({ level: "error", where: "reconciliation", ...report }));
  else if (report.recounted > 0 || report.inventory_ahead.length > 0) console.log(JSON.stringify({ level: "info", where: "reconciliation", ...report }));
}

async function resumeRefundsAndCancellations(env: Env): Promise<void> {
  const db = connectHttp(databaseSettings(env));
  const refunds = await resumePendingRefunds(env, db, new Date());
  const cancellations = await resumeCancellations(env, db, new Date());
  if (refunds.resumed + cancellations > 0) console.log(JSON.stringify({ level: "info", where: "refund-sweeper", ...refunds, cancellations_running: cancellations }));
}

/** Account limits keep rows only while they can still matter: windows past, counts forgotten, links expired. */
async function dropStaleAccountLimits(env: Env): Promise<void> {
  const db = connectHttp(databaseSettings(env));
  const now = Date.now();
  await Promise.all([
    dropRateLimitWindowsBefore(db, new Date(now - 24 * 3_600_000)),
    dropQuietSignInThrottles(db, new Date(now - FORGET_FAILURES_AFTER_SECONDS * 1000)),
    dropExpiredPasswordResets(db, new Date(now - 24 * 3_600_000)),
  ]);
}

export const schedules: Record<string, Job[]> = {
  "* * * * *": [
    async (env) => void (await drainOutbox(env)),
    sweepOrders,
    resumeRefundsAndCancellations,
    refreshMinuteSummaries("recent"),
    async (env) => void (await sweepDueWebhooks(env, connectHttp(databaseSettings(env)), new Date())),
    async (env) => void (await recordMissedRefundEvents(env, connectHttp(databaseSettings(env)), new Date())),
  ],
  "*/15 * * * *": [refreshSummaries, reconcile],
  "0 3 * * *": [refreshSummaries, refreshMinuteSummaries("full"), dropStaleAccountLimits, async (env) => void (await pruneOutbox(env, new Date()))],
};

export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  const jobs = schedules[controller.cron];
  if (!jobs) {
    console.warn(JSON.stringify({ level: "warn", where: "cron", error: `no jobs for schedule ${controller.cron}` }));
    return;
  }
  // Jobs are independent: one failing must not starve the others.
  const results = await Promise.allSettled(jobs.map((job) => job(env)));
  for (const result of results) {
    if (result.status === "rejected") {
      console.error(JSON.stringify({ level: "error", where: "cron", cron: controller.cron, error: String(result.reason) }));
    }
  }
}
