/** Integration bookkeeping: processed Stripe webhooks, the outbox, sent mail, cancellations. */
import { sql } from "drizzle-orm";
import { bigserial, index, integer, jsonb, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import { createdAt, at } from "./columns";
import { cancellationStatus } from "./enums";
import { events } from "./catalog";

/** Stripe event ids seen, so a redelivered webhook is acknowledged without acting twice. */
export const processedWebhookEvents = pgTable("processed_webhook_events", {
  id: text("id").primaryKey(),
  provider: text("provider").notNull().default("stripe"),
  type: text("type").notNull(),
  receivedAt: at("received_at").notNull().defaultNow(),
});

/**
 * Transactional outbox: rows written with the change they announce, published to the Queue after
 * (db/queries/outbox.ts). A publisher claims a row by setting `lease_until`; while the lease runs no
 * other publisher takes it, and once it has run out without `published_at` the row is taken again.
 * `attempts` counts the claims (a row written already leased, by pay's confirmation, starts at 1).
 */
export const outbox = pgTable(
  "outbox",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    topic: text("topic").notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    payload: jsonb("payload").notNull(),
    createdAt: createdAt(),
    publishedAt: at("published_at"),
    leaseUntil: at("lease_until"),
    attempts: integer("attempts").notNull().default(0),
  },
  (t) => [
    unique("outbox_dedupe_key").on(t.dedupeKey),
    // The claim's scan: unpublished rows in id order.
    index("outbox_unpublished_idx").on(t.id).where(sql`${t.publishedAt} IS NULL`),
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
