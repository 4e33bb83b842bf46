/**
 * Changing a member's role and removing a member (owners only, `member.manage`). Each runs in one
 * transaction with the organization's row locked, so two owners demoting or removing each other at
 * the same moment apply one after the other and the second finds itself the last owner: an
 * organization never loses its last owner (workers/domain/roles.ts, leavesAnOwner).
 */
import { inTransaction, type DatabaseSettings } from "../../db/client";
import { deleteMember, listMembers, lockOrganization, setMemberRole } from "../../db/queries/organizations";
import type { AuthorizedPrincipal } from "../auth/permissions";
import { leavesAnOwner, type Role } from "../domain/roles";
import { ApiError } from "../errors";
import { recordAudit } from "./audit-log";

const notMember = () => new ApiError("NOT_FOUND", "Your organization has no member with this id.");
const lastOwner = () =>
  new ApiError("CONFLICT", "An organization needs an owner: make someone else an owner first.", { reason: "last_owner" });

export async function changeMemberRole(settings: DatabaseSettings, actor: AuthorizedPrincipal, organizerId: string, role: Role) {
  return inTransaction(settings, async (tx) => {
    const organizationId = actor.organization.id;
    if (!(await lockOrganization(tx, organizationId))) throw notMember();
    const members = await listMembers(tx, organizationId);
    const member = members.find((m) => m.organizerId === organizerId);
    if (!member) throw notMember();
    if (member.role === role) return { member, changed: false };
    if (!leavesAnOwner(new Map(members.map((m) => [m.organizerId, m.role])), { memberId: organizerId, role })) throw lastOwner();
    await setMemberRole(tx, organizationId, organizerId, role);
    await recordAudit(tx, actor, {
      action: "member.role_changed",
      target: { type: "member", id: organizerId },
      details: { email: member.email, from: member.role, to: role },
    });
    return { member: { ...member, role }, changed: true };
  });
}

export async function removeMember(settings: DatabaseSettings, actor: AuthorizedPrincipal, organizerId: string): Promise<void> {
  await inTransaction(settings, async (tx) => {
    const organizationId = actor.organization.id;
    if (!(await lockOrganization(tx, organizationId))) throw notMember();
    const members = await listMembers(tx, organizationId);
    const member = members.find((m) => m.organizerId === organizerId);
    if (!member) throw notMember();
    if (!leavesAnOwner(new Map(members.map((m) => [m.organizerId, m.role])), { memberId: organizerId, role: "removed" })) throw lastOwner();
    await deleteMember(tx, organizationId, organizerId);
    await recordAudit(tx, actor, { action: "member.removed", target: { type: "member", id: organizerId }, details: { email: member.email, role: member.role } });
  });
}
