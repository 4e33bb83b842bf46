import { createServer, type Server } from "node:http";
import { LocalDatabases } from "./local-databases";
import { createSqlHandler } from "./http-sql";
import { createWsTunnel } from "./ws-tunnel";
import { keepConnectionsOpenLikeTheCloud } from "../keep-alive";

export interface NeonProxyOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Interface to bind; 127.0.0.1 unless you have a reason. */
  host?: string;
  /** Host names besides loopback addresses and `localhost` that mean the local server. */
  allowedHosts?: string[];
  /** Requested port → local port; `{ 5432: localPort }` makes port-less connection strings work. */
  portMap?: Record<number, number>;
  log?: (line: string) => void;
}

export interface NeonProxy {
  readonly port: number;
  /** Base URL, e.g. `http://127.0.0.1:PORT`; queries go to `${url}/sql`, tunnels to `${url}/v1`. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Serves Neon's two client protocols in front of a local Postgres, so the same
 * @neondatabase/serverless code runs locally and on Neon:
 * the WebSocket tunnel (`/v1?address=host:port`, used by Pool and Client) and
 * the HTTP query endpoint (`POST /sql`, used by neon()).
 * Point clients at it with configureNeonForLocalProxy() from db/neon-local.ts.
 */
export async function startNeonProxy(opts: NeonProxyOptions = {}): Promise<NeonProxy> {
  const log = opts.log ?? (() => {});
  const host = opts.host ?? "127.0.0.1";
  const policy = { allowedHosts: opts.allowedHosts ?? [], portMap: opts.portMap ?? {} };
  const databases = new LocalDatabases(log);
  const handleSql = createSqlHandler(policy, databases, log);
  const tunnel = createWsTunnel(policy, log);

  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://proxy").pathname;
    if (path !== "/sql") {
      response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found\n");
      return;
    }
    handleSql(request, response).catch((error: unknown) => {
      log(`/sql failed: ${String(error)}`);
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });
  keepConnectionsOpenLikeTheCloud(server);
  server.on("upgrade", tunnel.handleUpgrade);
  const port = await listen(server, opts.port ?? 0, host);

  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  log(`neon proxy listening on ${url}`);

  let stopping: Promise<void> | undefined;
  return {
    port,
    url,
    stop() {
      stopping ??= (async () => {
        tunnel.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive sockets would hold close() open; in-flight queries see
        // their client leave and get cancelled.
        server.closeAllConnections();
        await closed;
        await databases.close();
      })();
      return stopping;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : port);
    });
  });
}
