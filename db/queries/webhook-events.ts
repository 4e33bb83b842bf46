/**
 * Recording a webhook event with the change it announces. One statement, so it can sit inside the
 * change's own transaction at the cost of one round trip: it finds the event's organization and the
 * endpoints that want this type, and only if there is one writes the event, a delivery per
 * endpoint, and an outbox row that tells the Queue to send them now. With no subscriber it writes
 * nothing. The dedupe key makes a repeated step (a retried request, a redelivered message) one event.
 */
import { sql, type SQL } from "drizzle-orm";
import type { HttpDatabase, Transaction } from "../client";
import { outboxLeaseUntil } from "./outbox";

export interface WebhookEventRecord {
  /** The platform event (the organizer's), whose organization's endpoints are told. */
  eventId: string;
  type: string;
  resourceKey: string;
  dedupeKey: string;
  data: Record<string, unknown>;
  at: Date;
  /** When failing deliveries of it are given up (workers/domain/webhook-delivery.ts). */
  giveUpAt: Date;
}

/** The deliveries it made (none when nobody subscribes, or the event was recorded before). */
export async function recordWebhookEvent(db: Transaction | HttpDatabase, record: WebhookEventRecord): Promise<string[]> {
  const result = await db.execute<{ ids: string[] }>(sql`
    WITH ${webhookEventCtes(record, sql`true`)}
    SELECT payload->'delivery_ids' AS ids FROM wh_outbox`);
  return (result.rows as { ids: string[] }[])[0]?.ids ?? [];
}

/**
 * recordWebhookEvent's statement as CTE members (wh_owner, wh_subscribers, wh_inserted,
 * wh_deliveries, wh_outbox: the outbox row's id and payload), for a statement that records the event
 * together with the change it announces. `gate` is a condition over the statement's other members:
 * when it is false nothing is written (e.g. `EXISTS (SELECT 1 FROM confirmed)`). `leased`: the outbox
 * row is written already claimed, for a caller that sends it itself (db/queries/outbox.ts).
 */
export function webhookEventCtes(record: WebhookEventRecord, gate: SQL, options: { leased?: boolean } = {}): SQL {
  const id = crypto.randomUUID();
  const at = record.at.toISOString();
  const outboxKey = `webhook:${record.dedupeKey}`;
  return sql`wh_owner AS (
      SELECT organization_id FROM events WHERE id = ${record.eventId}::uuid AND organization_id IS NOT NULL AND ${gate}
    ), wh_subscribers AS (
      SELECT w.id FROM webhook_endpoints w JOIN wh_owner o ON w.organization_id = o.organization_id
      WHERE w.disabled_at IS NULL AND ${record.type}::text = ANY (w.event_types)
    ), wh_inserted AS (
      INSERT INTO webhook_events (id, organization_id, type, resource_key, dedupe_key, data, created_at)
      SELECT ${id}::uuid, o.organization_id, ${record.type}, ${record.resourceKey}, ${record.dedupeKey}, ${JSON.stringify(record.data)}::jsonb, ${at}::timestamptz
      FROM wh_owner o WHERE EXISTS (SELECT 1 FROM wh_subscribers)
      ON CONFLICT (dedupe_key) DO NOTHING
      RETURNING id, seq
    ), wh_deliveries AS (
      INSERT INTO webhook_deliveries (endpoint_id, event_id, seq, resource_key, next_attempt_at, give_up_at, created_at)
      SELECT s.id, i.id, i.seq, ${record.resourceKey}, ${at}::timestamptz, ${record.giveUpAt.toISOString()}::timestamptz, ${at}::timestamptz
      FROM wh_inserted i CROSS JOIN wh_subscribers s
      RETURNING id
    ), wh_outbox AS (
      INSERT INTO outbox (topic, dedupe_key, payload, lease_until, attempts)
      SELECT 'webhook', ${outboxKey}, jsonb_build_object('type', 'webhook.dispatch', 'dedupe_key', ${outboxKey}::text, 'delivery_ids', (SELECT jsonb_agg(id) FROM wh_deliveries)),
        ${options.leased ? outboxLeaseUntil() : sql`NULL`}, ${options.leased ? 1 : 0}
      WHERE EXISTS (SELECT 1 FROM wh_deliveries)
      ON CONFLICT (dedupe_key) DO NOTHING
      RETURNING id, payload
    )`;
}

/**
 * Refunds that succeeded between `from` and `to` whose `order.refunded` event was never recorded
 * although the organization subscribes to it: the request that settled the refund ended (a crash,
 * an eviction) between the refund's update and the event's statement, and nobody repeated it.
 */
export async function refundsMissingTheirEvent(db: HttpDatabase, from: Date, to: Date, limit: number) {
  const result = await db.execute<{
    id: string; order_id: string; event_id: string; order_status: string; amount: string; currency: string;
    ticket_ids: string[]; initiated_by: string; reason: string | null; updated_at: string;
  }>(sql`
    SELECT r.id, r.order_id, o.event_id, o.status AS order_status, r.amount, r.currency, r.ticket_ids, r.initiated_by, r.reason, r.updated_at
    FROM refunds r
    JOIN orders o ON o.id = r.order_id
    JOIN events e ON e.id = o.event_id
    WHERE r.status = 'succeeded' AND r.updated_at >= ${from.toISOString()}::timestamptz AND r.updated_at < ${to.toISOString()}::timestamptz
      AND EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.organization_id = e.organization_id AND w.disabled_at IS NULL AND 'order.refunded' = ANY (w.event_types))
      AND NOT EXISTS (SELECT 1 FROM webhook_events we WHERE we.dedupe_key = 'order.refunded:' || r.id::text)
    ORDER BY r.updated_at
    LIMIT ${limit}`);
  return (result.rows as typeof result.rows).map((row) => ({
    refund: { id: row.id, amount: Number(row.amount), currency: row.currency, ticketIds: row.ticket_ids, initiatedBy: row.initiated_by, reason: row.reason },
    order: { id: row.order_id, eventId: row.event_id, status: row.order_status },
    refundedAt: new Date(row.updated_at),
  }));
}
