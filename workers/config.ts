/**
 * Settings read from the bindings. The dev stack points these at local stand-ins; in production the
 * empty defaults in wrangler.toml mean "the real service".
 */
import type { DatabaseSettings } from "../db/client";

export function databaseSettings(env: Env): DatabaseSettings {
  return { databaseUrl: env.DATABASE_URL, localProxy: env.NEON_LOCAL_PROXY || undefined };
}

export function isLocal(env: Env): boolean {
  return env.APP_ENV !== "production";
}
