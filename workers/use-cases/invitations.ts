/**
 * Joining an organization (issue #15): an owner invites an address in a role; the mail carries a
 * single-use link (token stored as its SHA-256 only, valid INVITATION_DAYS); the person signs in, or
 * signs up with that same address, and accepts. Inviting the address again replaces the open one.
 */
import type { HttpDatabase } from "../../db/client";
import { acceptInvitation, findOpenInvitation, insertInvitation, type Membership } from "../../db/queries/organizations";
import type { OrganizerRow } from "../../db/queries/organizers";
import { enqueueOutbox } from "../../db/queries/outbox";
import type { AuthorizedPrincipal } from "../auth/permissions";
import { randomToken, sha256Hex } from "../auth/tokens";
import type { Role } from "../domain/roles";
import { ApiError } from "../errors";
import { invitationMail } from "../mail/invitation";
import { recordAudit } from "./audit-log";

export const INVITATION_DAYS = 7;
export const INVITATION_TOKEN_PREFIX = "ao_invite_";

export async function inviteMember(env: Env, db: HttpDatabase, inviter: AuthorizedPrincipal, input: { email: string; role: Role }, now: Date) {
  const token = randomToken(INVITATION_TOKEN_PREFIX);
  const invitation = await insertInvitation(db, {
    organizationId: inviter.organization.id,
    email: input.email,
    role: input.role,
    tokenHash: await sha256Hex(token),
    invitedBy: inviter.organizer.id,
    expiresAt: new Date(now.getTime() + INVITATION_DAYS * 86_400_000),
  });
  const mail = invitationMail({
    invitationId: invitation.id,
    token,
    baseUrl: env.PUBLIC_BASE_URL,
    to: input.email,
    organizationName: inviter.organization.name,
    inviterName: inviter.apiKey ? inviter.organization.name : inviter.organizer.name,
    role: input.role,
    validDays: INVITATION_DAYS,
  });
  await enqueueOutbox(db, "mail", mail.dedupe_key, mail);
  await recordAudit(db, inviter, { action: "member.invited", target: { type: "invitation", id: invitation.id }, details: { email: input.email, role: input.role } });
  return invitation;
}

const gone = () => new ApiError("NOT_FOUND", "This invitation is not valid any more: it was used, withdrawn or it expired. Ask for a new one.");

/** The open invitation behind a token; `email`, when given, must be the address it was sent to. */
export async function openInvitation(db: HttpDatabase, token: string, now: Date, email?: string) {
  if (!token.startsWith(INVITATION_TOKEN_PREFIX)) throw gone();
  const found = await findOpenInvitation(db, await sha256Hex(token), now);
  if (!found) throw gone();
  if (email !== undefined && found.invitation.email.toLowerCase() !== email.trim().toLowerCase()) {
    throw new ApiError("FORBIDDEN", `This invitation was sent to another address. Sign in (or sign up) as ${found.invitation.email} to accept it.`);
  }
  return found;
}

/** Spends the invitation and makes `person` a member (one statement); logged as the person joining. */
export async function joinByInvitation(db: HttpDatabase, person: OrganizerRow, token: string, now: Date): Promise<Membership> {
  const { invitation, organizationName } = await openInvitation(db, token, now, person.email);
  const joined = await acceptInvitation(db, await sha256Hex(token), person.id, now);
  if (!joined) throw gone();
  const membership: Membership = { organization: { id: joined.organizationId, name: organizationName }, role: joined.role };
  await recordAudit(db, { organizer: person, via: "session", ...membership }, {
    action: "member.joined",
    target: { type: "member", id: person.id },
    details: { email: person.email, role: joined.role, invitation_id: invitation.id },
  });
  return membership;
}
