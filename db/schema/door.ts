/** Waitlists and the door: waitlist entries, check-in lists, scanner devices and check-ins. */
import { sql } from "drizzle-orm";
import { bigserial, boolean, check, index, integer, jsonb, pgTable, text, unique, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { id, createdAt, updatedAt, at } from "./columns";
import { waitlistStatus, checkinResult } from "./enums";
import { attendees } from "./access";
import { events, ticketTiers } from "./catalog";

export const waitlistEntries = pgTable(
  "waitlist_entries",
  {
    id: id(),
    eventId: uuid("event_id").notNull().references(() => events.id),
    tierId: uuid("tier_id").notNull().references(() => ticketTiers.id),
    attendeeId: uuid("attendee_id").notNull().references(() => attendees.id),
    /** The name given when joining; the offer's order takes it. */
    attendeeName: text("attendee_name").notNull(),
    quantity: integer("quantity").notNull(),
    position: integer("position").notNull(),
    status: waitlistStatus("status").notNull().default("waiting"),
    entryTokenHash: text("entry_token_hash").notNull(),
    offerHoldId: text("offer_hold_id"),
    offerExpiresAt: at("offer_expires_at"),
    offerSeats: jsonb("offer_seats").$type<string[]>().notNull().default([]),
    /** The last TierInventory notice applied: an older notice arriving late changes nothing. */
    noticeSeq: integer("notice_seq").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("waitlist_entries_tier_position_key").on(t.tierId, t.position),
    uniqueIndex("waitlist_entries_one_active_per_attendee")
      .on(t.tierId, t.attendeeId)
      .where(sql`${t.status} IN ('waiting', 'offered')`),
    index("waitlist_entries_event_idx").on(t.eventId, t.status),
    check("waitlist_entries_quantity_positive", sql`${t.quantity} >= 1`),
  ],
);

/**
 * Where a ticket is admitted once: every event has a main entrance list; others (a workshop room, a VIP
 * gate) may admit only some tiers (`tier_ids`, null = all). A ticket is admitted once per list.
 */
export const checkinLists = pgTable(
  "checkin_lists",
  {
    id: id(),
    eventId: uuid("event_id").notNull().references(() => events.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tierIds: jsonb("tier_ids").$type<string[] | null>(),
    isMain: boolean("is_main").notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    index("checkin_lists_event_idx").on(t.eventId),
    uniqueIndex("checkin_lists_one_main_per_event").on(t.eventId).where(sql`${t.isMain}`),
  ],
);

export const scannerDevices = pgTable(
  "scanner_devices",
  {
    id: id(),
    eventId: uuid("event_id").notNull().references(() => events.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    /** The list this device scans against; null means the event's main entrance. */
    checkinListId: uuid("checkin_list_id").references(() => checkinLists.id),
    createdAt: createdAt(),
    lastSeenAt: at("last_seen_at"),
    revokedAt: at("revoked_at"),
  },
  (t) => [unique("scanner_devices_token_hash_key").on(t.tokenHash), index("scanner_devices_event_idx").on(t.eventId)],
);

/**
 * Append-only (a trigger refuses UPDATE and DELETE); a repeated nonce from a device is the same scan,
 * answered with the `answer` stored here, byte for byte. An undo is a row of its own (`undone`).
 */
export const checkins = pgTable(
  "checkins",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    eventId: uuid("event_id").notNull().references(() => events.id),
    ticketId: uuid("ticket_id"),
    tierId: uuid("tier_id"),
    deviceId: uuid("device_id").notNull().references(() => scannerDevices.id),
    checkinListId: uuid("checkin_list_id"),
    nonce: text("nonce").notNull(),
    result: checkinResult("result").notNull(),
    reason: text("reason"),
    offline: boolean("offline").notNull().default(false),
    /** Admitted offline by the device, but the server had already admitted the ticket on this list. */
    conflict: boolean("conflict").notNull().default(false),
    /** The verdict as first sent to the device (JSON text). */
    answer: text("answer"),
    scannedAt: at("scanned_at").notNull(),
    receivedAt: at("received_at").notNull().defaultNow(),
  },
  (t) => [
    unique("checkins_device_nonce_key").on(t.deviceId, t.nonce),
    index("checkins_event_idx").on(t.eventId, t.scannedAt),
    index("checkins_ticket_idx").on(t.ticketId),
  ],
);
