/**
 * Database connections for the Worker. Two flavours over the same `@neondatabase/serverless` driver:
 * HTTP for single statements (no socket to open, ideal for reads) and a WebSocket Pool for
 * interactive transactions. Locally both go through dev/neon-proxy; on Cloudflare, straight to Neon.
 */
import { Pool, neon, neonConfig } from "@neondatabase/serverless";
import { drizzle as drizzleHttp, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import { drizzle as drizzlePool, type NeonDatabase } from "drizzle-orm/neon-serverless";
import { configureNeonForLocalProxy } from "./neon-local";
import * as schema from "./schema";

export type Schema = typeof schema;
export type HttpDatabase = NeonHttpDatabase<Schema>;
export type PoolDatabase = NeonDatabase<Schema>;
export type Transaction = Parameters<Parameters<PoolDatabase["transaction"]>[0]>[0];

export interface DatabaseSettings {
  databaseUrl: string;
  /** `host:port` of the local Neon-protocol proxy; empty in production. */
  localProxy?: string;
}

let configuredProxy: string | undefined;

/**
 * neonConfig is module-global; the same isolate only ever talks to one proxy, so configuring it on
 * first use (the Worker only learns its env per request) is safe and idempotent.
 */
function pointDriverAt(localProxy: string | undefined): void {
  if (!localProxy || configuredProxy === localProxy) return;
  configureNeonForLocalProxy(neonConfig, localProxy);
  configuredProxy = localProxy;
}

export function connectHttp(settings: DatabaseSettings): HttpDatabase {
  pointDriverAt(settings.localProxy);
  return drizzleHttp({ client: neon(settings.databaseUrl), schema });
}

/**
 * Runs `work` in one interactive transaction on a fresh Pool. Workers may not reuse sockets across
 * requests, so the pool lives exactly as long as the transaction.
 */
export async function inTransaction<T>(
  settings: DatabaseSettings,
  work: (tx: Transaction) => Promise<T>,
  config?: Parameters<PoolDatabase["transaction"]>[1],
): Promise<T> {
  pointDriverAt(settings.localProxy);
  const pool = new Pool({ connectionString: settings.databaseUrl, max: 1 });
  try {
    return await drizzlePool({ client: pool, schema }).transaction(work, config);
  } finally {
    await pool.end();
  }
}
