/** An organization's webhook endpoints. Every lookup is scoped to the organization. */
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { webhookDeliveries, webhookEndpoints } from "../schema";

export type EndpointRow = typeof webhookEndpoints.$inferSelect;

/** Live endpoints an organization may have at once. */
export const MAX_ENDPOINTS_PER_ORGANIZATION = 20;

export async function insertEndpoint(db: HttpDatabase, values: typeof webhookEndpoints.$inferInsert): Promise<EndpointRow> {
  const [row] = await db.insert(webhookEndpoints).values(values).returning();
  return row!;
}

export async function countLiveEndpoints(db: HttpDatabase, organizationId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.organizationId, organizationId), isNull(webhookEndpoints.disabledAt)));
  return row?.n ?? 0;
}

/** Live endpoints with their deliveries' state counts. */
export async function endpointsOfOrganization(db: HttpDatabase, organizationId: string) {
  return db
    .select({
      endpoint: webhookEndpoints,
      pending: sql<number>`(SELECT count(*)::int FROM ${webhookDeliveries} d WHERE d.endpoint_id = ${webhookEndpoints.id} AND d.status = 'pending')`,
      failed: sql<number>`(SELECT count(*)::int FROM ${webhookDeliveries} d WHERE d.endpoint_id = ${webhookEndpoints.id} AND d.status = 'failed')`,
      succeeded: sql<number>`(SELECT count(*)::int FROM ${webhookDeliveries} d WHERE d.endpoint_id = ${webhookEndpoints.id} AND d.status = 'succeeded')`,
    })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.organizationId, organizationId), isNull(webhookEndpoints.disabledAt)))
    .orderBy(asc(webhookEndpoints.createdAt));
}

export async function findEndpoint(db: HttpDatabase, organizationId: string, endpointId: string): Promise<EndpointRow | undefined> {
  const [row] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.organizationId, organizationId), isNull(webhookEndpoints.disabledAt)))
    .limit(1);
  return row;
}

export async function disableEndpoint(db: HttpDatabase, organizationId: string, endpointId: string, now: Date): Promise<EndpointRow | undefined> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({ disabledAt: now })
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.organizationId, organizationId), isNull(webhookEndpoints.disabledAt)))
    .returning();
  return row;
}

/**
 * Replaces the endpoint's secret, keeping the one it replaces as the previous secret until
 * `previousExpiresAt`. Only if the secret is still the one read (`expected`): of two rotations at
 * once, one wins and the other changes nothing (undefined), so no caller is handed a secret that
 * was already replaced.
 */
export async function rotateEndpointSecret(
  db: HttpDatabase,
  organizationId: string,
  endpointId: string,
  change: { expected: string; next: string; previousExpiresAt: Date },
): Promise<EndpointRow | undefined> {
  const [row] = await db
    .update(webhookEndpoints)
    .set({ secretCiphertext: change.next, previousSecretCiphertext: webhookEndpoints.secretCiphertext, previousSecretExpiresAt: change.previousExpiresAt })
    .where(
      and(
        eq(webhookEndpoints.id, endpointId),
        eq(webhookEndpoints.organizationId, organizationId),
        isNull(webhookEndpoints.disabledAt),
        eq(webhookEndpoints.secretCiphertext, change.expected),
      ),
    )
    .returning();
  return row;
}
