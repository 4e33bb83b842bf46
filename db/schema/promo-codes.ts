/**
 * Promo codes and the orders that redeemed them (workers/domain/promo-codes.ts). The uses that count
 * against `max_uses` are counted in TierInventory (workers/domain/promo-redemption.ts); these rows
 * are the code's definition and the ledger of what each redemption sold.
 */
import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { at, createdAt, id, updatedAt } from "./columns";
import { events, ticketTiers } from "./catalog";
import { orders } from "./orders";

export const promoCodes = pgTable(
  "promo_codes",
  {
    id: id(),
    eventId: uuid("event_id").notNull().references(() => events.id),
    /** Upper case; matched without regard to case. */
    code: text("code").notNull(),
    percentOff: integer("percent_off"),
    /** Per ticket, in the event's currency's minor units. */
    amountOff: bigint("amount_off", { mode: "number" }),
    maxUses: integer("max_uses").notNull(),
    validFrom: at("valid_from"),
    validUntil: at("valid_until"),
    /** Null: every tier of the event. */
    tierIds: uuid("tier_ids").array(),
    unlocksTierId: uuid("unlocks_tier_id").references(() => ticketTiers.id),
    reserves: integer("reserves").notNull().default(0),
    /** The tier whose TierInventory counts the uses. */
    countingTierId: uuid("counting_tier_id").notNull().references(() => ticketTiers.id),
    /** Codes made together by one bulk request share it (the CSV export of a batch). */
    batchId: uuid("batch_id"),
    cancelledAt: at("cancelled_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("promo_codes_event_code_key").on(t.eventId, t.code),
    index("promo_codes_unlocks_idx").on(t.unlocksTierId).where(sql`${t.unlocksTierId} IS NOT NULL`),
    check("promo_codes_one_discount", sql`(${t.percentOff} IS NULL) <> (${t.amountOff} IS NULL)`),
    check("promo_codes_percent_range", sql`${t.percentOff} IS NULL OR ${t.percentOff} BETWEEN 0 AND 100`),
    check("promo_codes_amount_positive", sql`${t.amountOff} IS NULL OR ${t.amountOff} >= 0`),
    check("promo_codes_max_uses_positive", sql`${t.maxUses} >= 1`),
    check("promo_codes_reserves_range", sql`${t.reserves} >= 0`),
    check("promo_codes_window", sql`${t.validFrom} IS NULL OR ${t.validUntil} IS NULL OR ${t.validFrom} < ${t.validUntil}`),
  ],
);

/** One row per order that used a code: what it took off, for revenue by code. */
export const promoRedemptions = pgTable(
  "promo_redemptions",
  {
    orderId: uuid("order_id").primaryKey().references(() => orders.id),
    promoCodeId: uuid("promo_code_id").notNull().references(() => promoCodes.id),
    /** The use is counted apart from the hold (workers/use-cases/promo-claims.ts) when this differs from the order's tier. */
    countingTierId: uuid("counting_tier_id").notNull(),
    /** Minor units taken off each ticket. */
    unitDiscount: bigint("unit_discount", { mode: "number" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("promo_redemptions_code_idx").on(t.promoCodeId)],
);
