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
import { recordFindings, setSoldCount, tiersToReconcile, type CurrentFinding } from "../../db/queries/reconciliation";
import { inventoryOf } from "../inventory-client";

export interface ReconciliationReport {
  tiers: number;
  recounted: number;
  /** Tiers where TierInventory has sold more units than the ledger has valid tickets. */
  inventory_ahead: { tier_id: string; inventory_sold: number; ledger_tickets: number }[];
  /** Tiers where the ledger has more valid tickets than TierInventory sold: never expected. */
  ledger_ahead: { tier_id: string; inventory_sold: number; ledger_tickets: number }[];
}

export async function reconcileInventory(env: Env, db: HttpDatabase, now: Date): Promise<ReconciliationReport> {
  const tiers = await tiersToReconcile(db, now);
  const report: ReconciliationReport = { tiers: tiers.length, recounted: 0, inventory_ahead: [], ledger_ahead: [] };
  const compared: string[] = [];
  const findings: CurrentFinding[] = [];
  for (const tier of tiers) {
    if (tier.sold_count !== tier.valid_tickets && (await setSoldCount(db, tier.tier_id, tier.sold_count, tier.valid_tickets))) report.recounted++;
    const live = await inventoryOf(env, tier.tier_id).snapshot();
    if (!live.configured) continue; // never sold through this tier yet
    compared.push(tier.tier_id);
    const figures = { tier_id: tier.tier_id, inventory_sold: live.sold, ledger_tickets: tier.valid_tickets };
    const kind = live.sold > tier.valid_tickets ? "inventory_ahead" : live.sold < tier.valid_tickets ? "ledger_ahead" : undefined;
    if (!kind) continue;
    report[kind].push(figures);
    findings.push({ event_id: tier.event_id, tier_id: tier.tier_id, kind, detail: { inventory_sold: live.sold, ledger_tickets: tier.valid_tickets } });
  }
  await recordFindings(db, compared, findings);
  return report;
}
