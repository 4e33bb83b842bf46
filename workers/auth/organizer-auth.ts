/**
 * Who is calling, for organizer endpoints: an API key (`Authorization: Bearer ao_key_…`) or the
 * dashboard's session cookie. Cookie-authenticated writes also need the session's CSRF token in
 * `X-CSRF-Token` and, when the browser sends one, a same-origin `Origin`: a cookie alone never
 * changes anything.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { findMembership, findOrganization } from "../../db/queries/organizations";
import { findApiKeyByHash, findSession, type OrganizerRow } from "../../db/queries/organizers";
import type { Role } from "../domain/roles";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { API_KEY_PREFIX, sha256Hex, timingSafeEqual } from "./tokens";

export const SESSION_COOKIE = "ao_session";
export const SESSION_DAYS = 7;

export interface OrganizerPrincipal {
  /** The person: the signed-in member, or for an API key the member who made it. */
  organizer: OrganizerRow;
  via: "api_key" | "session";
  csrfToken?: string;
  sessionTokenHash?: string;
  /**
   * The organization this request acts for and the role it acts with: an API key's own, or the
   * session's chosen organization (else the member's first) with the member's role there, read
   * afresh on every request. Absent for a person who belongs to no organization any more.
   */
  organization?: { id: string; name: string };
  role?: Role;
  apiKey?: { id: string; name: string };
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function isLocalHost(url: string): boolean {
  const { hostname } = new URL(url);
  return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]";
}

export function setSessionCookie(c: Context<AppEnv>, token: string, expiresAt: Date): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    secure: !isLocalHost(c.req.url),
    sameSite: "Lax",
    path: "/",
    expires: expiresAt,
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: !isLocalHost(c.req.url) });
}

/** The caller, if it presented valid organizer credentials; throws only for invalid ones. */
export async function identifyOrganizer(c: Context<AppEnv>): Promise<OrganizerPrincipal | undefined> {
  const db = c.get("db");
  const authorization = c.req.header("Authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match?.[1]?.startsWith(API_KEY_PREFIX)) {
      throw new ApiError("UNAUTHENTICATED", "The Authorization header must be `Bearer <api_key>`.");
    }
    const found = await findApiKeyByHash(db, await sha256Hex(match[1]));
    const { key, organizer } = found ?? {};
    // The key belongs to its organization and keeps working whoever made it.
    const organization = key?.organizationId ? await findOrganization(db, key.organizationId) : undefined;
    if (!key?.role || !organizer || !organization) throw new ApiError("UNAUTHENTICATED", "This API key is not valid or has been revoked.");
    return { organizer, via: "api_key", organization: { id: organization.id, name: organization.name }, role: key.role, apiKey: { id: key.id, name: key.name } };
  }
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return undefined;
  const tokenHash = await sha256Hex(token);
  const found = await findSession(db, tokenHash, new Date());
  if (!found) return undefined;
  const membership = await findMembership(db, found.organizer.id, found.session.organizationId);
  return { organizer: found.organizer, via: "session", csrfToken: found.session.csrfToken, sessionTokenHash: tokenHash, ...membership };
}

/** Cookie writes need the session's CSRF token and, when sent, a same-origin Origin; other callers pass. */
export function assertCsrf(c: Context<AppEnv>, principal: OrganizerPrincipal): void {
  if (principal.via !== "session" || SAFE_METHODS.has(c.req.method)) return;
  const origin = c.req.header("Origin");
  if (origin && origin !== new URL(c.req.url).origin) {
    throw new ApiError("FORBIDDEN", "Requests from another site cannot change your account.");
  }
  const sent = c.req.header("X-CSRF-Token") ?? "";
  if (!principal.csrfToken || !timingSafeEqual(sent, principal.csrfToken)) {
    throw new ApiError("FORBIDDEN", "This change needs the X-CSRF-Token header of your session. Reload the page and try again.");
  }
}

/** The organizer making this request, checked as requireOrganizer checks it, for routes that also take other credentials. */
export async function authenticateOrganizer(c: Context<AppEnv>): Promise<OrganizerRow> {
  const principal = await identifyOrganizer(c);
  if (!principal) throw new ApiError("UNAUTHENTICATED", "Sign in or send an organizer API key.");
  assertCsrf(c, principal);
  c.set("principal", principal);
  return principal.organizer;
}

/** Organizer endpoints: 401 without credentials, 403 for a cookie write without its CSRF token. */
export const requireOrganizer = createMiddleware<AppEnv>(async (c, next) => {
  await authenticateOrganizer(c);
  await next();
});

/** Endpoints that show more to the owner (e.g. draft previews) but are public otherwise. */
export const optionalOrganizer = createMiddleware<AppEnv>(async (c, next) => {
  const principal = await identifyOrganizer(c).catch(() => undefined);
  if (principal) c.set("principal", principal);
  await next();
});

export function currentOrganizer(c: Context<AppEnv>): OrganizerRow {
  const principal = c.get("principal");
  if (!principal) throw new ApiError("UNAUTHENTICATED", "Sign in or send an organizer API key.");
  return principal.organizer;
}
