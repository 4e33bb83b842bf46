/**
 * Deliveries of webhook events: taking one for an attempt (in its resource's order), recording the
 * attempt, finding what is due, and the delivery log.
 */
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { webhookDeliveries, webhookDeliveryAttempts, webhookEndpoints, webhookEvents } from "../schema";
import { markPublishedCte } from "./outbox";

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type AttemptRow = typeof webhookDeliveryAttempts.$inferSelect;

export interface ClaimedDelivery {
  delivery: { id: string; attempts: number; giveUpAt: Date; seq: number; endpointId: string; resourceKey: string };
  /** `previousSecret`: the secret a rotation replaced, signing too until `expiresAt` (workers/domain/webhook-secret-rotation.ts). */
  endpoint: { url: string; secretCiphertext: string; previousSecret?: { ciphertext: string; expiresAt: Date } };
  event: { id: string; type: string; createdAt: Date; data: unknown; organizationId: string };
}

/**
 * Takes a delivery for one attempt, or nothing when it is not this caller's to try now: delivered
 * or given up, not due, leased by an attempt in flight, its endpoint deleted, or an earlier event
 * about the same resource still waiting for the same endpoint. One statement, so two callers (the
 * Queue twice, the Queue and the sweep) never both take it.
 */
export async function claimDelivery(db: HttpDatabase, deliveryId: string, now: Date, leaseMs: number, outboxKey?: string): Promise<ClaimedDelivery | undefined> {
  // The Queue consumer's dispatch also marks its message's outbox row published here, for no round
  // trip of its own (db/queries/outbox.ts); a data-modifying CTE runs whether or not the delivery is taken.
  const marking = outboxKey === undefined ? sql`` : sql`${markPublishedCte("published", [outboxKey])}, `;
  const result = await db.execute<{
    id: string; attempts: number; give_up_at: string; seq: string; endpoint_id: string; resource_key: string; url: string; secret_ciphertext: string;
    previous_secret_ciphertext: string | null; previous_secret_expires_at: string | null; event_id: string; type: string; event_created_at: string; data: unknown; organization_id: string;
  }>(sql`
    WITH ${marking}taken AS (
      UPDATE webhook_deliveries d SET attempts = d.attempts + 1, leased_until = ${new Date(now.getTime() + leaseMs).toISOString()}::timestamptz
      FROM webhook_endpoints w
      WHERE d.id = ${deliveryId}::uuid AND w.id = d.endpoint_id AND w.disabled_at IS NULL
        AND d.status = 'pending' AND d.next_attempt_at <= ${now.toISOString()}::timestamptz
        AND (d.leased_until IS NULL OR d.leased_until <= ${now.toISOString()}::timestamptz)
        AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries e
          WHERE e.endpoint_id = d.endpoint_id AND e.resource_key = d.resource_key AND e.status = 'pending' AND e.seq < d.seq)
      RETURNING d.id, d.attempts, d.give_up_at, d.seq, d.endpoint_id, d.resource_key, d.event_id, w.url, w.secret_ciphertext,
        w.previous_secret_ciphertext, w.previous_secret_expires_at
    )
    SELECT t.*, ev.type, ev.created_at AS event_created_at, ev.data, ev.organization_id FROM taken t JOIN webhook_events ev ON ev.id = t.event_id`);
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    delivery: { id: row.id, attempts: Number(row.attempts), giveUpAt: new Date(row.give_up_at), seq: Number(row.seq), endpointId: row.endpoint_id, resourceKey: row.resource_key },
    endpoint: {
      url: row.url,
      secretCiphertext: row.secret_ciphertext,
      previousSecret: row.previous_secret_ciphertext && row.previous_secret_expires_at ? { ciphertext: row.previous_secret_ciphertext, expiresAt: new Date(row.previous_secret_expires_at) } : undefined,
    },
    event: { id: row.event_id, type: row.type, createdAt: new Date(row.event_created_at), data: row.data, organizationId: row.organization_id },
  };
}

export interface AttemptRecord {
  deliveryId: string;
  attemptedAt: Date;
  responseStatus: number | null;
  responseExcerpt: string;
  durationMs: number;
  error: string | null;
  manual: boolean;
  /** The delivery's state after it. */
  outcome: { status: "succeeded" } | { status: "pending"; nextAttemptAt: Date } | { status: "failed" };
}

/**
 * The attempt into the log and the delivery's new state, in one transaction (neon-http batch), and
 * in the same round trip the next delivery now waiting behind it in its line (endpoint and
 * resource): read after the update, so it never names this one when it ended.
 */
