/**
 * Organizations (issue #15): an organization owns events (and through them check-in lists and
 * scanner devices) and API keys; people (organizers) belong to it as members with one role each,
 * join by an invitation mailed to them, and everything that changes money, capacity or access is
 * written to its audit log. The roles' rights live in workers/domain/roles.ts.
 */
import { sql } from "drizzle-orm";
import { bigserial, index, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { at, createdAt, id } from "./columns";
import { organizerApiKeys, organizers } from "./access";

export const memberRole = pgEnum("member_role", ["owner", "admin", "box_office", "finance", "door"]);

export const organizations = pgTable("organizations", {
  id: id(),
  name: text("name").notNull(),
  createdAt: createdAt(),
});

export const organizationMembers = pgTable(
  "organization_members",
  {
    organizationId: uuid("organization_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    organizerId: uuid("organizer_id").notNull().references(() => organizers.id, { onDelete: "cascade" }),
    role: memberRole("role").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.organizationId, t.organizerId] }), index("organization_members_organizer_idx").on(t.organizerId)],
);

/** A mailed invitation: the token is stored as its SHA-256 only, used once, and expires. */
export const organizationInvitations = pgTable(
  "organization_invitations",
  {
    id: id(),
    organizationId: uuid("organization_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: memberRole("role").notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedBy: uuid("invited_by").references(() => organizers.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    expiresAt: at("expires_at").notNull(),
    acceptedAt: at("accepted_at"),
    acceptedBy: uuid("accepted_by").references(() => organizers.id, { onDelete: "set null" }),
    revokedAt: at("revoked_at"),
  },
  (t) => [
    uniqueIndex("organization_invitations_token_hash_key").on(t.tokenHash),
    // One open invitation per address and organization: inviting again replaces it.
    uniqueIndex("organization_invitations_open_key")
      .on(t.organizationId, sql`lower(${t.email})`)
      .where(sql`${t.acceptedAt} IS NULL AND ${t.revokedAt} IS NULL`),
  ],
);

/**
 * Who did what: append-only. The actor is a member or an API key (ids kept while they exist) and
 * its name at the time, so a removed member's entries still say who it was.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    organizationId: uuid("organization_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    at: at("at").notNull().defaultNow(),
    actorOrganizerId: uuid("actor_organizer_id").references(() => organizers.id, { onDelete: "set null" }),
    actorApiKeyId: uuid("actor_api_key_id").references(() => organizerApiKeys.id, { onDelete: "set null" }),
    actorName: text("actor_name").notNull(),
    action: text("action").notNull(),
    eventId: uuid("event_id"),
    targetType: text("target_type"),
    targetId: text("target_id"),
    details: jsonb("details").notNull().default({}),
  },
  (t) => [index("audit_log_organization_idx").on(t.organizationId, t.id)],
);
