/**
 * Settings read from the bindings. The dev stack points these at local stand-ins; in production the
 * empty defaults in wrangler.toml mean "the real service".
 */
import type { DatabaseSettings } from "../db/client";

export function databaseSettings(env: Env): DatabaseSettings {
  return { databaseUrl: env.DATABASE_URL, localProxy: env.NEON_LOCAL_PROXY || undefined };
}

/**
 * Where reports and exports read: the read replica when `DATABASE_URL_READ` is set, else the primary.
 * Only for reads that may lag the primary by a replica's delay; anything a person acts on next (the
 * order list behind a Refund button) reads the primary.
 */
export function readDatabaseSettings(env: Env): DatabaseSettings {
  return { ...databaseSettings(env), databaseUrl: env.DATABASE_URL_READ || env.DATABASE_URL };
}

export function isLocal(env: Env): boolean {
  return env.APP_ENV !== "production";
}
