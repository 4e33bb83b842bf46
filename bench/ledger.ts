/**
 * The bench's ledger: did both designs do the whole saga, and did money move only as it should?
 * Per design (tier): sold_count, orders by status, valid tickets, the charges the orders record, and
 * the refunds Stripe holds for those charges; plus every refund the emulator made for an intent no
 * order records (a stray charge pay or the webhook gave back). A purchase bench refunds nothing, so
 * any refund is a figure to explain: a charge wrongly given back would otherwise pass unseen, since
 * charges alone count the intents an order records.
 */
import type pg from "pg";

export interface LedgerRow {
  design: string;
  sold_count: number;
  confirmed: number;
  pending: number;
  other: number;
  tickets: number;
  charges: number;
  refunds: number;
}

interface StripeRefund {
  id: string;
  payment_intent: string | null;
  amount: number;
}

/** Every refund at the emulator, page by page. */
async function stripeRefunds(stripeUrl: string, secretKey: string): Promise<StripeRefund[]> {
  const all: StripeRefund[] = [];
  let after: string | undefined;
  for (;;) {
    const response = await fetch(`${stripeUrl}/v1/refunds?limit=100${after ? `&starting_after=${after}` : ""}`, { headers: { Authorization: `Bearer ${secretKey}` } });
    if (!response.ok) throw new Error(`listing the emulator's refunds: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as { data: StripeRefund[]; has_more: boolean };
    all.push(...page.data);
    if (!page.has_more || page.data.length === 0) return all;
    after = page.data.at(-1)!.id;
  }
}

export async function readLedger(
  db: pg.Client,
  tiers: { real: string; classic: string },
  stripe: { url: string; secretKey: string },
): Promise<{ rows: LedgerRow[]; strayRefunds: number }> {
  const { rows } = await db.query<Omit<LedgerRow, "refunds"> & { intents: string[] | null }>(
    `SELECT t.id::text AS design, t.sold_count,
            count(*) FILTER (WHERE o.status = 'confirmed')::int AS confirmed,
            count(*) FILTER (WHERE o.status = 'pending')::int AS pending,
            count(*) FILTER (WHERE o.status NOT IN ('confirmed', 'pending'))::int AS other,
            (SELECT count(*)::int FROM tickets k WHERE k.tier_id = t.id AND k.status = 'valid') AS tickets,
            (SELECT count(DISTINCT p.provider_payment_id)::int FROM payments p JOIN orders x ON x.id = p.order_id WHERE x.tier_id = t.id AND p.status = 'succeeded') AS charges,
            (SELECT array_agg(p.provider_payment_id) FROM payments p JOIN orders x ON x.id = p.order_id WHERE x.tier_id = t.id AND p.provider_payment_id IS NOT NULL) AS intents
     FROM ticket_tiers t LEFT JOIN orders o ON o.tier_id = t.id
     WHERE t.id = ANY($1::uuid[]) GROUP BY t.id, t.sold_count`,
    [[tiers.real, tiers.classic]],
  );
  const refunds = await stripeRefunds(stripe.url, stripe.secretKey);
  const recorded = new Set<string>();
  const ledger = rows.map(({ intents, ...row }) => {
    const mine = new Set(intents ?? []);
    for (const intent of mine) recorded.add(intent);
    return { ...row, design: row.design === tiers.real ? "real" : "classic", refunds: refunds.filter((r) => r.payment_intent !== null && mine.has(r.payment_intent)).length };
  });
  return { rows: ledger, strayRefunds: refunds.filter((r) => r.payment_intent === null || !recorded.has(r.payment_intent)).length };
}
