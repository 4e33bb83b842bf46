/**
 * Organizer accounts: sign-up (limited per client address), password sign-in with a session cookie
 * (throttled per email and address: workers/use-cases/sign-in.ts), sign-out, and the organization's
 * API keys. Signing up makes a new organization with the person as its owner, or, with an
 * invitation token, makes them a member of the inviting one (issue #15).
 */
import { Hono } from "hono";
import { z } from "zod";
import { insertOrganization } from "../../db/queries/organizations";
import { insertApiKey, insertOrganizer, insertSession, listApiKeys, revokeApiKey, revokeSession, type OrganizerRow } from "../../db/queries/organizers";
import { assertCsrf, clearSessionCookie, identifyOrganizer, requireOrganizer, SESSION_DAYS, setSessionCookie, type OrganizerPrincipal } from "../auth/organizer-auth";
import { currentPrincipal, requirePermission } from "../auth/permissions";
import { canGrant, ROLES, type Role } from "../domain/roles";
import { joinByInvitation, openInvitation } from "../use-cases/invitations";
import { recordAudit } from "../use-cases/audit-log";
import { hashPassword } from "../auth/passwords";
import { API_KEY_PREFIX, randomToken, SESSION_PREFIX, sha256Hex } from "../auth/tokens";
import { clientAddress, clientKeyOf } from "../client-address";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { enforceLimit, SIGN_UPS_PER_ADDRESS } from "../use-cases/address-limits";
import { signIn } from "../use-cases/sign-in";
import { validate } from "../validation";
import type { Context } from "hono";

const email = z.email().max(254).transform((e) => e.trim());
const password = z.string().min(10, "Use at least 10 characters.").max(200);

const signUpBody = z
  .object({
    name: z.string().trim().min(1).max(120),
    email,
    password,
    /** Name of the new organization (default: the person's name); ignored when joining by invitation. */
    organization_name: z.string().trim().min(1).max(120).optional(),
    invitation_token: z.string().min(1).max(200).optional(),
  })
  .strict();
const signInBody = z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(200) }).strict();
const apiKeyBody = z.object({ name: z.string().trim().min(1).max(80), role: z.enum(ROLES).optional() }).strict();
const apiKeyParams = z.object({ keyId: z.uuid() });

/** A key of the organization, acting with `role` whoever made it. */
async function issueApiKey(c: Context<AppEnv>, owner: { organizerId: string; organizationId: string; role: Role }, name: string) {
  const apiKey = randomToken(API_KEY_PREFIX);
  const row = await insertApiKey(c.get("db"), { ...owner, name, prefix: apiKey.slice(0, API_KEY_PREFIX.length + 6), keyHash: await sha256Hex(apiKey) });
  return { api_key_id: row.id, name: row.name, prefix: row.prefix, role: owner.role, organization_id: owner.organizationId, api_key: apiKey };
}

async function startSession(c: Context<AppEnv>, organizer: OrganizerRow, organizationId?: string): Promise<string> {
  const token = randomToken(SESSION_PREFIX);
  const csrfToken = randomToken("", 24);
  const expiresAt = new Date(Date.now() + SESSION_DAYS * 24 * 3_600_000);
  await insertSession(c.get("db"), { organizerId: organizer.id, organizationId, tokenHash: await sha256Hex(token), csrfToken, expiresAt });
  setSessionCookie(c, token, expiresAt);
  return csrfToken;
}

const presentOrganizer = (o: OrganizerRow) => ({ organizer_id: o.id, name: o.name, email: o.email });
const presentMembership = (p: Pick<OrganizerPrincipal, "organization" | "role">) => ({
  organization: p.organization ? { organization_id: p.organization.id, name: p.organization.name } : null,
  role: p.role ?? null,
});

