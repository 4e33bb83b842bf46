import { findDebianServerBinaries, startDebianCluster } from "./postgres-launchers/debian-cluster";
import { useExternalServer } from "./postgres-launchers/external-server";
import type { LocalPostgres, StartPostgresOptions } from "./postgres-launchers/local-postgres";
import { startPgliteServer } from "./postgres-launchers/pglite-server";

export type { LocalPostgres, StartPostgresOptions } from "./postgres-launchers/local-postgres";

/**
 * Provides a PostgreSQL server for development and tests, in order of preference:
 *
 * 1. `DATABASE_URL`, when set: somebody else's server, used as is and never stopped.
 * 2. Debian's PostgreSQL server binaries: a private, throwaway cluster.
 * 3. Embedded PGlite over TCP: works anywhere, but one shared session (see postgres-launchers/pglite-server.ts).
 *
 * The caller owns the lifetime: call stop() when done, also from SIGINT/SIGTERM
 * handlers. A Debian cluster is additionally stopped when the process exits normally.
 */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<LocalPostgres> {
  const databaseUrl = process.env.DATABASE_URL;
  if (databaseUrl) return useExternalServer(databaseUrl);

  const debianBinaries = findDebianServerBinaries();
  if (debianBinaries) return startDebianCluster(debianBinaries, opts);

  opts.log?.("no DATABASE_URL and no PostgreSQL server binaries: falling back to PGlite");
  return startPgliteServer(opts);
}
