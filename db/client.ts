/**
 * Database connections for the Worker. Two flavours over the same `@neondatabase/serverless` driver:
 * HTTP for single statements (no socket to open, ideal for reads) and a WebSocket Pool for
 * interactive transactions. Locally both go through dev/neon-proxy; on Cloudflare, straight to Neon.
 */
import { Pool, neon, neonConfig } from "@neondatabase/serverless";
import { drizzle as drizzleHttp, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import { drizzle as drizzlePool, type NeonDatabase } from "drizzle-orm/neon-serverless";
import { countCost } from "../workers/cost-count";
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

/** Counts each statement and HTTP round trip for the bench (workers/cost-meter.ts; a no-op unless metered). */
const logger = { logQuery: () => countCost("dbStatements") };
const txnLogger = {
  logQuery: () => {
    countCost("dbStatements");
    countCost("dbTxnStatements");
  },
};
neonConfig.fetchFunction = (input: RequestInfo | URL, init?: RequestInit) => {
  countCost("dbHttp");
  return fetch(input, init);
};

/**
 * neonConfig is module-global; the same isolate only ever talks to one proxy, so configuring it on
 * first use (the Worker only learns its env per request) is safe and idempotent.
 */
function pointDriverAt(localProxy: string | undefined): void {
  if (!localProxy || configuredProxy === localProxy) return;
  configureNeonForLocalProxy(neonConfig, localProxy);
  configuredProxy = localProxy;
}

/**
 * One drizzle instance per connection string and isolate. Building one walks the whole schema
 * (drizzle's relational config), which was ~14 ms of CPU per purchase when every request and the
 * outbox publisher built their own (bench/RESULTS.md, 2026-12-03). Safe to share: over HTTP every
 * query is its own fetch, so the instance holds configuration, never a socket or a session.
 */
const httpDatabases = new Map<string, HttpDatabase>();

export function connectHttp(settings: DatabaseSettings): HttpDatabase {
  pointDriverAt(settings.localProxy);
  const known = httpDatabases.get(settings.databaseUrl);
  if (known) return known;
  const db = drizzleHttp({ client: neon(settings.databaseUrl), schema, logger });
  if (httpDatabases.size >= 8) httpDatabases.clear();
  httpDatabases.set(settings.databaseUrl, db);
  return db;
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
  countCost("dbTransactions");
  const pool = new Pool({ connectionString: settings.databaseUrl, max: 1 });
  // An error on an idle client is reported on the pool; unhandled, it would crash the request even
  // though no query was affected. In workerd it happens on every end(): with compatibility_date
  // >= 2026-04-07 (web_socket_auto_reply_to_close) a server-initiated WebSocket close, as Neon's
  // proxy does once Postgres leaves after Terminate, is followed by an ErrorEvent "Network
  // connection lost." after the clean close event. The driver hands us that ErrorEvent, not an Error.
  let ending = false;
  pool.on("error", (error: { message?: string }) => {
    if (ending) return; // the expected close noise above, not a failure
    console.warn(JSON.stringify({ level: "warn", where: "db-pool", error: error.message ?? String(error) }));
  });
  try {
    return await drizzlePool({ client: pool, schema, logger: txnLogger }).transaction(work, config);
  } finally {
    ending = true;
    await pool.end();
  }
}
