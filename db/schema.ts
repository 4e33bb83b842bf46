/**
 * The ledger: everything about money, identity and history lives here. Live holds and sales are
 * owned by each tier's TierInventory Durable Object while a tier sells; the constraints below are
 * the second guard (a CHECK on sold_count, a UNIQUE seat among live tickets) so a bug there can
 * never turn into an oversold event.
 */
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  char,
  check,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

const id = () => uuid("id").primaryKey().defaultRandom();
const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const eventStatus = pgEnum("event_status", ["draft", "published", "cancelled"]);
export const tierKind = pgEnum("tier_kind", ["general_admission", "seated"]);
export const orderStatus = pgEnum("order_status", [
  "pending",
  "confirmed",
  "expired",
  "cancelled",
  "refunded",
  "partially_refunded",
]);
export const paymentStatus = pgEnum("payment_status", [
  "requires_payment_method",
  "processing",
  "succeeded",
  "failed",
  "canceled",
]);
export const ticketStatus = pgEnum("ticket_status", ["valid", "revoked"]);
export const refundStatus = pgEnum("refund_status", ["pending", "succeeded", "failed"]);
export const refundInitiator = pgEnum("refund_initiator", ["attendee", "organizer", "system"]);
export const waitlistStatus = pgEnum("waitlist_status", ["waiting", "offered", "purchased", "expired", "left"]);
export const checkinResult = pgEnum("checkin_result", ["admitted", "rejected", "duplicate", "undone"]);
export const signingKeyStatus = pgEnum("signing_key_status", ["current", "previous", "retired"]);
export const cancellationStatus = pgEnum("cancellation_status", ["running", "completed"]);

// ---------------------------------------------------------------- organizers and access

export const organizers = pgTable(
  "organizers",
  {
    id: id(),
    name: text("name").notNull(),
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("organizers_email_lower_key").on(sql`lower(${t.email})`)],
);

export const organizerApiKeys = pgTable(
  "organizer_api_keys",
  {
    id: id(),
    organizerId: uuid("organizer_id").notNull().references(() => organizers.id, { onDelete: "cascade" }),
    name: text("name").notNull().default("default"),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    createdAt: createdAt(),
    lastUsedAt: at("last_used_at"),
    revokedAt: at("revoked_at"),
  },
  (t) => [unique("organizer_api_keys_key_hash_key").on(t.keyHash), index("organizer_api_keys_organizer_idx").on(t.organizerId)],
);

export const organizerSessions = pgTable(
  "organizer_sessions",
  {
    id: id(),
    organizerId: uuid("organizer_id").notNull().references(() => organizers.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    csrfToken: text("csrf_token").notNull(),
    createdAt: createdAt(),
    expiresAt: at("expires_at").notNull(),
    revokedAt: at("revoked_at"),
  },
  (t) => [unique("organizer_sessions_token_hash_key").on(t.tokenHash)],
);

/** Failed and successful sign-ins, for rate limiting by email and by client address. */
export const loginAttempts = pgTable(
  "login_attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    email: text("email").notNull(),
    clientIp: text("client_ip").notNull(),
    succeeded: boolean("succeeded").notNull(),
    attemptedAt: at("attempted_at").notNull().defaultNow(),
  },
  (t) => [index("login_attempts_email_idx").on(t.email, t.attemptedAt), index("login_attempts_ip_idx").on(t.clientIp, t.attemptedAt)],
);

/**
 * Sign-in throttle per (email, client): `failures` counts attempts reserved before the password is
 * checked, so parallel guesses cannot all pass the limit; past the free attempts each further one
 * must wait `next_attempt_at` (doubling). A success deletes the row; nobody else's address is locked.
 */
export const loginThrottles = pgTable(
  "login_throttles",
  {
    email: text("email").notNull(),
    /** Keyed hash of the client address, or "unknown" when Cloudflare reported none. */
    clientKey: text("client_key").notNull(),
    failures: integer("failures").notNull(),
    lastAttemptAt: at("last_attempt_at").notNull().defaultNow(),
    nextAttemptAt: at("next_attempt_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.email, t.clientKey] })],
);

/** Fixed-window counters for per-address limits (sign-ups, reset requests): one row per key and window. */
export const rateLimitWindows = pgTable(
  "rate_limit_windows",
  {
    bucket: text("bucket").notNull(),
    key: text("key").notNull(),
    windowStart: at("window_start").notNull(),
    hits: integer("hits").notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.key, t.windowStart] }), index("rate_limit_windows_start_idx").on(t.windowStart)],
);

