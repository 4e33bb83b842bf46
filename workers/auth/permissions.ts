/**
 * The role check every organizer endpoint makes (issue #15). How to use it is written at the top of
 * workers/domain/roles.ts, which holds the one permission table:
 *
 *   .post("/:eventId/promo-codes", requirePermission("promo_code.write"), validate("json", body), async (c) => {
 *     const event = await findOwnedEvent(c.get("db"), eventId, currentOrganization(c).id); // 404 when not theirs
 *     …
 *     await recordAudit(c, { action: "promo_code.created", eventId: event.id, target: { type: "promo_code", id } });
 *   })
 *
 * Order of answers: no or bad credentials → 401 UNAUTHENTICATED; a cookie write without its CSRF
 * token → 403 FORBIDDEN; a role without the action → 403 FORBIDDEN (`role`, `required_permission`
 * in the body); then the route's own lookups, where another organization's resource is a 404.
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { can, type Action, type Role } from "../domain/roles";
import { ApiError } from "../errors";
import { authenticateOrganizer, type OrganizerPrincipal } from "./organizer-auth";

export type AuthorizedPrincipal = OrganizerPrincipal & { organization: { id: string; name: string }; role: Role };

/** The route's permission, readable from the router (the authz matrix test lists routes by it). */
export interface PermissionMiddleware {
  permission: Action;
}

export function assertPermission(principal: OrganizerPrincipal, action: Action): asserts principal is AuthorizedPrincipal {
  if (!principal.organization || !principal.role) {
    throw new ApiError("FORBIDDEN", "You are not a member of any organization. Ask an owner for an invitation.", { required_permission: action });
  }
  if (!can(principal.role, action)) {
    throw new ApiError("FORBIDDEN", `The ${principal.role.replace("_", " ")} role may not do this (${action}). Ask an owner of ${principal.organization.name || "your organization"}.`, {
      role: principal.role,
      required_permission: action,
    });
  }
}

/** For routes that also take other credentials: authenticates as an organizer and checks the action. */
export async function authorizeOrganizer(c: Context<AppEnv>, action: Action): Promise<AuthorizedPrincipal> {
  await authenticateOrganizer(c);
  const principal = c.get("principal")!;
  assertPermission(principal, action);
  return principal;
}

/** Route middleware: 401 without credentials, 403 when the caller's role may not do `action`. */
export function requirePermission(action: Action) {
  const middleware = createMiddleware<AppEnv>(async (c, next) => {
    await authorizeOrganizer(c, action);
    await next();
  });
  return Object.assign(middleware, { permission: action } satisfies PermissionMiddleware);
}

/** The organization this request acts for; only after requirePermission/authorizeOrganizer. */
export function currentOrganization(c: Context<AppEnv>): { id: string; name: string } {
  const organization = c.get("principal")?.organization;
  if (!organization) throw new ApiError("FORBIDDEN", "You are not a member of any organization.");
  return organization;
}

export function currentRole(c: Context<AppEnv>): Role {
  const role = c.get("principal")?.role;
  if (!role) throw new ApiError("FORBIDDEN", "You are not a member of any organization.");
  return role;
}

/** The caller, checked by requirePermission/authorizeOrganizer: who acts, for which organization, in which role. */
export function currentPrincipal(c: Context<AppEnv>): AuthorizedPrincipal {
  const principal = c.get("principal");
  if (!principal?.organization || !principal.role) throw new ApiError("FORBIDDEN", "You are not a member of any organization.");
  return principal as AuthorizedPrincipal;
}
