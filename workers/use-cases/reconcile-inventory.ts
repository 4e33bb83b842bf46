/**
 * Reconciliation (cron): TierInventory is the truth for holds and sales while a tier sells, the
 * ledger is the truth for money and tickets. This job recounts `ticket_tiers.sold_count` from the
 * valid tickets (the counter is moved after each confirmation commits, so a lost statement is
 * repaired here) and reports every tier whose TierInventory sold figure disagrees with the ledger.
 *
 * It repairs only what the ledger can prove. A TierInventory that sold fewer units than the ledger
 * has tickets for is never "fixed" by pushing units into it: that is an incident, logged as an error
 * for a person to look at. A small surplus in TierInventory is normal while confirmations are in
 * flight (the unit is sold before its tickets commit) and is reported as a warning only when it
 * persists from one run to the next.
 *
 * Every run is also recorded as findings (`reconciliation_findings`), so the organizer's dashboard
 * can say on the event that its figures disagree, and stops saying so once a run finds them agreeing.
 */
import type { HttpDatabase } from "../../db/client";
import { recordFindings, setSoldCount, tiersToReconcile, type CurrentFinding, type TierLedgerCount } from "../../db/queries/reconciliation";
import { inventoryOf } from "../inventory-client";

export interface ReconciliationReport {
  tiers: number;
  recounted: number;
  /** Tiers where TierInventory has sold more units than the ledger has valid tickets. */
  inventory_ahead: { tier_id: string; inventory_sold: number; ledger_tickets: number }[];
  /** Tiers where the ledger has more valid tickets than TierInventory sold: never expected. */
  ledger_ahead: { tier_id: string; inventory_sold: number; ledger_tickets: number }[];
}

/** Tiers compared at once: each is a TierInventory call and perhaps a counter update. */
const AT_ONCE = 8;

/**
 * One run. The cron looks at every tier still worth checking; `eventIds` narrows a run to those
 * events' tiers (a test of one event need not visit every other event's TierInventory).
 */
export async function reconcileInventory(env: Env, db: HttpDatabase, now: Date, options: { eventIds?: string[] } = {}): Promise<ReconciliationReport> {
  const tiers = await tiersToReconcile(db, now, options.eventIds);
  const report: ReconciliationReport = { tiers: tiers.length, recounted: 0, inventory_ahead: [], ledger_ahead: [] };
  const compared: string[] = [];
  const findings: CurrentFinding[] = [];
  for (let start = 0; start < tiers.length; start += AT_ONCE) {
    const batch = tiers.slice(start, start + AT_ONCE);
    const checked = await Promise.all(batch.map((tier) => checkTier(env, db, tier)));
    // In the tiers' order, as one tier at a time would have reported them.
    for (const [i, outcome] of checked.entries()) {
      const tier = batch[i]!;
      if (outcome.recounted) report.recounted++;
      if (outcome.liveSold === undefined) continue; // never sold through this tier yet
      compared.push(tier.tier_id);
      const figures = { tier_id: tier.tier_id, inventory_sold: outcome.liveSold, ledger_tickets: tier.valid_tickets };
      const kind = outcome.liveSold > tier.valid_tickets ? "inventory_ahead" : outcome.liveSold < tier.valid_tickets ? "ledger_ahead" : undefined;
      if (!kind) continue;
      report[kind].push(figures);
      findings.push({ event_id: tier.event_id, tier_id: tier.tier_id, kind, detail: { inventory_sold: outcome.liveSold, ledger_tickets: tier.valid_tickets } });
    }
  }
  await recordFindings(db, compared, findings);
  return report;
}

/** Recounts the tier's sold_count from its tickets and reads what its TierInventory sold (undefined: not configured). */
async function checkTier(env: Env, db: HttpDatabase, tier: TierLedgerCount): Promise<{ recounted: boolean; liveSold: number | undefined }> {
  const [recounted, live] = await Promise.all([
    tier.sold_count !== tier.valid_tickets ? setSoldCount(db, tier.tier_id, tier.sold_count, tier.valid_tickets) : false,
    inventoryOf(env, tier.tier_id).snapshot(),
  ]);
  return { recounted, liveSold: live.configured ? live.sold : undefined };
}
