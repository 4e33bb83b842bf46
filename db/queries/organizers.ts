/**
 * Organizer accounts and their credentials: API keys and sessions are looked up by hash only.
 */
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { loginAttempts, organizerApiKeys, organizerSessions, organizers } from "../schema";
import type { Role } from "../../workers/domain/roles";

export type OrganizerRow = typeof organizers.$inferSelect;

export async function insertOrganizer(
  db: HttpDatabase,
  values: { name: string; email: string; passwordHash: string },
): Promise<OrganizerRow | undefined> {
  const rows = await db.insert(organizers).values(values).onConflictDoNothing().returning();
  return rows[0];
}

export async function findOrganizerByEmail(db: HttpDatabase, email: string): Promise<OrganizerRow | undefined> {
  const [row] = await db.select().from(organizers).where(sql`lower(${organizers.email}) = lower(${email})`).limit(1);
  return row;
}

export async function insertApiKey(
  db: HttpDatabase,
  values: { organizerId: string; organizationId: string; role: Role; name: string; prefix: string; keyHash: string },
) {
  const [row] = await db.insert(organizerApiKeys).values(values).returning();
  return row!;
}

export type ApiKeyRow = typeof organizerApiKeys.$inferSelect;

/** A live API key with the organizer who made it; also stamps when the key was last used. */
export async function findApiKeyByHash(db: HttpDatabase, keyHash: string): Promise<{ key: ApiKeyRow; organizer: OrganizerRow } | undefined> {
  const [key] = await db
    .update(organizerApiKeys)
    .set({ lastUsedAt: sql`now()` })
    .where(and(eq(organizerApiKeys.keyHash, keyHash), isNull(organizerApiKeys.revokedAt)))
    .returning();
  if (!key) return undefined;
  const [organizer] = await db.select().from(organizers).where(eq(organizers.id, key.organizerId));
  return organizer && { key, organizer };
}

/** The organization's live keys. */
export async function listApiKeys(db: HttpDatabase, organizationId: string) {
  return db
    .select()
    .from(organizerApiKeys)
    .where(and(eq(organizerApiKeys.organizationId, organizationId), isNull(organizerApiKeys.revokedAt)))
    .orderBy(desc(organizerApiKeys.createdAt));
}

export async function revokeApiKey(db: HttpDatabase, organizationId: string, keyId: string): Promise<ApiKeyRow | undefined> {
  const [row] = await db
    .update(organizerApiKeys)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(organizerApiKeys.id, keyId), eq(organizerApiKeys.organizationId, organizationId), isNull(organizerApiKeys.revokedAt)))
    .returning();
  return row;
}

export async function insertSession(
  db: HttpDatabase,
  values: { organizerId: string; organizationId?: string | null; tokenHash: string; csrfToken: string; expiresAt: Date },
) {
  await db.insert(organizerSessions).values(values);
}

export async function findSession(db: HttpDatabase, tokenHash: string, now: Date) {
  const [row] = await db
    .select({ session: organizerSessions, organizer: organizers })
    .from(organizerSessions)
    .innerJoin(organizers, eq(organizers.id, organizerSessions.organizerId))
    .where(and(eq(organizerSessions.tokenHash, tokenHash), isNull(organizerSessions.revokedAt), gt(organizerSessions.expiresAt, now)))
    .limit(1);
  return row;
}

export async function revokeSession(db: HttpDatabase, tokenHash: string): Promise<void> {
  await db.update(organizerSessions).set({ revokedAt: sql`now()` }).where(eq(organizerSessions.tokenHash, tokenHash));
}

/** Every password actually checked, for the audit trail (the throttle itself is login_throttles). */
export async function recordLoginAttempt(db: HttpDatabase, values: { email: string; clientIp: string; succeeded: boolean }) {
  await db.insert(loginAttempts).values({ ...values, email: values.email.toLowerCase() });
}
