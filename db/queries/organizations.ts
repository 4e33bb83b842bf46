/**
 * Organizations, their members, invitations and audit log (issue #15). Membership is read on every
 * organizer request, so a removed member or a changed role takes effect on the next call.
 */
import { and, asc, desc, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { HttpDatabase, Transaction } from "../client";
import { auditLog, organizationInvitations, organizationMembers, organizations, organizers, organizerSessions } from "../schema";
import type { Role } from "../../workers/domain/roles";

export type OrganizationRow = typeof organizations.$inferSelect;
export type InvitationRow = typeof organizationInvitations.$inferSelect;
export type AuditRow = typeof auditLog.$inferSelect;
export type AuditInsert = typeof auditLog.$inferInsert;

export interface Membership {
  organization: { id: string; name: string };
  role: Role;
}

/** A new organization with its first owner, in one round trip. */
export async function insertOrganization(db: HttpDatabase, name: string, ownerId: string): Promise<OrganizationRow> {
  const id = crypto.randomUUID();
  const [created] = await db.batch([
    db.insert(organizations).values({ id, name }).returning(),
    db.insert(organizationMembers).values({ organizationId: id, organizerId: ownerId, role: "owner" }),
  ]);
  return created[0]!;
}

/** The person's membership in `organizationId`, or (none given, or no longer a member) its first one. */
export async function findMembership(db: HttpDatabase, organizerId: string, organizationId?: string | null): Promise<Membership | undefined> {
  const rows = await db
    .select({ id: organizations.id, name: organizations.name, role: organizationMembers.role })
    .from(organizationMembers)
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(eq(organizationMembers.organizerId, organizerId))
    .orderBy(sql`${organizationMembers.organizationId} = ${organizationId ?? null} DESC NULLS LAST`, asc(organizationMembers.createdAt), asc(organizations.id))
    .limit(1);
  const row = rows[0];
  return row && { organization: { id: row.id, name: row.name }, role: row.role };
}

export async function findOrganization(db: HttpDatabase, organizationId: string) {
  const [row] = await db.select().from(organizations).where(eq(organizations.id, organizationId)).limit(1);
  return row;
}

export async function listMemberships(db: HttpDatabase, organizerId: string) {
  return db
    .select({ organizationId: organizations.id, name: organizations.name, role: organizationMembers.role, joinedAt: organizationMembers.createdAt })
    .from(organizationMembers)
    .innerJoin(organizations, eq(organizations.id, organizationMembers.organizationId))
    .where(eq(organizationMembers.organizerId, organizerId))
    .orderBy(asc(organizationMembers.createdAt), asc(organizations.id));
}

export async function listMembers(db: HttpDatabase | Transaction, organizationId: string) {
  return db
    .select({ organizerId: organizers.id, name: organizers.name, email: organizers.email, role: organizationMembers.role, joinedAt: organizationMembers.createdAt })
    .from(organizationMembers)
    .innerJoin(organizers, eq(organizers.id, organizationMembers.organizerId))
    .where(eq(organizationMembers.organizationId, organizationId))
    .orderBy(asc(organizationMembers.createdAt), asc(organizers.id));
}

/** Locks the organization's row: member changes of one organization apply one after the other. */
export async function lockOrganization(tx: Transaction, organizationId: string): Promise<boolean> {
  const rows = await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, organizationId)).for("update");
  return rows.length > 0;
}

export async function setMemberRole(tx: Transaction, organizationId: string, organizerId: string, role: Role): Promise<void> {
  await tx.update(organizationMembers).set({ role }).where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.organizerId, organizerId)));
}

export async function deleteMember(tx: Transaction, organizationId: string, organizerId: string): Promise<void> {
  await tx.delete(organizationMembers).where(and(eq(organizationMembers.organizationId, organizationId), eq(organizationMembers.organizerId, organizerId)));
  // Their dashboard sessions stop acting for it at once.
  await tx
    .update(organizerSessions)
    .set({ organizationId: null })
    .where(and(eq(organizerSessions.organizerId, organizerId), eq(organizerSessions.organizationId, organizationId)));
}

export async function setSessionOrganization(db: HttpDatabase, tokenHash: string, organizationId: string): Promise<void> {
  await db.update(organizerSessions).set({ organizationId }).where(eq(organizerSessions.tokenHash, tokenHash));
}

// ---------------------------------------------------------------- invitations