export const organizerRoutes = new Hono<AppEnv>()
  .post("/organizers", validate("json", signUpBody), async (c) => {
    const body = c.req.valid("json");
    // Counted before PBKDF2 runs: a flood of sign-ups must not buy hashing for everyone else's requests.
    await enforceLimit(c.get("db"), SIGN_UPS_PER_ADDRESS, await clientKeyOf(c.env.SIGNING_MASTER_KEY, clientAddress(c)), "sign-ups");
    // Checked before the account exists: a dead or someone else's invitation must not leave half an account behind.
    if (body.invitation_token) await openInvitation(c.get("db"), body.invitation_token, new Date(), body.email);
    const organizer = await insertOrganizer(c.get("db"), { name: body.name, email: body.email, passwordHash: await hashPassword(body.password) });
    if (!organizer) throw new ApiError("EMAIL_TAKEN", "An organizer with this email already exists. Sign in instead.");
    const joined = body.invitation_token ? await joinByInvitation(c.get("db"), organizer, body.invitation_token, new Date()) : undefined;
    const membership = joined ?? { organization: await insertOrganization(c.get("db"), body.organization_name ?? body.name, organizer.id), role: "owner" as const };
    const key = await issueApiKey(c, { organizerId: organizer.id, organizationId: membership.organization.id, role: membership.role }, "default");
    const csrfToken = await startSession(c, organizer, membership.organization.id);
    return c.json({ ...presentOrganizer(organizer), ...presentMembership(membership), api_key: key.api_key, csrf_token: csrfToken }, 201);
  })
  .post("/sessions", validate("json", signInBody), async (c) => {
    const organizer = await signIn(c.env, c.get("db"), c.req.valid("json"), clientAddress(c));
    const csrfToken = await startSession(c, organizer);
    return c.json({ ...presentOrganizer(organizer), csrf_token: csrfToken });
  })
  .delete("/sessions/current", async (c) => {
    const principal = await identifyOrganizer(c).catch(() => undefined);
    if (principal?.sessionTokenHash) {
      // A cookie write like any other: another site must not be able to sign the organizer out.
      assertCsrf(c, principal);
      await revokeSession(c.get("db"), principal.sessionTokenHash);
    }
    clearSessionCookie(c);
    return c.body(null, 204);
  })
  .get("/organizers/me", requireOrganizer, async (c) => {
    const principal = c.get("principal")!;
    return c.json({
      ...presentOrganizer(principal.organizer),
      ...presentMembership(principal),
      via: principal.via,
      ...(principal.csrfToken ? { csrf_token: principal.csrfToken } : {}),
    });
  })
  .get("/organizers/me/api-keys", requirePermission("api_key.manage"), async (c) => {
    const keys = await listApiKeys(c.get("db"), currentPrincipal(c).organization.id);
    return c.json({
      api_keys: keys.map((k) => ({
        api_key_id: k.id,
        name: k.name,
        prefix: k.prefix,
        role: k.role,
        created_at: k.createdAt.toISOString(),
        last_used_at: k.lastUsedAt?.toISOString() ?? null,
      })),
    });
  })
  .post("/organizers/me/api-keys", requirePermission("api_key.manage"), validate("json", apiKeyBody), async (c) => {
    const principal = currentPrincipal(c);
    const { name, role = principal.role } = c.req.valid("json");
    if (!canGrant(principal.role, role)) {
      throw new ApiError("FORBIDDEN", `The ${principal.role.replace("_", " ")} role cannot make a key with the ${role.replace("_", " ")} role.`, { role: principal.role });
    }
    const key = await issueApiKey(c, { organizerId: principal.organizer.id, organizationId: principal.organization.id, role }, name);
    await recordAudit(c.get("db"), principal, { action: "api_key.created", target: { type: "api_key", id: key.api_key_id }, details: { name: key.name, prefix: key.prefix, role } });
    return c.json(key, 201);
  })
  .delete("/organizers/me/api-keys/:keyId", requirePermission("api_key.manage"), async (c) => {
    const parsed = apiKeyParams.safeParse(c.req.param());
    const principal = currentPrincipal(c);
    const revoked = parsed.success ? await revokeApiKey(c.get("db"), principal.organization.id, parsed.data.keyId) : undefined;
    if (!revoked) throw new ApiError("NOT_FOUND", "You have no API key with this id.");
    await recordAudit(c.get("db"), principal, { action: "api_key.revoked", target: { type: "api_key", id: revoked.id }, details: { name: revoked.name, prefix: revoked.prefix, role: revoked.role } });
    return c.body(null, 204);
  });
