/**
 * Recording a webhook event with the change it announces. One statement, so it can sit inside the
 * change's own transaction at the cost of one round trip: it finds the event's organization and the
 * endpoints that want this type, and only if there is one writes the event, a delivery per
 * endpoint, and an outbox row that tells the Queue to send them now. With no subscriber it writes
 * nothing. The dedupe key makes a repeated step (a retried request, a redelivered message) one event.
 */
import { sql } from "drizzle-orm";
import type { HttpDatabase, Transaction } from "../client";

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
  const id = crypto.randomUUID();
  const at = record.at.toISOString();
  const outboxKey = `webhook:${record.dedupeKey}`;
  const result = await db.execute<{ ids: string[] }>(sql`
    WITH owner AS (
      SELECT organization_id FROM events WHERE id = ${record.eventId}::uuid AND organization_id IS NOT NULL
    ), subscribers AS (
      SELECT w.id FROM webhook_endpoints w JOIN owner o ON w.organization_id = o.organization_id
      WHERE w.disabled_at IS NULL AND ${record.type}::text = ANY (w.event_types)
    ), inserted AS (
      INSERT INTO webhook_events (id, organization_id, type, resource_key, dedupe_key, data, created_at)
      SELECT ${id}::uuid, o.organization_id, ${record.type}, ${record.resourceKey}, ${record.dedupeKey}, ${JSON.stringify(record.data)}::jsonb, ${at}::timestamptz
      FROM owner o WHERE EXISTS (SELECT 1 FROM subscribers)
      ON CONFLICT (dedupe_key) DO NOTHING
      RETURNING id, seq
    ), deliveries AS (
      INSERT INTO webhook_deliveries (endpoint_id, event_id, seq, resource_key, next_attempt_at, give_up_at, created_at)
      SELECT s.id, i.id, i.seq, ${record.resourceKey}, ${at}::timestamptz, ${record.giveUpAt.toISOString()}::timestamptz, ${at}::timestamptz
      FROM inserted i CROSS JOIN subscribers s
      RETURNING id
    )
    INSERT INTO outbox (topic, dedupe_key, payload)
    SELECT 'webhook', ${outboxKey}, jsonb_build_object('type', 'webhook.dispatch', 'dedupe_key', ${outboxKey}::text, 'delivery_ids', (SELECT jsonb_agg(id) FROM deliveries))
    WHERE EXISTS (SELECT 1 FROM deliveries)
    ON CONFLICT (dedupe_key) DO NOTHING
    RETURNING payload->'delivery_ids' AS ids`);
  return (result.rows as { ids: string[] }[])[0]?.ids ?? [];
}
