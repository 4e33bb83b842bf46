import { createDatabase } from "./create-database";
import type { LocalPostgres } from "./local-postgres";

const DEFAULT_PORT = 5432;

/** Wraps a server somebody else runs (DATABASE_URL); we never stop it. */
export function useExternalServer(databaseUrl: string): LocalPostgres {
  const parsed = new URL(databaseUrl);
  return {
    url: databaseUrl,
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1") || "localhost",
    port: parsed.port ? Number(parsed.port) : DEFAULT_PORT,
    kind: "external",
    createDatabase: (name) => createDatabase(databaseUrl, name),
    stop: async () => {},
  };
}
