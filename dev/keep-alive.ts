/**
 * How long the local stand-ins keep an idle HTTP connection open. Node closes idle keep-alive
 * sockets after 5 s by default; workerd's fetch may pick such a socket for its next request at the
 * very moment Node closes it, and that request dies with "Network connection lost" — a failure the
 * real Neon and Stripe endpoints (minutes of keep-alive) do not produce. So the stand-ins keep idle
 * connections as long as a cloud front end would.
 */
import type { Server } from "node:http";

export function keepConnectionsOpenLikeTheCloud(server: Server): void {
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
}
