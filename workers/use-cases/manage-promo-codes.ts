/**
 * The organizer's promo codes: create one (a code of their own) or many at once (generated), list
 * them with what each sold, export them as CSV, withdraw one. A code that keeps units for its
 * holders reserves them in its tier's TierInventory before it is written, so a reservation the tier
 * cannot give is refused rather than promised.
 */
import type { HttpDatabase } from "../../db/client";
import type { EventRow } from "../../db/queries/catalog";
import { listTiersOfEvents } from "../../db/queries/catalog";
import { cancelPromoCode, findPromoCodeById, insertPromoCodes, promoCodesWithSales, type PromoCodeInsert, type PromoCodeRow } from "../../db/queries/promo-codes";
import { toCsv } from "../csv";
import { countingTierOf, generatedCode, normalizeCode } from "../domain/promo-codes";
import { ApiError, validationFailed } from "../errors";
import { configureInventory, inventoryOf } from "../inventory-client";

export interface PromoCodeInput {
  code?: string;
  count?: number;
  prefix?: string;
  percent_off?: number;
  amount_off?: number;
  max_uses: number;
  valid_from?: Date;
  valid_until?: Date;
  tier_ids?: string[];
  unlocks_tier_id?: string;
  reserves?: number;
}

export function presentPromoCode(row: PromoCodeRow, sales?: { orders: number; tickets: number; revenue: number; discount: number; refunded: number }) {
  return {
    promo_code_id: row.id,
    code: row.code,
    percent_off: row.percentOff,
    amount_off: row.amountOff,
    max_uses: row.maxUses,
    valid_from: row.validFrom?.toISOString() ?? null,
    valid_until: row.validUntil?.toISOString() ?? null,
    tier_ids: row.tierIds,
    unlocks_tier_id: row.unlocksTierId,
    reserves: row.reserves,
    batch_id: row.batchId,
    status: row.cancelledAt ? "cancelled" : "active",
    ...(sales ? { orders: sales.orders, tickets: sales.tickets, revenue: sales.revenue, discount: sales.discount, refunded: sales.refunded } : {}),
  };
}

export async function createPromoCodes(env: Env, db: HttpDatabase, event: EventRow, input: PromoCodeInput) {
  const tiers = await listTiersOfEvents(db, [event.id]);
  const known = new Set(tiers.map((t) => t.id));
  const problems = [
    ...(input.tier_ids ?? []).filter((id) => !known.has(id)).map(() => ({ field: "tier_ids", message: "Every tier must be one of this event's tiers." })),
    ...(input.unlocks_tier_id && !known.has(input.unlocks_tier_id) ? [{ field: "unlocks_tier_id", message: "This event has no tier with this id." }] : []),
  ];
  if (problems.length > 0) throw validationFailed(problems);
  const tierIds = input.tier_ids ? [...new Set(input.tier_ids)] : null;
  const unlocks = input.unlocks_tier_id ?? null;
  const countingTierId = countingTierOf(tierIds, unlocks, tiers.map((t) => t.id));
  if (!countingTierId) throw validationFailed([{ field: "tier_ids", message: "This event has no tiers for a code to apply to." }]);
  const reserves = input.reserves ?? 0;
  if (reserves > 0) {
    const own = new Set([...(tierIds ?? []), ...(unlocks ? [unlocks] : [])]);
    if (own.size !== 1) throw validationFailed([{ field: "reserves", message: "A code that keeps units applies to exactly one tier: name it in tier_ids or unlocks_tier_id." }]);
    if (tiers.find((t) => t.id === countingTierId)?.kind === "seated") throw validationFailed([{ field: "reserves", message: "Units can be kept in a general-admission tier only." }]);
    if ((input.count ?? 1) > 1) throw validationFailed([{ field: "reserves", message: "Only a single code can keep units; make one code with enough uses." }]);
  }

  const batchId = crypto.randomUUID();
  const wanted = input.code ? 1 : (input.count ?? 1);
  const rows: PromoCodeInsert[] = [];
  const prefix = normalizeCode(input.prefix ?? "");
  for (let i = 0; i < wanted; i++) {
    rows.push({
      id: crypto.randomUUID(),
      eventId: event.id,
      code: input.code ? normalizeCode(input.code) : generatedCode(prefix, crypto.getRandomValues(new Uint8Array(8))),
      percentOff: input.percent_off ?? null,
      amountOff: input.percent_off === undefined ? (input.amount_off ?? 0) : null,
      maxUses: input.max_uses,
      validFrom: input.valid_from ?? null,
      validUntil: input.valid_until ?? null,
      tierIds,
      unlocksTierId: unlocks,
      reserves,
      countingTierId,
      batchId,
    });
  }
  if (reserves > 0) await reserveUnits(env, db, event.id, countingTierId, rows[0]!.id!, reserves);
  let written = await insertPromoCodes(db, rows);
  if (input.code && written.length === 0) {
    if (reserves > 0) await inventoryOf(env, countingTierId).reservePromoUnits(rows[0]!.id!, 0);
    throw new ApiError("CONFLICT", "This event already has a promo code with this text.", { code: rows[0]!.code });
  }
  // A generated code that collided with one already there is drawn again (rare: 31^8 codes).
  for (let attempt = 0; written.length < wanted && attempt < 3; attempt++) {
    const taken = new Set(written.map((r) => r.id));
    const retry = rows.filter((r) => !taken.has(r.id!)).map((r) => ({ ...r, code: generatedCode(prefix, crypto.getRandomValues(new Uint8Array(8))) }));
    written = [...written, ...(await insertPromoCodes(db, retry))];
  }
  return { batch_id: batchId, promo_codes: written.map((r) => presentPromoCode(r)) };
}

