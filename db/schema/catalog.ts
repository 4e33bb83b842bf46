/** The catalog: events, their signing keys, ticket tiers and seats. */
import { sql } from "drizzle-orm";
import { bigint, boolean, char, check, index, integer, jsonb, pgTable, real, text, unique, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { tsvector, id, createdAt, updatedAt, at } from "./columns";
import { eventStatus, tierKind, signingKeyStatus } from "./enums";
import { organizers } from "./access";
import { organizations } from "./organizations";

export const events = pgTable(
  "events",
  {
    id: id(),
    /** Who created the event; the organization owns it. */
    organizerId: uuid("organizer_id").notNull().references(() => organizers.id),
    organizationId: uuid("organization_id").notNull().references(() => organizations.id),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    category: text("category").notNull(),
    venueName: text("venue_name").notNull(),
    venueCity: text("venue_city").notNull(),
    venueAddress: text("venue_address").notNull().default(""),
    startsAt: at("starts_at").notNull(),
    endsAt: at("ends_at").notNull(),
    timezone: text("timezone").notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    salesStartAt: at("sales_start_at"),
    salesEndAt: at("sales_end_at"),
    holdMinutes: integer("hold_minutes").notNull().default(10),
    /** `{schedule: [{until_hours_before_start, percent}]}` as API.md gives it. */
    refundPolicy: jsonb("refund_policy").$type<{ schedule: { until_hours_before_start: number; percent: number }[] }>().notNull().default({ schedule: [] }),
    /** `{enabled, opens_minutes_before, admit_per_minute, max_active_shoppers, session_minutes}`. */
    waitingRoom: jsonb("waiting_room")
      .$type<{ enabled: boolean; opens_minutes_before?: number; admit_per_minute?: number; max_active_shoppers?: number; session_minutes?: number }>()
      .notNull().default({ enabled: false }),
    /** `{enabled, offer_minutes}`. */
    waitlist: jsonb("waitlist").$type<{ enabled: boolean; offer_minutes: number }>().notNull().default({ enabled: false, offer_minutes: 30 }),
    /** `{max_held_per_buyer, max_held_per_ip}`: units one buyer (email) or one client address may hold at once. */
    purchaseLimits: jsonb("purchase_limits").notNull().default({ max_held_per_buyer: 10, max_held_per_ip: 30 }),
    /** Tickets scan as valid from `starts_at` minus this many minutes (before: `not_yet_valid`). */
    doorsOpenMinutesBefore: integer("doors_open_minutes_before").notNull().default(360),
    status: eventStatus("status").notNull().default("draft"),
    publishedAt: at("published_at"),
    cancelledAt: at("cancelled_at"),
    search: tsvector("search")
      .notNull()
      .generatedAlwaysAs(
        sql`setweight(to_tsvector('english', coalesce(title, '')), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B') || setweight(to_tsvector('english', coalesce(venue_name, '') || ' ' || coalesce(venue_city, '') || ' ' || coalesce(venue_address, '')), 'C')`,
      ),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("events_search_idx").using("gin", t.search),
    index("events_listing_idx").on(t.status, t.startsAt, t.id),
    index("events_organizer_idx").on(t.organizerId),
    index("events_organization_idx").on(t.organizationId),
    check("events_ends_after_start", sql`${t.endsAt} > ${t.startsAt}`),
    check("events_hold_minutes_range", sql`${t.holdMinutes} BETWEEN 1 AND 60`),
    check("events_currency_upper", sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check("events_doors_open_range", sql`${t.doorsOpenMinutesBefore} BETWEEN 0 AND 10080`),
  ],
);

/** Per-event ES256 keys; private halves encrypted under the signing master secret. */
export const eventSigningKeys = pgTable(
  "event_signing_keys",
  {
    kid: text("kid").primaryKey(),
    eventId: uuid("event_id").notNull().references(() => events.id, { onDelete: "cascade" }),
    publicJwk: jsonb("public_jwk").notNull(),
    privateJwkEncrypted: text("private_jwk_encrypted").notNull(),
    status: signingKeyStatus("status").notNull().default("current"),
    createdAt: createdAt(),
  },
  (t) => [
    index("event_signing_keys_event_idx").on(t.eventId),
    uniqueIndex("event_signing_keys_one_current").on(t.eventId).where(sql`${t.status} = 'current'`),
  ],
);

export const ticketTiers = pgTable(
  "ticket_tiers",
  {
    id: id(),
    eventId: uuid("event_id").notNull().references(() => events.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: tierKind("kind").notNull(),
    price: bigint("price", { mode: "number" }).notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    capacity: integer("capacity").notNull(),
    soldCount: integer("sold_count").notNull().default(0),
    maxPerOrder: integer("max_per_order").notNull().default(10),
    position: integer("position").notNull().default(0),
    /**
     * A seated tier's stage as a rectangle in its seat map's coordinates, `{x, y, width, height,
     * label}` (x, y: the top-left corner). Null: none set, and the picker draws it above the front row.
     */
    stage: jsonb("stage").$type<{ x: number; y: number; width: number; height: number; label: string }>(),
    createdAt: createdAt(),
  },
  (t) => [
    index("ticket_tiers_event_idx").on(t.eventId, t.position),
    check("ticket_tiers_sold_within_capacity", sql`${t.soldCount} <= ${t.capacity}`),
    check("ticket_tiers_sold_nonnegative", sql`${t.soldCount} >= 0`),
    check("ticket_tiers_capacity_nonnegative", sql`${t.capacity} >= 0`),
    check("ticket_tiers_price_nonnegative", sql`${t.price} >= 0`),
    check("ticket_tiers_max_per_order_positive", sql`${t.maxPerOrder} >= 1`),
  ],
);

export const seats = pgTable(
  "seats",
  {
    id: id(),
    eventId: uuid("event_id").notNull().references(() => events.id, { onDelete: "cascade" }),
    tierId: uuid("tier_id").notNull().references(() => ticketTiers.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    section: text("section").notNull().default(""),
    row: text("row").notNull().default(""),
    number: integer("number").notNull(),
    x: real("x").notNull(),
    y: real("y").notNull(),
    accessible: boolean("accessible").notNull().default(false),
  },
  (t) => [unique("seats_event_label_key").on(t.eventId, t.label), index("seats_tier_idx").on(t.tierId)],
);
