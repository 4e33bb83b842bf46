/**
 * Organizer accounts: sign-up (limited per client address), password sign-in with a session cookie
 * (throttled per email and address: workers/use-cases/sign-in.ts), sign-out, and API keys.
 */
import { Hono } from "hono";
import { z } from "zod";
import { insertApiKey, insertOrganizer, insertSession, listApiKeys, revokeApiKey, revokeSession, type OrganizerRow } from "../../db/queries/organizers";
import { assertCsrf, clearSessionCookie, currentOrganizer, identifyOrganizer, requireOrganizer, SESSION_DAYS, setSessionCookie } from "../auth/organizer-auth";
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

const signUpBody = z.object({ name: z.string().trim().min(1).max(120), email, password }).strict();
const signInBody = z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(200) }).strict();
const apiKeyBody = z.object({ name: z.string().trim().min(1).max(80) }).strict();
const apiKeyParams = z.object({ keyId: z.uuid() });

async function issueApiKey(c: Context<AppEnv>, organizerId: string, name: string) {
  const apiKey = randomToken(API_KEY_PREFIX);
  const row = await insertApiKey(c.get("db"), { organizerId, name, prefix: apiKey.slice(0, API_KEY_PREFIX.length + 6), keyHash: await sha256Hex(apiKey) });
  return { api_key_id: row.id, name: row.name, prefix: row.prefix, api_key: apiKey };
}

async function startSession(c: Context<AppEnv>, organizer: OrganizerRow): Promise<string> {
  const token = randomToken(SESSION_PREFIX);
  const csrfToken = randomToken("", 24);
  const expiresAt = new Date(Date.now() + SESSION_DAYS * 24 * 3_600_000);
  await insertSession(c.get("db"), { organizerId: organizer.id, tokenHash: await sha256Hex(token), csrfToken, expiresAt });
  setSessionCookie(c, token, expiresAt);
  return csrfToken;
}

const presentOrganizer = (o: OrganizerRow) => ({ organizer_id: o.id, name: o.name, email: o.email });

export const organizerRoutes = new Hono<AppEnv>()
  .post("/organizers", validate("json", signUpBody), async (c) => {
    const body = c.req.valid("json");
    // Counted before PBKDF2 runs: a flood of sign-ups must not buy hashing for everyone else's requests.
    await enforceLimit(c.get("db"), SIGN_UPS_PER_ADDRESS, await clientKeyOf(c.env.SIGNING_MASTER_KEY, clientAddress(c)), "sign-ups");
    const organizer = await insertOrganizer(c.get("db"), { name: body.name, email: body.email, passwordHash: await hashPassword(body.password) });
    if (!organizer) throw new ApiError("EMAIL_TAKEN", "An organizer with this email already exists. Sign in instead.");
    const key = await issueApiKey(c, organizer.id, "default");
    const csrfToken = await startSession(c, organizer);
    return c.json({ ...presentOrganizer(organizer), api_key: key.api_key, csrf_token: csrfToken }, 201);
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
    return c.json({ ...presentOrganizer(principal.organizer), ...(principal.csrfToken ? { csrf_token: principal.csrfToken } : {}) });
  })
  .get("/organizers/me/api-keys", requireOrganizer, async (c) => {
    const keys = await listApiKeys(c.get("db"), currentOrganizer(c).id);
    return c.json({
      api_keys: keys.map((k) => ({
        api_key_id: k.id,
        name: k.name,
        prefix: k.prefix,
        created_at: k.createdAt.toISOString(),
        last_used_at: k.lastUsedAt?.toISOString() ?? null,
      })),
    });
  })
  .post("/organizers/me/api-keys", requireOrganizer, validate("json", apiKeyBody), async (c) => {
    return c.json(await issueApiKey(c, currentOrganizer(c).id, c.req.valid("json").name), 201);
  })
  .delete("/organizers/me/api-keys/:keyId", requireOrganizer, async (c) => {
    const parsed = apiKeyParams.safeParse(c.req.param());
    if (!parsed.success || !(await revokeApiKey(c.get("db"), currentOrganizer(c).id, parsed.data.keyId))) {
      throw new ApiError("NOT_FOUND", "You have no API key with this id.");
    }
    return c.body(null, 204);
  });