/** Password reset links: the token is stored as its SHA-256 only, used once, and short-lived. */
export const passwordResets = pgTable(
  "password_resets",
  {
    id: id(),
    organizerId: uuid("organizer_id").notNull().references(() => organizers.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    expiresAt: at("expires_at").notNull(),
    usedAt: at("used_at"),
  },
  (t) => [unique("password_resets_token_hash_key").on(t.tokenHash), index("password_resets_organizer_idx").on(t.organizerId)],
);

export const attendees = pgTable(
  "attendees",
  {
    id: id(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("attendees_email_lower_key").on(sql`lower(${t.email})`)],
);

// ---------------------------------------------------------------- catalog

export const events = pgTable(
  "events",
  {
    id: id(),
    organizerId: uuid("organizer_id").notNull().references(() => organizers.id),
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
    refundPolicy: jsonb("refund_policy").notNull().default({ schedule: [] }),
    /** `{enabled, opens_minutes_before, admit_per_minute, max_active_shoppers, session_minutes}`. */
    waitingRoom: jsonb("waiting_room").notNull().default({ enabled: false }),
    /** `{enabled, offer_minutes}`. */
    waitlist: jsonb("waitlist").notNull().default({ enabled: false, offer_minutes: 30 }),
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

// ---------------------------------------------------------------- orders, payments, tickets

export const orders = pgTable(
  "orders",
  {
    id: id(),
    eventId: uuid("event_id").notNull().references(() => events.id),
    tierId: uuid("tier_id").notNull().references(() => ticketTiers.id),
    attendeeId: uuid("attendee_id").notNull().references(() => attendees.id),
    /** The name given with this order: tickets, mails and exports show it, whoever registers the email later. */
    attendeeName: text("attendee_name").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    /** Hash of the canonical request body: same key with a different body is IDEMPOTENCY_KEY_REUSED. */
    requestHash: text("request_hash").notNull(),
    status: orderStatus("status").notNull().default("pending"),
    quantity: integer("quantity").notNull(),
    amount: bigint("amount", { mode: "number" }).notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    holdId: text("hold_id"),
    holdExpiresAt: at("hold_expires_at"),
    /** A keyed hash of the client address that asked for the hold (per-address limits; never the address). */
    clientKey: text("client_key"),
    waitlistEntryId: uuid("waitlist_entry_id"),
    /** The five-character code people read out (workers/domain/order-code.ts); given when the order is paid. */
    orderCode: text("order_code"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    confirmedAt: at("confirmed_at"),
  },
  (t) => [
    unique("orders_idempotency_key").on(t.attendeeId, t.eventId, t.tierId, t.idempotencyKey),
    uniqueIndex("orders_event_code_key").on(t.eventId, t.orderCode).where(sql`${t.orderCode} IS NOT NULL`),
    // "Resend my tickets" and the attempt grouping look orders up by buyer.
    index("orders_attendee_idx").on(t.attendeeId, t.eventId, t.tierId, t.createdAt),
    index("orders_event_idx").on(t.eventId, t.createdAt),
    index("orders_pending_expiry_idx").on(t.holdExpiresAt).where(sql`${t.status} = 'pending'`),
    check("orders_quantity_positive", sql`${t.quantity} >= 1`),
    check("orders_amount_nonnegative", sql`${t.amount} >= 0`),
  ],
);

export const orderItems = pgTable(
  "order_items",
  {
    id: id(),
    orderId: uuid("order_id").notNull().references(() => orders.id, { onDelete: "cascade" }),
    tierId: uuid("tier_id").notNull().references(() => ticketTiers.id),
    seatLabel: text("seat_label"),
    unitPrice: bigint("unit_price", { mode: "number" }).notNull(),
  },
  (t) => [index("order_items_order_idx").on(t.orderId)],
);

/** One PaymentIntent per order; a retry after a decline confirms the same intent again. */
export const payments = pgTable(
  "payments",
  {
    id: id(),
    orderId: uuid("order_id").notNull().references(() => orders.id),
    provider: text("provider").notNull().default("stripe"),
    providerPaymentId: text("provider_payment_id"),
    idempotencyKey: text("idempotency_key").notNull(),
    amount: bigint("amount", { mode: "number" }).notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    status: paymentStatus("status").notNull().default("requires_payment_method"),
    failureCode: text("failure_code"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("payments_order_key").on(t.orderId),
    unique("payments_provider_payment_id_key").on(t.providerPaymentId),
    check("payments_amount_nonnegative", sql`${t.amount} >= 0`),
  ],
);

export const tickets = pgTable(
  "tickets",
  {
    id: id(),
    orderId: uuid("order_id").notNull().references(() => orders.id),
    eventId: uuid("event_id").notNull().references(() => events.id),
    tierId: uuid("tier_id").notNull().references(() => ticketTiers.id),
    orderItemId: uuid("order_item_id").references(() => orderItems.id),
    seatLabel: text("seat_label"),
    attendeeName: text("attendee_name").notNull(),
    status: ticketStatus("status").notNull().default("valid"),
    /** The `v` claim: bumped on reissue so an old token of the same ticket is refused. */
    version: integer("version").notNull().default(1),
    kid: text("kid"),
    /** The signed ticket (compact JWS) as issued, so every retry hands back the same QR code. */
    token: text("token"),
    issuedAt: createdAt(),
    revokedAt: at("revoked_at"),
    revokeReason: text("revoke_reason"),
  },
  (t) => [
    uniqueIndex("tickets_live_seat_per_event")
      .on(t.eventId, t.seatLabel)
      .where(sql`${t.status} = 'valid' AND ${t.seatLabel} IS NOT NULL`),
    index("tickets_order_idx").on(t.orderId),
    index("tickets_revoked_idx").on(t.eventId, t.revokedAt).where(sql`${t.status} = 'revoked'`),
  ],
);

export const refunds = pgTable(
  "refunds",
  {
    id: id(),
    orderId: uuid("order_id").notNull().references(() => orders.id),
    idempotencyKey: text("idempotency_key").notNull(),
    providerRefundId: text("provider_refund_id"),
    amount: bigint("amount", { mode: "number" }).notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    status: refundStatus("status").notNull().default("pending"),
    reason: text("reason"),
    ticketIds: jsonb("ticket_ids").$type<string[]>().notNull().default([]),
    initiatedBy: refundInitiator("initiated_by").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique("refunds_idempotency_key").on(t.idempotencyKey),
    unique("refunds_provider_refund_id_key").on(t.providerRefundId),
    index("refunds_order_idx").on(t.orderId),
    // Zero for a free ticket given back: the ticket is revoked, no money moves.
    check("refunds_amount_nonnegative", sql`${t.amount} >= 0`),
  ],
);

// ---------------------------------------------------------------- waitlist and door

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

// ---------------------------------------------------------------- integration bookkeeping

/** Stripe event ids seen, so a redelivered webhook is acknowledged without acting twice. */
export const processedWebhookEvents = pgTable("processed_webhook_events", {
  id: text("id").primaryKey(),
  provider: text("provider").notNull().default("stripe"),
  type: text("type").notNull(),
  receivedAt: at("received_at").notNull().defaultNow(),
});

/** Transactional outbox: rows written with the change they announce, published to the Queue after. */
export const outbox = pgTable(
  "outbox",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    topic: text("topic").notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    payload: jsonb("payload").notNull(),
    createdAt: createdAt(),
    publishedAt: at("published_at"),
    attempts: integer("attempts").notNull().default(0),
  },
  (t) => [
    unique("outbox_dedupe_key").on(t.dedupeKey),
    index("outbox_unpublished_idx").on(t.createdAt).where(sql`${t.publishedAt} IS NULL`),
  ],
);

/** Mail sent through the mail adapter, keyed so a duplicated queue message sends one mail. */
export const sentMail = pgTable("sent_mail", {
  dedupeKey: text("dedupe_key").primaryKey(),
  providerMessageId: text("provider_message_id"),
  recipient: text("recipient").notNull(),
  subject: text("subject").notNull(),
  sentAt: at("sent_at").notNull().defaultNow(),
});

export const eventCancellations = pgTable("event_cancellations", {
  eventId: uuid("event_id").primaryKey().references(() => events.id),
  status: cancellationStatus("status").notNull().default("running"),
  ordersTotal: integer("orders_total").notNull().default(0),
  ordersRefunded: integer("orders_refunded").notNull().default(0),
  startedAt: at("started_at").notNull().defaultNow(),
  finishedAt: at("finished_at"),
});

// ---------------------------------------------------------------- summaries (refreshed by cron)

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
