/**
 * Organizer accounts: sign-up, password sign-in with a session cookie, and API keys.
 */
import { Hono } from "hono";
import { z } from "zod";
import {
  countRecentFailures,
  findOrganizerByEmail,
  insertApiKey,
  insertOrganizer,
  insertSession,
  listApiKeys,
  recordLoginAttempt,
  revokeApiKey,
  revokeSession,
  type OrganizerRow,
} from "../../db/queries/organizers";
import { clearSessionCookie, currentOrganizer, identifyOrganizer, requireOrganizer, SESSION_DAYS, setSessionCookie } from "../auth/organizer-auth";
import { hashPassword, verifyPassword } from "../auth/passwords";
import { API_KEY_PREFIX, randomToken, SESSION_PREFIX, sha256Hex } from "../auth/tokens";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { validate } from "../validation";
import type { Context } from "hono";

const LOGIN_WINDOW_MINUTES = 15;
const MAX_FAILURES_PER_EMAIL = 5;
const MAX_FAILURES_PER_CLIENT = 20;

const email = z.email().max(254).transform((e) => e.trim());
const password = z.string().min(10, "Use at least 10 characters.").max(200);

const signUpBody = z.object({ name: z.string().trim().min(1).max(120), email, password }).strict();
const signInBody = z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(200) }).strict();
const apiKeyBody = z.object({ name: z.string().trim().min(1).max(80) }).strict();
const apiKeyParams = z.object({ keyId: z.uuid() });

function clientIp(c: Context<AppEnv>): string {
  return c.req.header("CF-Connecting-IP") ?? c.req.header("X-Forwarded-For")?.split(",")[0]?.trim() ?? "unknown";
}

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
    const organizer = await insertOrganizer(c.get("db"), { name: body.name, email: body.email, passwordHash: await hashPassword(body.password) });
    if (!organizer) throw new ApiError("EMAIL_TAKEN", "An organizer with this email already exists. Sign in instead.");
    const key = await issueApiKey(c, organizer.id, "default");
    const csrfToken = await startSession(c, organizer);
    return c.json({ ...presentOrganizer(organizer), api_key: key.api_key, csrf_token: csrfToken }, 201);
  })
  .post("/sessions", validate("json", signInBody), async (c) => {
    const { email: address, password: given } = c.req.valid("json");
    const db = c.get("db");
    const ip = clientIp(c);
    const failures = await countRecentFailures(db, address, ip, new Date(Date.now() - LOGIN_WINDOW_MINUTES * 60_000));
    if (failures.byEmail >= MAX_FAILURES_PER_EMAIL || failures.byIp >= MAX_FAILURES_PER_CLIENT) {
      throw new ApiError("RATE_LIMITED", `Too many failed sign-ins. Wait ${LOGIN_WINDOW_MINUTES} minutes and try again.`, {
        retry_after_seconds: LOGIN_WINDOW_MINUTES * 60,
      });
    }
    const organizer = await findOrganizerByEmail(db, address);
    // Hash even for an unknown email so the answer takes as long either way.
    const valid = await verifyPassword(given, organizer?.passwordHash ?? (await hashPassword("no such organizer")));
    await recordLoginAttempt(db, { email: address, clientIp: ip, succeeded: Boolean(organizer && valid) });
    if (!organizer || !valid) throw new ApiError("UNAUTHENTICATED", "That email and password do not match an organizer account.");
    const csrfToken = await startSession(c, organizer);
    return c.json({ ...presentOrganizer(organizer), csrf_token: csrfToken });
  })
  .delete("/sessions/current", async (c) => {
    const principal = await identifyOrganizer(c).catch(() => undefined);
    if (principal?.sessionTokenHash) await revokeSession(c.get("db"), principal.sessionTokenHash);
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
