/** Summaries refreshed by cron, and reconciliation findings. */
import { sql } from "drizzle-orm";
import { bigint, date, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { id, at } from "./columns";
import { events, ticketTiers } from "./catalog";

export const salesDaily = pgTable(
  "sales_daily",
  {
    eventId: uuid("event_id").notNull().references(() => events.id, { onDelete: "cascade" }),
    tierId: uuid("tier_id").notNull().references(() => ticketTiers.id, { onDelete: "cascade" }),
    day: date("day", { mode: "string" }).notNull(),
    ticketsSold: integer("tickets_sold").notNull().default(0),
    grossAmount: bigint("gross_amount", { mode: "number" }).notNull().default(0),
    refundedAmount: bigint("refunded_amount", { mode: "number" }).notNull().default(0),
    refreshedAt: at("refreshed_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.tierId, t.day] })],
);

export const checkinsHourly = pgTable(
  "checkins_hourly",
  {
    eventId: uuid("event_id").notNull().references(() => events.id, { onDelete: "cascade" }),
    hour: at("hour").notNull(),
    admitted: integer("admitted").notNull().default(0),
    rejected: integer("rejected").notNull().default(0),
    refreshedAt: at("refreshed_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.hour] })],
);

/**
 * Per event, tier and UTC minute: what was sold (by confirmation time) and refunded (by refund time).
 * Refreshed every minute for the recent buckets and rebuilt whole nightly; reports cut hours and days
 * from these minutes in the event's own time zone (every zone's offset is a whole number of minutes).
 */
export const salesMinutely = pgTable(
  "sales_minutely",
  {
    eventId: uuid("event_id").notNull().references(() => events.id, { onDelete: "cascade" }),
    tierId: uuid("tier_id").notNull().references(() => ticketTiers.id, { onDelete: "cascade" }),
    minute: at("minute").notNull(),
    ticketsSold: integer("tickets_sold").notNull().default(0),
    grossAmount: bigint("gross_amount", { mode: "number" }).notNull().default(0),
    refundedAmount: bigint("refunded_amount", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.minute, t.tierId] })],
);

/** Per event and UTC minute of the scan: admits, undos of admits, refusals and offline conflicts. */
export const checkinsMinutely = pgTable(
  "checkins_minutely",
  {
    eventId: uuid("event_id").notNull().references(() => events.id, { onDelete: "cascade" }),
    minute: at("minute").notNull(),
    admitted: integer("admitted").notNull().default(0),
    undone: integer("undone").notNull().default(0),
    rejected: integer("rejected").notNull().default(0),
    conflicts: integer("conflicts").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.minute] })],
);

/**
 * When each summary was last refreshed (the refresh statement's start): reports read the summary for
 * the minutes before it and the ledger from its minute on, so a report is never behind.
 */
export const summaryRefreshes = pgTable("summary_refreshes", {
  summary: text("summary").primaryKey(),
  refreshedAt: at("refreshed_at").notNull(),
  rebuiltAt: at("rebuilt_at"),
});

export const reconciliationKind = pgEnum("reconciliation_kind", ["inventory_ahead", "ledger_ahead"]);

/**
 * What the reconciliation cron found: one open row per tier and kind while the disagreement lasts
 * (`runs` counts the consecutive runs that saw it), closed with `resolved_at` once a run finds the
 * tier in agreement again.
 */
export const reconciliationFindings = pgTable(
  "reconciliation_findings",
  {
    id: id(),
    eventId: uuid("event_id").notNull().references(() => events.id, { onDelete: "cascade" }),
    tierId: uuid("tier_id").notNull().references(() => ticketTiers.id, { onDelete: "cascade" }),
    kind: reconciliationKind("kind").notNull(),
    /** `{inventory_sold, ledger_tickets}` as last seen. */
    detail: jsonb("detail").$type<{ inventory_sold: number; ledger_tickets: number }>().notNull(),
    runs: integer("runs").notNull().default(1),
    foundAt: at("found_at").notNull().defaultNow(),
    lastSeenAt: at("last_seen_at").notNull().defaultNow(),
    resolvedAt: at("resolved_at"),
  },
  (t) => [
    uniqueIndex("reconciliation_findings_one_open").on(t.tierId, t.kind).where(sql`${t.resolvedAt} IS NULL`),
    index("reconciliation_findings_event_idx").on(t.eventId, t.foundAt),
  ],
);
