/** Organizers and access: accounts, API keys, sessions, sign-in throttling, rate limits, password resets, attendees. */
import { sql } from "drizzle-orm";
import { bigserial, boolean, index, integer, pgTable, primaryKey, text, unique, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { id, createdAt, at } from "./columns";
import { memberRole, organizations } from "./organizations";

export const organizers = pgTable(
  "organizers",
  {
    id: id(),
    name: text("name").notNull(),
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("organizers_email_lower_key").on(sql`lower(${t.email})`)],
);

export const organizerApiKeys = pgTable(
  "organizer_api_keys",
  {
    id: id(),
    /** Who made the key; the key itself belongs to its organization and acts with its own role. */
    organizerId: uuid("organizer_id").notNull().references(() => organizers.id, { onDelete: "cascade" }),
    organizationId: uuid("organization_id").notNull().references(() => organizations.id, { onDelete: "cascade" }),
    role: memberRole("role").notNull(),
    name: text("name").notNull().default("default"),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    createdAt: createdAt(),
    lastUsedAt: at("last_used_at"),
    revokedAt: at("revoked_at"),
  },
  (t) => [unique("organizer_api_keys_key_hash_key").on(t.keyHash), index("organizer_api_keys_organizer_idx").on(t.organizerId)],
);

export const organizerSessions = pgTable(
  "organizer_sessions",
  {
    id: id(),
    organizerId: uuid("organizer_id").notNull().references(() => organizers.id, { onDelete: "cascade" }),
    /** The organization the dashboard acts for; null: the member's first one. */
    organizationId: uuid("organization_id").references(() => organizations.id, { onDelete: "set null" }),
    tokenHash: text("token_hash").notNull(),
    csrfToken: text("csrf_token").notNull(),
    createdAt: createdAt(),
    expiresAt: at("expires_at").notNull(),
    revokedAt: at("revoked_at"),
  },
  (t) => [unique("organizer_sessions_token_hash_key").on(t.tokenHash)],
);

/** Failed and successful sign-ins, for rate limiting by email and by client address. */
export const loginAttempts = pgTable(
  "login_attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    email: text("email").notNull(),
    clientIp: text("client_ip").notNull(),
    succeeded: boolean("succeeded").notNull(),
    attemptedAt: at("attempted_at").notNull().defaultNow(),
  },
  (t) => [index("login_attempts_email_idx").on(t.email, t.attemptedAt), index("login_attempts_ip_idx").on(t.clientIp, t.attemptedAt)],
);

/**
 * Sign-in throttle per (email, client): `failures` counts attempts reserved before the password is
 * checked, so parallel guesses cannot all pass the limit; past the free attempts each further one
 * must wait `next_attempt_at` (doubling). A success deletes the row; nobody else's address is locked.
 */
export const loginThrottles = pgTable(
  "login_throttles",
  {
    email: text("email").notNull(),
    /** Keyed hash of the client address, or "unknown" when Cloudflare reported none. */
    clientKey: text("client_key").notNull(),
    failures: integer("failures").notNull(),
    lastAttemptAt: at("last_attempt_at").notNull().defaultNow(),
    nextAttemptAt: at("next_attempt_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.email, t.clientKey] })],
);

/** Fixed-window counters for per-address limits (sign-ups, reset requests): one row per key and window. */
export const rateLimitWindows = pgTable(
  "rate_limit_windows",
  {
    bucket: text("bucket").notNull(),
    key: text("key").notNull(),
    windowStart: at("window_start").notNull(),
    hits: integer("hits").notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket, t.key, t.windowStart] }), index("rate_limit_windows_start_idx").on(t.windowStart)],
);

/** Password reset links: the token is stored as its SHA-256 only, used once, and short-lived. */
export const passwordResets = pgTable(
  "password_resets",
  {
    id: id(),
    organizerId: uuid("organizer_id").notNull().references(() => organizers.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    expiresAt: at("expires_at").notNull(),
    usedAt: at("used_at"),
  },
  (t) => [unique("password_resets_token_hash_key").on(t.tokenHash), index("password_resets_organizer_idx").on(t.organizerId)],
);

export const attendees = pgTable(
  "attendees",
  {
    id: id(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("attendees_email_lower_key").on(sql`lower(${t.email})`)],
);
