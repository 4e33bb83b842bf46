/**
 * The organization's audit log (issue #15): who did what — refunds, cancellations, capacity and
 * price changes, role changes, invitations, API keys, scanner enrolment and revocation. Written
 * after the change it records; the actor's name is kept as it was, so the entry outlives them.
 */
import type { HttpDatabase, Transaction } from "../../db/client";
import { insertAudit, type AuditRow } from "../../db/queries/organizations";
import type { AuthorizedPrincipal } from "../auth/permissions";

export interface AuditFact {
  /** `<thing>.<past tense>`: order.refunded, event.cancelled, event.updated, member.role_changed, … */
  action: string;
  eventId?: string | null;
  target?: { type: string; id: string };
  details?: Record<string, unknown>;
}

export async function recordAudit(db: HttpDatabase | Transaction, actor: AuthorizedPrincipal, fact: AuditFact): Promise<void> {
  await insertAudit(db, {
    organizationId: actor.organization.id,
    actorOrganizerId: actor.apiKey ? null : actor.organizer.id,
    actorApiKeyId: actor.apiKey?.id ?? null,
    actorName: actor.apiKey ? `API key "${actor.apiKey.name}"` : `${actor.organizer.name} <${actor.organizer.email}>`,
    action: fact.action,
    eventId: fact.eventId ?? null,
    targetType: fact.target?.type ?? null,
    targetId: fact.target?.id ?? null,
    details: fact.details ?? {},
  });
}

export function presentAudit(row: AuditRow) {
  return {
    audit_id: String(row.id),
    at: row.at.toISOString(),
    actor: {
      type: row.actorApiKeyId ? "api_key" : "member",
      organizer_id: row.actorOrganizerId,
      api_key_id: row.actorApiKeyId,
      name: row.actorName,
    },
    action: row.action,
    event_id: row.eventId,
    target: row.targetType ? { type: row.targetType, id: row.targetId } : null,
    details: row.details,
  };
}
