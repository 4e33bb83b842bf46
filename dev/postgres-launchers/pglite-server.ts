import type { LocalPostgres, StartPostgresOptions } from "./local-postgres";

/**
 * Embedded fallback: PGlite (Postgres compiled to WASM, in this process)
 * served over TCP by pglite-socket, so ordinary drivers can connect.
 *
 * Limits to keep in mind: every TCP connection shares ONE Postgres session.
 * Transactions from different connections run one after another, SET and
 * temp tables leak between connections, advisory locks and FOR UPDATE do not
 * exclude anybody, and NOWAIT waits. There is also one database only, so
 * createDatabase() hands back the same URL. Good enough to click through the
 * app; concurrency tests need a real server.
 */
export async function startPgliteServer(opts: StartPostgresOptions = {}): Promise<LocalPostgres> {
  const log = opts.log ?? (() => {});
  // Loaded lazily: the WASM build is large and only this fallback needs it.
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");

  // A fresh in-memory instance takes 8-20 s to boot; reopening a data folder ~1 s.
  const db = new PGlite(opts.dataDir);
  const server = new PGLiteSocketServer({
    db,
    host: "127.0.0.1",
    // Port 0 lets the kernel choose, so unlike a separate postmaster there is no bind race.
    port: opts.port ?? 0,
    // The default of 1 would turn a connection pool's second connection away.
    maxConnections: 100,
  });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }

  const port = Number(server.getServerConn().split(":").pop());
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  log(`postgres (pglite) listening on 127.0.0.1:${port}${opts.dataDir ? `, data in ${opts.dataDir}` : ", in memory"}`);

  let stopping: Promise<void> | undefined;
  return {
    url,
    host: "127.0.0.1",
    port,
    kind: "pglite",
    ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
    createDatabase: async () => url,
    stop() {
      stopping ??= (async () => {
        await server.stop();
        await db.close();
      })();
      return stopping;
    },
  };
}
