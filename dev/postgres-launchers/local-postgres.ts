/** A PostgreSQL server started (or borrowed) for local development and tests. */
export interface LocalPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (or DATABASE_URL for an external server). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly kind: "external" | "debian" | "pglite";
  /** Where the cluster keeps its files; undefined for an external server or in-memory PGlite. */
  readonly dataDir?: string;
  /** Creates the database unless it exists and returns a URL pointing at it. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server and removes what was created for it; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Fixed port; by default a free one below 32768 is picked. */
  port?: number;
  /**
   * A data directory to keep between runs. Without it the cluster lives in a
   * temporary directory that stop() deletes; with it nothing is deleted and an
   * existing cluster there is reused (much faster than a fresh PGlite).
   */
  dataDir?: string;
  log?: (line: string) => void;
}

/** Returns `url` with its database name replaced. */
export function urlForDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
