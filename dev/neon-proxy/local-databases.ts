import pg from "pg";
import type { LocalTarget } from "./local-target";

/**
 * Leaves every value as the text Postgres sent: the driver parses values
 * itself from each field's type OID, exactly as with Neon.
 */
const RAW_TEXT: pg.CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as unknown as pg.CustomTypesConfig["getTypeParser"],
};

// The proxy reaches a local server in plain text, whatever the app's URL asks for.
const CLIENT_ONLY_PARAMETERS = ["sslmode", "sslrootcert", "sslcert", "sslkey", "sslnegotiation", "channel_binding"];

/** A local database, reached through a connection pool of its own. */
export interface LocalDatabase {
  readonly connectionString: string;
  readonly pool: pg.Pool;
}

/**
 * Rewrites the app's connection string (Neon host, maybe no port) so it points
 * at the local target, keeping user, password, database and other parameters.
 */
export function localConnectionString(requested: URL, target: LocalTarget): string {
  const local = new URL(requested.href);
  local.hostname = target.host.includes(":") ? `[${target.host}]` : target.host;
  local.port = String(target.port);
  for (const name of CLIENT_ONLY_PARAMETERS) local.searchParams.delete(name);
  return local.href;
}

/**
 * One pool per distinct connection string, like Neon's HTTP endpoint keeps
 * per-endpoint pools. Never evicted: a dev proxy sees a handful of strings.
 */
export class LocalDatabases {
  readonly #databases = new Map<string, LocalDatabase>();
  readonly #log: (line: string) => void;

  constructor(log: (line: string) => void) {
    this.#log = log;
  }

  get(connectionString: string): LocalDatabase {
    let database = this.#databases.get(connectionString);
    if (!database) {
      const pool = new pg.Pool({ connectionString, types: RAW_TEXT, max: 20, idleTimeoutMillis: 10_000 });
      // An idle client whose server went away emits 'error'; unhandled, it would crash the process.
      pool.on("error", (error) => {
        this.#log(`idle connection to ${new URL(connectionString).host} failed: ${error.message}`);
      });
      database = { connectionString, pool };
      this.#databases.set(connectionString, database);
    }
    return database;
  }

  async close(): Promise<void> {
    const pools = [...this.#databases.values()].map(({ pool }) => pool.end());
    this.#databases.clear();
    await Promise.allSettled(pools);
  }
}