export async function recordAttempt(db: HttpDatabase, attempt: AttemptRecord, line: { endpointId: string; resourceKey: string }): Promise<string | undefined> {
  const { outcome } = attempt;
  const [, , next] = await db.batch([
    db.insert(webhookDeliveryAttempts).values({
      deliveryId: attempt.deliveryId,
      attemptedAt: attempt.attemptedAt,
      responseStatus: attempt.responseStatus,
      responseExcerpt: attempt.responseExcerpt,
      durationMs: attempt.durationMs,
      error: attempt.error,
      manual: attempt.manual,
    }),
    db
      .update(webhookDeliveries)
      .set({
        status: outcome.status,
        leasedUntil: null,
        lastStatus: attempt.responseStatus,
        lastError: attempt.error,
        ...(outcome.status === "pending" ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
        ...(outcome.status === "succeeded" ? { deliveredAt: attempt.attemptedAt } : {}),
      })
      .where(eq(webhookDeliveries.id, attempt.deliveryId)),
    nextInLineQuery(db, line.endpointId, line.resourceKey),
  ]);
  return next[0]?.id;
}

function nextInLineQuery(db: HttpDatabase, endpointId: string, resourceKey: string) {
  return db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.resourceKey, resourceKey), eq(webhookDeliveries.status, "pending")))
    .orderBy(webhookDeliveries.seq)
    .limit(1);
}

/** The next delivery waiting behind a resource's line for one endpoint (after one ended). */
export async function nextInLine(db: HttpDatabase, endpointId: string, resourceKey: string): Promise<string | undefined> {
  const [row] = await nextInLineQuery(db, endpointId, resourceKey);
  return row?.id;
}

/**
 * Deliveries due now that head their line (nothing earlier about the same resource pending for the
 * same endpoint) and are not in flight: what the cron sweep hands to the Queue.
 */
export async function dueDeliveries(db: HttpDatabase, now: Date, limit: number): Promise<string[]> {
  const result = await db.execute<{ id: string }>(sql`
    SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.disabled_at IS NULL
    WHERE d.status = 'pending' AND d.next_attempt_at <= ${now.toISOString()}::timestamptz
      AND (d.leased_until IS NULL OR d.leased_until <= ${now.toISOString()}::timestamptz)
      AND NOT EXISTS (
        SELECT 1 FROM webhook_deliveries e
        WHERE e.endpoint_id = d.endpoint_id AND e.resource_key = d.resource_key AND e.status = 'pending' AND e.seq < d.seq)
    ORDER BY d.next_attempt_at LIMIT ${limit}`);
  return result.rows.map((r) => r.id);
}

/** The log of one endpoint: its deliveries newest first, each with its attempts. */
export async function deliveriesOfEndpoint(db: HttpDatabase, endpointId: string, before: { createdAt: Date; id: string } | undefined, limit: number) {
  const rows = await db
    .select({ delivery: webhookDeliveries, type: webhookEvents.type, eventCreatedAt: webhookEvents.createdAt })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(
      and(
        eq(webhookDeliveries.endpointId, endpointId),
        before ? sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.id}) < (${before.createdAt.toISOString()}::timestamptz, ${before.id}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit);
  const ids = rows.map((r) => r.delivery.id);
  const attempts = ids.length
    ? await db.select().from(webhookDeliveryAttempts).where(inArray(webhookDeliveryAttempts.deliveryId, ids)).orderBy(webhookDeliveryAttempts.id)
    : [];
  return rows.map((r) => ({ ...r, attempts: attempts.filter((a) => a.deliveryId === r.delivery.id) }));
}

export async function findDeliveryOfEndpoint(db: HttpDatabase, endpointId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
  const [row] = await db.select().from(webhookDeliveries).where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.endpointId, endpointId))).limit(1);
  return row;
}

/** A re-send by hand: due now, one attempt (given up if it fails), whatever its state was. */
export async function rearmDelivery(db: HttpDatabase, deliveryId: string, now: Date): Promise<void> {
  await db
    .update(webhookDeliveries)
    .set({ status: "pending", nextAttemptAt: now, giveUpAt: now, leasedUntil: null })
    .where(and(eq(webhookDeliveries.id, deliveryId), sql`(${webhookDeliveries.leasedUntil} IS NULL OR ${webhookDeliveries.leasedUntil} <= ${now.toISOString()}::timestamptz)`));
}

