/**
 * Organizations (issue #15): the caller's memberships and current organization, its members and
 * invitations (owners manage them), the audit log, and accepting an invitation. Every route that
 * acts for an organization checks the caller's role there (workers/domain/roles.ts).
 */
import { Hono } from "hono";
import { z } from "zod";
import { auditPage, listMembers, listMemberships, listOpenInvitations, revokeInvitation, setSessionOrganization, type InvitationRow } from "../../db/queries/organizations";
import { requireOrganizer } from "../auth/organizer-auth";
import { currentPrincipal, requirePermission } from "../auth/permissions";
import { databaseSettings } from "../config";
import type { AppEnv } from "../context";
import { can, PERMISSIONS, ROLES, type Action } from "../domain/roles";
import { ApiError } from "../errors";
import { publishOutbox } from "../outbox-publisher";
import { encodeCursor, pagedQuery } from "../page-cursor";
import { presentAudit } from "../use-cases/audit-log";
import { inviteMember, joinByInvitation, openInvitation } from "../use-cases/invitations";
import { changeMemberRole, removeMember } from "../use-cases/manage-members";
import { validate } from "../validation";

const role = z.enum(ROLES);
const invitationBody = z.object({ email: z.email().max(254).transform((e) => e.trim()), role }).strict();
const roleBody = z.object({ role }).strict();
const tokenBody = z.object({ token: z.string().min(1).max(200) }).strict();
const switchBody = z.object({ organization_id: z.uuid() }).strict();
const memberParams = z.object({ organizerId: z.string() });
const invitationParams = z.object({ invitationId: z.string() });
const auditQuery = pagedQuery(z.tuple([z.number().int().positive()]));

const isUuid = (value: string) => z.uuid().safeParse(value).success;

function presentInvitation(i: InvitationRow) {
  return { invitation_id: i.id, email: i.email, role: i.role, created_at: i.createdAt.toISOString(), expires_at: i.expiresAt.toISOString() };
}

export const organizationRoutes = new Hono<AppEnv>()
  .get("/organizations", requireOrganizer, async (c) => {
    const principal = c.get("principal")!;
    // An API key belongs to one organization; a person may belong to several.
    const rows = principal.apiKey ? [] : await listMemberships(c.get("db"), principal.organizer.id);
    const organizations = principal.apiKey
      ? principal.organization && principal.role ? [{ organization_id: principal.organization.id, name: principal.organization.name, role: principal.role, current: true }] : []
      : rows.map((r) => ({ organization_id: r.organizationId, name: r.name, role: r.role, current: r.organizationId === principal.organization?.id }));
    return c.json({ organizations });
  })
  .put("/sessions/current/organization", requireOrganizer, validate("json", switchBody), async (c) => {
    const principal = c.get("principal")!;
    if (!principal.sessionTokenHash) throw new ApiError("FORBIDDEN", "An API key belongs to one organization; only a signed-in session can switch.");
    const { organization_id } = c.req.valid("json");
    const membership = (await listMemberships(c.get("db"), principal.organizer.id)).find((m) => m.organizationId === organization_id);
    if (!membership) throw new ApiError("NOT_FOUND", "You are not a member of an organization with this id.");
    await setSessionOrganization(c.get("db"), principal.sessionTokenHash, organization_id);
    return c.json({ organization: { organization_id, name: membership.name }, role: membership.role });
  })
  .get("/organizations/current", requirePermission("organization.read"), async (c) => {
    const { organization, role } = currentPrincipal(c);
    const permissions = (Object.keys(PERMISSIONS) as Action[]).filter((action) => can(role, action));
    return c.json({ organization_id: organization.id, name: organization.name, role, permissions });
  })
  .get("/organizations/current/members", requirePermission("member.read"), async (c) => {
    const { organization } = currentPrincipal(c);
    const db = c.get("db");
    const [members, invitations] = await Promise.all([listMembers(db, organization.id), listOpenInvitations(db, organization.id, new Date())]);
    return c.json({
      organization_id: organization.id,
      members: members.map((m) => ({ organizer_id: m.organizerId, name: m.name, email: m.email, role: m.role, joined_at: m.joinedAt.toISOString() })),
      invitations: invitations.map(presentInvitation),
    });
  })
  .post("/organizations/current/invitations", requirePermission("member.manage"), validate("json", invitationBody), async (c) => {
    const invitation = await inviteMember(c.env, c.get("db"), currentPrincipal(c), c.req.valid("json"), new Date());
    await publishOutbox(c.env).catch((error: unknown) => console.warn(JSON.stringify({ level: "warn", where: "outbox", error: String(error) })));
    return c.json(presentInvitation(invitation), 201);
  })
  .delete("/organizations/current/invitations/:invitationId", requirePermission("member.manage"), validate("param", invitationParams), async (c) => {
    const { invitationId } = c.req.valid("param");
    const revoked = isUuid(invitationId) ? await revokeInvitation(c.get("db"), currentPrincipal(c).organization.id, invitationId) : undefined;
    if (!revoked) throw new ApiError("NOT_FOUND", "Your organization has no open invitation with this id.");
    return c.body(null, 204);
  })
  .patch("/organizations/current/members/:organizerId", requirePermission("member.manage"), validate("param", memberParams), validate("json", roleBody), async (c) => {
    const { organizerId } = c.req.valid("param");
    if (!isUuid(organizerId)) throw new ApiError("NOT_FOUND", "Your organization has no member with this id.");
    const { member } = await changeMemberRole(databaseSettings(c.env), currentPrincipal(c), organizerId, c.req.valid("json").role);
    return c.json({ organizer_id: member.organizerId, name: member.name, email: member.email, role: member.role, joined_at: member.joinedAt.toISOString() });
  })
  .delete("/organizations/current/members/:organizerId", requirePermission("member.manage"), validate("param", memberParams), async (c) => {
    const { organizerId } = c.req.valid("param");
    if (!isUuid(organizerId)) throw new ApiError("NOT_FOUND", "Your organization has no member with this id.");
    await removeMember(databaseSettings(c.env), currentPrincipal(c), organizerId);
    return c.body(null, 204);
  })
  .get("/organizations/current/audit-log", requirePermission("audit.read"), validate("query", auditQuery), async (c) => {
    const { organization } = currentPrincipal(c);
    const { cursor, limit } = c.req.valid("query");
    const page = await auditPage(c.get("db"), organization.id, cursor?.[0], limit);
    return c.json({ organization_id: organization.id, entries: page.rows.map(presentAudit), next_cursor: page.next === undefined ? null : encodeCursor([page.next]) });
  })
  .post("/invitations/lookup", validate("json", tokenBody), async (c) => {
    // What the join page shows before anyone signs in; the token itself is the secret.
    const { invitation, organizationName } = await openInvitation(c.get("db"), c.req.valid("json").token, new Date());
    return c.json({ organization_name: organizationName, email: invitation.email, role: invitation.role, expires_at: invitation.expiresAt.toISOString() });
  })
  .post("/invitations/accept", requireOrganizer, validate("json", tokenBody), async (c) => {
    const principal = c.get("principal")!;
    if (!principal.sessionTokenHash) throw new ApiError("FORBIDDEN", "An invitation is accepted by a person: sign in, then accept it.");
    const membership = await joinByInvitation(c.get("db"), principal.organizer, c.req.valid("json").token, new Date());
    // The dashboard now acts for the organization just joined.
    await setSessionOrganization(c.get("db"), principal.sessionTokenHash, membership.organization.id);
    return c.json({ organization: { organization_id: membership.organization.id, name: membership.organization.name }, role: membership.role });
  });
