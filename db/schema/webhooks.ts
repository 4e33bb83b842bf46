/**
 * Webhooks out (issue #15): an organization's endpoints, the events they are told of, one delivery
 * per (endpoint, event), and every attempt at it.
 *
 * A `webhook_events` row and its deliveries are written in the same transaction (or statement) as
 * the change they announce, so an event is never lost between the change and the Queue: the rows
 * are the outbox. `seq` orders the events as they committed; deliveries to one endpoint about one
 * resource (`resource_key`, e.g. `order:<id>`) are attempted in that order.
 */
import { sql } from "drizzle-orm";
import { bigint, bigserial, boolean, index, integer, jsonb, pgEnum, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { at, createdAt, id } from "./columns";
import { organizers } from "./access";
import { organizations } from "./organizations";

export const webhookDeliveryStatus = pgEnum("webhook_delivery_status", ["pending", "succeeded", "failed"]);

export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: id(),
    organizationId: uuid("organization_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    /** The event types it is told of (`order.paid`, …). */
    eventTypes: text("event_types").array().notNull(),
    /** The signing secret, encrypted under SIGNING_MASTER_KEY (shown in clear once, at creation). */
    secretCiphertext: text("secret_ciphertext").notNull(),
    /**
     * After a rotation, the secret it replaced (encrypted as above): deliveries are signed with both
     * until `previous_secret_expires_at`, then with the current one only.
     */
    previousSecretCiphertext: text("previous_secret_ciphertext"),
    previousSecretExpiresAt: at("previous_secret_expires_at"),
    createdBy: uuid("created_by").references(() => organizers.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    /** Deleted: told of nothing more; its pending deliveries stop. Kept for its delivery log. */
    disabledAt: at("disabled_at"),
  },
  (t) => [index("webhook_endpoints_organization_idx").on(t.organizationId)],
);

export const webhookEvents = pgTable(
  "webhook_events",
  {
    id: uuid("id").primaryKey(),
    /** Commit order: the order in which deliveries about one resource are attempted. */
    seq: bigserial("seq", { mode: "number" }).notNull(),
    organizationId: uuid("organization_id").notNull(),
    type: text("type").notNull(),
    resourceKey: text("resource_key").notNull(),
    /** Makes emitting twice (a retried step) one event: e.g. `order.paid:<order id>`. */
    dedupeKey: text("dedupe_key").notNull(),
    data: jsonb("data").notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique("webhook_events_dedupe_key").on(t.dedupeKey), unique("webhook_events_seq_key").on(t.seq)],
);

export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: id(),
    endpointId: uuid("endpoint_id").notNull().references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    eventId: uuid("event_id").notNull().references(() => webhookEvents.id, { onDelete: "cascade" }),
    seq: bigint("seq", { mode: "number" }).notNull(),
    resourceKey: text("resource_key").notNull(),
    status: webhookDeliveryStatus("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: at("next_attempt_at").notNull().defaultNow(),
    /** Taken by an attempt in flight until then (a crashed attempt's lease runs out). */
    leasedUntil: at("leased_until"),
    /** After this, a failure gives up (creation + 3 days; a re-send by hand: the re-send). */
    giveUpAt: at("give_up_at").notNull(),
    lastStatus: integer("last_status"),
    lastError: text("last_error"),
    createdAt: createdAt(),
    deliveredAt: at("delivered_at"),
  },
  (t) => [
    unique("webhook_deliveries_endpoint_event_key").on(t.endpointId, t.eventId),
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index("webhook_deliveries_line_idx").on(t.endpointId, t.resourceKey, t.seq).where(sql`${t.status} = 'pending'`),
    index("webhook_deliveries_endpoint_idx").on(t.endpointId, t.createdAt),
  ],
);

/** The delivery log: every attempt with what the receiver answered. */
export const webhookDeliveryAttempts = pgTable(
  "webhook_delivery_attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    deliveryId: uuid("delivery_id").notNull().references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attemptedAt: at("attempted_at").notNull(),
    /** The HTTP status, or null when no answer came (timeout, refused, DNS). */
    responseStatus: integer("response_status"),
    responseExcerpt: text("response_excerpt").notNull().default(""),
    durationMs: integer("duration_ms").notNull(),
    error: text("error"),
    manual: boolean("manual").notNull().default(false),
  },
  (t) => [index("webhook_delivery_attempts_delivery_idx").on(t.deliveryId, t.id)],
);

