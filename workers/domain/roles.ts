/**
 * Who in an organization may do what: ONE table, read by every organizer endpoint.
 *
 * HOW TO USE IT (issue #15; promo codes, webhooks and every later organizer endpoint):
 * - In a route, put `requirePermission("<action>")` (workers/auth/permissions.ts) FIRST in the
 *   chain, before any `validate(...)`, so a role that may not act gets 403 FORBIDDEN whatever it sent:
 *     .post("/:eventId/promo-codes", requirePermission("promo_code.write"), validate("json", body), async (c) => …)
 *   A route that also takes other credentials (an order token, say) calls
 *   `await authorizeOrganizer(c, "<action>")` from the same file instead.
 * - Scope every lookup to the caller's organization, `currentOrganization(c).id`
 *   (events.organization_id), never to the person: `findOwnedEvent(db, eventId, currentOrganization(c).id)`.
 *   Another organization's id answers 404 like an unknown one.
 * - No action fits? Add one line to PERMISSIONS below; never compare role names in a route.
 * - test/runtime/authz-matrix.test.ts reads every route from the app and calls each one as every
 *   role and as a member of another organization; a new route fails it until it carries a permission.
 *
 * Roles (issue #15): owner — everything, members and payouts included; admin — events, refunds and
 * settings (API keys, webhooks, promo codes); box_office — orders, refunds, waitlist, no settings;
 * finance — read-only reports and exports; door — scanner devices and check-in lists only. Every
 * role may read the organization itself and its events (door staff must find the event they enrol
 * scanners for).
 */

export const ROLES = ["owner", "admin", "box_office", "finance", "door"] as const;
export type Role = (typeof ROLES)[number];

const everyone: readonly Role[] = ROLES;

export const PERMISSIONS = {
  "organization.read": everyone,
  "member.read": ["owner", "admin"],
  "member.manage": ["owner"],
  "payout.manage": ["owner"],
  "api_key.manage": ["owner", "admin"],
  "audit.read": ["owner", "admin", "finance"],
  "event.read": everyone,
  /** Create, edit (capacity and prices included) and publish. */
  "event.write": ["owner", "admin"],
  "event.cancel": ["owner", "admin"],
  /** Live figures: GET …/stats and the dashboard socket. */
  "stats.read": ["owner", "admin", "box_office", "finance"],
  /** The paged order and attendee lists. */
  "order.read": ["owner", "admin", "box_office", "finance"],
  "order.refund": ["owner", "admin", "box_office"],
  "waitlist.read": ["owner", "admin", "box_office"],
  /** Sales and check-in reports, CSV exports, reconciliation findings. */
  "report.read": ["owner", "admin", "finance"],
  /** Scanner devices and check-in lists. */
  "door.read": ["owner", "admin", "door"],
  "door.manage": ["owner", "admin", "door"],
  "promo_code.read": ["owner", "admin", "box_office", "finance"],
  "promo_code.write": ["owner", "admin"],
  "webhook.manage": ["owner", "admin"],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof PERMISSIONS;

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function isAction(value: unknown): value is Action {
  return typeof value === "string" && Object.hasOwn(PERMISSIONS, value);
}

export function can(role: Role, action: Action): boolean {
  return (PERMISSIONS[action] as readonly Role[]).includes(role);
}

/**
 * Whether someone in `granter`'s role may hand out `role` (to an API key or an invitation): never
 * more than one holds. Only an owner makes owners; members themselves are managed by owners only
 * (`member.manage`), so for them this only matters to API keys made by admins.
 */
export function canGrant(granter: Role, role: Role): boolean {
  if (granter === "owner") return true;
  if (role === "owner") return false;
  // Every right of the granted role must be one the granter has.
  return (Object.keys(PERMISSIONS) as Action[]).every((action) => !can(role, action) || can(granter, action));
}

/**
 * An organization always keeps an owner: the roles it would have after a change (a member removed,
 * or given another role) must still include one. `roles` maps member id → role today.
 */
export function leavesAnOwner(roles: ReadonlyMap<string, Role>, change: { memberId: string; role: Role | "removed" }): boolean {
  for (const [memberId, role] of roles) {
    const after = memberId === change.memberId ? change.role : role;
    if (after === "owner") return true;
  }
  return false;
}