/** A new invitation; an open one to the same address is revoked in the same round trip. */
export async function insertInvitation(
  db: HttpDatabase,
  values: { organizationId: string; email: string; role: Role; tokenHash: string; invitedBy: string | null; expiresAt: Date },
): Promise<InvitationRow> {
  const [, inserted] = await db.batch([
    db
      .update(organizationInvitations)
      .set({ revokedAt: sql`now()` })
      .where(
        and(
          eq(organizationInvitations.organizationId, values.organizationId),
          sql`lower(${organizationInvitations.email}) = lower(${values.email})`,
          isNull(organizationInvitations.acceptedAt),
          isNull(organizationInvitations.revokedAt),
        ),
      ),
    db.insert(organizationInvitations).values(values).returning(),
  ]);
  return inserted[0]!;
}

export async function listOpenInvitations(db: HttpDatabase, organizationId: string, now: Date) {
  return db
    .select()
    .from(organizationInvitations)
    .where(
      and(
        eq(organizationInvitations.organizationId, organizationId),
        isNull(organizationInvitations.acceptedAt),
        isNull(organizationInvitations.revokedAt),
        gt(organizationInvitations.expiresAt, now),
      ),
    )
    .orderBy(desc(organizationInvitations.createdAt));
}

export async function revokeInvitation(db: HttpDatabase, organizationId: string, invitationId: string) {
  const [row] = await db
    .update(organizationInvitations)
    .set({ revokedAt: sql`now()` })
    .where(
      and(
        eq(organizationInvitations.id, invitationId),
        eq(organizationInvitations.organizationId, organizationId),
        isNull(organizationInvitations.acceptedAt),
        isNull(organizationInvitations.revokedAt),
      ),
    )
    .returning();
  return row;
}

/** An invitation that can still be accepted, with its organization's name. */
export async function findOpenInvitation(db: HttpDatabase, tokenHash: string, now: Date) {
  const [row] = await db
    .select({ invitation: organizationInvitations, organizationName: organizations.name })
    .from(organizationInvitations)
    .innerJoin(organizations, eq(organizations.id, organizationInvitations.organizationId))
    .where(
      and(
        eq(organizationInvitations.tokenHash, tokenHash),
        isNull(organizationInvitations.acceptedAt),
        isNull(organizationInvitations.revokedAt),
        gt(organizationInvitations.expiresAt, now),
      ),
    )
    .limit(1);
  return row;
}

/**
 * Spends an open invitation and makes the person a member, in one statement: two racing accepts
 * cannot both spend it. Someone already a member keeps the role they have.
 */
export async function acceptInvitation(db: HttpDatabase, tokenHash: string, organizerId: string, now: Date): Promise<{ organizationId: string; role: Role } | undefined> {
  const result = await db.execute<{ organization_id: string; role: Role }>(sql`
    WITH spent AS (
      UPDATE ${organizationInvitations} SET accepted_at = ${now}, accepted_by = ${organizerId}
      WHERE token_hash = ${tokenHash} AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ${now}
      RETURNING organization_id, role
    ), joined AS (
      INSERT INTO ${organizationMembers} (organization_id, organizer_id, role)
      SELECT organization_id, ${organizerId}, role FROM spent
      ON CONFLICT (organization_id, organizer_id) DO NOTHING
      RETURNING organization_id, role
    )
    SELECT s.organization_id, COALESCE(j.role, m.role) AS role
    FROM spent s
    LEFT JOIN joined j ON j.organization_id = s.organization_id
    LEFT JOIN ${organizationMembers} m ON m.organization_id = s.organization_id AND m.organizer_id = ${organizerId}`);
  const row = result.rows[0];
  return row && { organizationId: row.organization_id, role: row.role };
}

// ---------------------------------------------------------------- audit log

export async function insertAudit(db: HttpDatabase | Transaction, values: AuditInsert): Promise<void> {
  await db.insert(auditLog).values(values);
}

/** Newest first, `limit` entries before the entry `before` (an id). */
export async function auditPage(db: HttpDatabase, organizationId: string, before: number | undefined, limit: number) {
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.organizationId, organizationId), before === undefined ? undefined : lt(auditLog.id, before)))
    .orderBy(desc(auditLog.id))
    .limit(limit + 1);
  return { rows: rows.slice(0, limit), next: rows.length > limit ? rows[limit - 1]!.id : undefined };
}
