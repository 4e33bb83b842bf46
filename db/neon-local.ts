import type { NeonConfig } from "@neondatabase/serverless";

/** The part of `neonConfig` this touches; `neonConfig` itself fits. */
export type LocalProxySettings = Pick<
  NeonConfig,
  "useSecureWebSocket" | "pipelineTLS" | "pipelineConnect" | "wsProxy" | "fetchEndpoint"
>;

/**
 * Points @neondatabase/serverless at the local Neon proxy (dev/neon-proxy)
 * instead of Neon. `proxyHostPort` is like `127.0.0.1:4444`.
 *
 * Imported by Worker code too, so nothing Node-only here: in workerd WebSocket
 * is global, while Node callers also set `neonConfig.webSocketConstructor = ws`.
 */
export function configureNeonForLocalProxy(neonConfig: LocalProxySettings, proxyHostPort: string): void {
  // The proxy speaks plain ws:// and http:// on loopback, and Postgres behind
  // it has no TLS to pipeline.
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  // Pipelining the password before the server asks only works with Neon's
  // cleartext-password handshake; a local trust-auth server answers differently.
  neonConfig.pipelineConnect = false;
  neonConfig.wsProxy = (host, port) =>
    `${proxyHostPort}/v1?address=${host.includes(":") ? `[${host}]` : host}:${port}`;
  neonConfig.fetchEndpoint = () => `http://${proxyHostPort}/sql`;
}
