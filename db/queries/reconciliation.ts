/**
 * The ledger's side of reconciliation: `ticket_tiers.sold_count` recounted from the live tickets,
 * and the figures the cron compares with each tier's TierInventory.
 */
import { sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";

export type TierLedgerCount = {
  tier_id: string;
  event_id: string;
  capacity: number;
  sold_count: number;
  valid_tickets: number;
};

/**
 * Tiers of events still selling or just past (ended less than a day ago), with their sold_count and
 * the number of valid tickets the ledger holds for them; with `eventIds`, only those events' tiers.
 */
export async function tiersToReconcile(db: HttpDatabase, now: Date, eventIds?: string[]): Promise<TierLedgerCount[]> {
  const result = await db.execute<TierLedgerCount>(sql`
    SELECT t.id AS tier_id, t.event_id, t.capacity, t.sold_count,
           (SELECT count(*)::int FROM tickets k WHERE k.tier_id = t.id AND k.status = 'valid') AS valid_tickets
    FROM ticket_tiers t JOIN events e ON e.id = t.event_id
    WHERE e.status IN ('published', 'cancelled') AND e.ends_at > ${new Date(now.getTime() - 86_400_000).toISOString()}
      ${eventIds ? sql`AND e.id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(eventIds)}::jsonb))` : sql``}
    ORDER BY t.id`);
  return result.rows;
}

/**
 * Sets sold_count to the valid tickets of the tier. Guarded by the value read, so a confirmation or
 * refund that moved the counter in between is not overwritten with a stale figure.
 */
export async function setSoldCount(db: HttpDatabase, tierId: string, from: number, to: number): Promise<boolean> {
  const result = await db.execute(sql`UPDATE ticket_tiers SET sold_count = ${to} WHERE id = ${tierId} AND sold_count = ${from}`);
  return (result.rowCount ?? 0) > 0;
}

export type FindingKind = "inventory_ahead" | "ledger_ahead";
export type FindingDetail = { inventory_sold: number; ledger_tickets: number };
export type CurrentFinding = { event_id: string; tier_id: string; kind: FindingKind; detail: FindingDetail };

/**
 * Records one reconciliation run: every disagreement found opens a finding for its tier and kind, or
 * is counted on the one already open; an open finding of a tier this run checked and found in
 * agreement is resolved. Tiers the run did not look at keep their findings as they are.
 */
export async function recordFindings(db: HttpDatabase, checkedTierIds: string[], found: CurrentFinding[]): Promise<void> {
  await db.execute(sql`
    WITH found AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(found)}::jsonb)
        AS f(event_id uuid, tier_id uuid, kind reconciliation_kind, detail jsonb)
    ),
    resolved AS (
      UPDATE reconciliation_findings r SET resolved_at = now()
      WHERE r.resolved_at IS NULL
        AND r.tier_id IN (SELECT value::uuid FROM jsonb_array_elements_text(${JSON.stringify(checkedTierIds)}::jsonb))
        AND NOT EXISTS (SELECT 1 FROM found f WHERE f.tier_id = r.tier_id AND f.kind = r.kind)
      RETURNING 1
    )
    INSERT INTO reconciliation_findings AS r (event_id, tier_id, kind, detail)
    SELECT event_id, tier_id, kind, detail FROM found
    ON CONFLICT (tier_id, kind) WHERE resolved_at IS NULL DO UPDATE
      SET detail = excluded.detail, runs = r.runs + 1, last_seen_at = now()`);
}

export type FindingRow = {
  finding_id: string;
  tier_id: string;
  tier_name: string;
  kind: FindingKind;
  detail: FindingDetail;
  runs: number;
  found_at: string;
  last_seen_at: string;
};

/**
 * The event's open findings worth showing: a ledger ahead of its inventory at once (never expected),
 * an inventory ahead of the ledger only once two runs in a row saw it (a confirmation in flight is
 * sold in TierInventory a moment before its tickets commit).
 */
export async function openFindingsOfEvent(db: HttpDatabase, eventId: string): Promise<FindingRow[]> {
  const result = await db.execute<FindingRow>(sql`
    SELECT r.id AS finding_id, r.tier_id, t.name AS tier_name, r.kind, r.detail, r.runs,
           to_char(r.found_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS found_at,
           to_char(r.last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_seen_at
    FROM reconciliation_findings r JOIN ticket_tiers t ON t.id = r.tier_id
    WHERE r.event_id = ${eventId} AND r.resolved_at IS NULL AND (r.kind = 'ledger_ahead' OR r.runs >= 2)
    ORDER BY t.position, r.kind`);
  return result.rows;
}
