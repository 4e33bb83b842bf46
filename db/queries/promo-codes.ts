/** Reads and writes of promo codes and their redemptions (db/schema/promo-codes.ts). */
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { promoCodes, promoRedemptions } from "../schema";
import type { PromoCode } from "../../workers/domain/promo-codes";

export type PromoCodeRow = typeof promoCodes.$inferSelect;
export type PromoCodeInsert = typeof promoCodes.$inferInsert;

export function promoCodeOf(row: PromoCodeRow): PromoCode {
  return {
    id: row.id,
    eventId: row.eventId,
    code: row.code,
    percentOff: row.percentOff,
    amountOff: row.amountOff,
    maxUses: row.maxUses,
    validFrom: row.validFrom?.getTime() ?? null,
    validUntil: row.validUntil?.getTime() ?? null,
    tierIds: row.tierIds,
    unlocksTierId: row.unlocksTierId,
    reserves: row.reserves,
    countingTierId: row.countingTierId,
    cancelled: row.cancelledAt !== null,
  };
}

/** Inserts the codes; a code the event already has is skipped. Returns the rows written. */
export async function insertPromoCodes(db: HttpDatabase, rows: PromoCodeInsert[]): Promise<PromoCodeRow[]> {
  if (rows.length === 0) return [];
  return db.insert(promoCodes).values(rows).onConflictDoNothing({ target: [promoCodes.eventId, promoCodes.code] }).returning();
}

export async function findPromoCode(db: HttpDatabase, eventId: string, code: string): Promise<PromoCodeRow | undefined> {
  const [row] = await db.select().from(promoCodes).where(and(eq(promoCodes.eventId, eventId), eq(promoCodes.code, code))).limit(1);
  return row;
}

export async function findPromoCodeById(db: HttpDatabase, eventId: string, id: string): Promise<PromoCodeRow | undefined> {
  const [row] = await db.select().from(promoCodes).where(and(eq(promoCodes.eventId, eventId), eq(promoCodes.id, id))).limit(1);
  return row;
}

/** Tiers of the event that a live code unlocks: hidden from everyone without such a code. */
export async function hiddenTierIds(db: HttpDatabase, eventId: string): Promise<Set<string>> {
  const rows = await db
    .selectDistinct({ tierId: promoCodes.unlocksTierId })
    .from(promoCodes)
    .where(and(eq(promoCodes.eventId, eventId), isNull(promoCodes.cancelledAt), sql`${promoCodes.unlocksTierId} IS NOT NULL`));
  return new Set(rows.map((r) => r.tierId!));
}

export async function cancelPromoCode(db: HttpDatabase, eventId: string, id: string, now: Date): Promise<PromoCodeRow | undefined> {
  const [row] = await db
    .update(promoCodes)
    .set({ cancelledAt: sql`coalesce(${promoCodes.cancelledAt}, ${now.toISOString()}::timestamptz)`, updatedAt: now })
    .where(and(eq(promoCodes.eventId, eventId), eq(promoCodes.id, id)))
    .returning();
  return row;
}

export async function insertRedemption(db: HttpDatabase, row: typeof promoRedemptions.$inferInsert): Promise<void> {
  await db.insert(promoRedemptions).values(row).onConflictDoNothing();
}

export async function redemptionOfOrder(db: HttpDatabase, orderId: string) {
  const [row] = await db.select().from(promoRedemptions).where(eq(promoRedemptions.orderId, orderId)).limit(1);
  return row;
}

export interface PromoCodeReportRow {
  id: string;
  code: string;
  /** Paid orders that used the code. */
  orders: number;
  tickets: number;
  /** What those orders were charged, and what the code took off them. */
  revenue: number;
  discount: number;
  refunded: number;
}

/** Every code of the event (optionally one batch) with what it sold, oldest first. */
export async function promoCodesWithSales(db: HttpDatabase, eventId: string, batchId?: string): Promise<(PromoCodeRow & { sales: PromoCodeReportRow })[]> {
  const rows = await db
    .select({
      code: promoCodes,
      orders: sql<number>`count(o.id)::int`,
      tickets: sql<number>`coalesce(sum(o.quantity), 0)::int`,
      revenue: sql<number>`coalesce(sum(o.amount), 0)::bigint`,
      discount: sql<number>`coalesce(sum(r.unit_discount * o.quantity), 0)::bigint`,
      refunded: sql<number>`coalesce(sum((SELECT sum(f.amount) FROM refunds f WHERE f.order_id = o.id AND f.status = 'succeeded')), 0)::bigint`,
    })
    .from(promoCodes)
    .leftJoin(sql`promo_redemptions r`, sql`r.promo_code_id = ${promoCodes.id}`)
    .leftJoin(sql`orders o`, sql`o.id = r.order_id AND o.status IN ('confirmed', 'partially_refunded', 'refunded')`)
    .where(and(eq(promoCodes.eventId, eventId), batchId ? eq(promoCodes.batchId, batchId) : undefined))
    .groupBy(promoCodes.id)
    .orderBy(asc(promoCodes.createdAt), asc(promoCodes.code));
  return rows.map((r) => ({
    ...r.code,
    sales: { id: r.code.id, code: r.code.code, orders: r.orders, tickets: r.tickets, revenue: Number(r.revenue), discount: Number(r.discount), refunded: Number(r.refunded) },
  }));
}
