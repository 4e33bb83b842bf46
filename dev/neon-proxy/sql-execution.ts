import pg from "pg";
import type { LocalDatabase } from "./local-databases";
import type { SqlQuery } from "./sql-request";

export type QueryOutcome = pg.QueryArrayResult<(string | null)[]>;

/** The HTTP client went away; nobody is waiting for the result any more. */
export class QueryAbortedError extends Error {
  override name = "QueryAbortedError";
}

/** Runs one statement on its own; an abort cancels it. */
export function runSingle(database: LocalDatabase, query: SqlQuery, signal: AbortSignal): Promise<QueryOutcome> {
  return withCancellableClient(database, signal, (client) => execute(client, query));
}

/**
 * Runs statements in one transaction opened with `begin`; the first failure
 * (or an abort) rolls everything back.
 */
export function runBatch(
  database: LocalDatabase,
  queries: readonly SqlQuery[],
  begin: string,
  signal: AbortSignal,
): Promise<QueryOutcome[]> {
  return withCancellableClient(database, signal, async (client) => {
    await client.query(begin);
    try {
      const outcomes: QueryOutcome[] = [];
      for (const query of queries) {
        if (signal.aborted) throw new QueryAbortedError("request aborted");
        outcomes.push(await execute(client, query));
      }
      await client.query("COMMIT");
      return outcomes;
    } catch (error) {
      await client.query("ROLLBACK");
      throw error;
    }
  });
}

function execute(client: pg.PoolClient, { query, params }: SqlQuery): Promise<QueryOutcome> {
  // Extended protocol even without parameters, as Neon does: several
  // statements in one string fail, and a stray $1 is an error, not a string.
  // (`queryMode` is real node-pg API missing from @types/pg.)
  const config: pg.QueryArrayConfig & { queryMode: "extended" } = {
    text: query,
    values: [...params],
    rowMode: "array",
    queryMode: "extended",
  };
  return client.query(config);
}

async function withCancellableClient<T>(
  database: LocalDatabase,
  signal: AbortSignal,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await database.pool.connect();
  let cancelling: Promise<void> | undefined;
  const cancel = () => {
    cancelling = cancelBackend(database.connectionString, backendPid(client));
  };
  signal.addEventListener("abort", cancel, { once: true });
  let healthy = true;
  try {
    if (signal.aborted) throw new QueryAbortedError("request aborted");
    return await work(client);
  } catch (error) {
    // A Postgres error leaves the session usable; anything else (a broken
    // socket, a failed ROLLBACK) may not.
    healthy = error instanceof pg.DatabaseError || error instanceof QueryAbortedError;
    throw error;
  } finally {
    signal.removeEventListener("abort", cancel);
    await cancelling;
    // A cancel can still land on this backend's *next* query, so a
    // connection we sent one for is discarded, not reused.
    client.release(cancelling !== undefined || !healthy);
  }
}

/** Cancels whatever that backend is running, from a separate connection. */
async function cancelBackend(connectionString: string, pid: number | undefined): Promise<void> {
  if (pid === undefined) return;
  // Not from the pool: when every pooled connection is busy waiting for its
  // own cancel, borrowing one more would wait forever.
  const client = new pg.Client({ connectionString });
  try {
    await client.connect();
    await client.query("SELECT pg_cancel_backend($1)", [pid]);
  } catch {
    // Best effort: the query may have ended, or the server gone, meanwhile.
  } finally {
    await client.end().catch(() => {});
  }
}

/** node-pg keeps the BackendKeyData pid here; @types/pg does not declare it. */
function backendPid(client: pg.PoolClient): number | undefined {
  const pid = (client as { processID?: unknown }).processID;
  return typeof pid === "number" ? pid : undefined;
}