async function reserveUnits(env: Env, db: HttpDatabase, eventId: string, tierId: string, codeId: string, units: number): Promise<void> {
  let outcome = await inventoryOf(env, tierId).reservePromoUnits(codeId, units);
  if (!outcome.ok && outcome.code === "not_configured") {
    await configureInventory(env, db, eventId, tierId);
    outcome = await inventoryOf(env, tierId).reservePromoUnits(codeId, units);
  }
  if (outcome.ok) return;
  if (outcome.code === "insufficient") {
    throw new ApiError("CONFLICT", `This tier can keep at most ${outcome.available} more units now.`, { available: outcome.available });
  }
  throw validationFailed([{ field: "reserves", message: "Units can be kept in a general-admission tier only." }]);
}

export async function listPromoCodes(db: HttpDatabase, eventId: string, batchId?: string) {
  return (await promoCodesWithSales(db, eventId, batchId)).map((r) => presentPromoCode(r, r.sales));
}

const CSV_COLUMNS = ["code", "status", "percent_off", "amount_off", "max_uses", "valid_from", "valid_until", "tier_ids", "unlocks_tier_id", "reserves", "orders", "tickets", "revenue", "discount", "refunded", "batch_id"] as const;

export async function promoCodesCsv(db: HttpDatabase, eventId: string, batchId?: string): Promise<string> {
  const rows = (await listPromoCodes(db, eventId, batchId)).map((r) => ({ ...r, tier_ids: r.tier_ids?.join(" ") ?? "" }));
  return toCsv([...CSV_COLUMNS], rows);
}

/** Withdraws a code: it redeems nothing more, and the units it kept go back on sale. */
export async function withdrawPromoCode(env: Env, db: HttpDatabase, eventId: string, id: string, now: Date) {
  const existing = await findPromoCodeById(db, eventId, id);
  if (!existing) throw new ApiError("NOT_FOUND", "This event has no promo code with this id.");
  const row = (await cancelPromoCode(db, eventId, id, now))!;
  if (row.reserves > 0) await inventoryOf(env, row.countingTierId).reservePromoUnits(row.id, 0);
  return presentPromoCode(row);
}

/** Revenue by code: what the orders that used each code were charged, refunded and given off. */
export async function promoCodeReport(db: HttpDatabase, event: EventRow) {
  const rows = (await promoCodesWithSales(db, event.id)).map((r) => ({ ...r.sales, net: r.sales.revenue - r.sales.refunded }));
  const sum = (k: "orders" | "tickets" | "revenue" | "discount" | "refunded" | "net") => rows.reduce((s, r) => s + r[k], 0);
  return {
    event_id: event.id,
    currency: event.currency,
    rows: rows.map(({ id, ...r }) => ({ promo_code_id: id, ...r })),
    totals: { orders: sum("orders"), tickets: sum("tickets"), revenue: sum("revenue"), discount: sum("discount"), refunded: sum("refunded"), net: sum("net") },
  };
}
