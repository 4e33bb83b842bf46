import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/** Which database addresses the proxy may reach, and how ports translate locally. */
export interface TargetPolicy {
  /** Extra host names that stand for the local server (connected to via 127.0.0.1). */
  readonly allowedHosts: readonly string[];
  /** Requested port → local port, e.g. { 5432: 54012 } for port-less connection strings. */
  readonly portMap: Readonly<Record<number, number>>;
}

export interface LocalTarget {
  readonly host: string;
  readonly port: number;
}

/** The address is not one the proxy will connect to; callers answer 400. */
export class RefusedTargetError extends Error {
  override name = "RefusedTargetError";
}

/** What Postgres clients (and Neon) assume when an address carries no port. */
export const DEFAULT_POSTGRES_PORT = 5432;

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

/**
 * Splits `host:port`, `[v6]:port`, `host` or `[v6]`. An unbracketed address
 * with several colons is taken as `v6:port`, because that is what Neon's
 * driver sends (`${host}:${port}`) for an IPv6 host.
 */
export function splitHostPort(address: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(address);
  if (bracketed) return withPort(bracketed[1] ?? "", bracketed[2]);
  const colon = address.lastIndexOf(":");
  if (colon === -1) return { host: address };
  return withPort(address.slice(0, colon), address.slice(colon + 1));
}

function withPort(host: string, port: string | undefined): { host: string; port?: number } {
  if (port === undefined) return { host };
  const number = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(number >= 1 && number <= 65_535)) throw new RefusedTargetError(`invalid port in address: ${port}`);
  return { host, port: number };
}

/**
 * Decides where a requested host/port really goes. Only loopback targets are
 * allowed: this proxy speaks unauthenticated Postgres on behalf of whoever can
 * reach it, so it must never become a way into other machines.
 */
export async function resolveLocalTarget(
  host: string,
  port: number | undefined,
  policy: TargetPolicy,
): Promise<LocalTarget> {
  const requestedPort = port ?? DEFAULT_POSTGRES_PORT;
  const localPort = policy.portMap[requestedPort] ?? requestedPort;
  const name = host.toLowerCase();
  if (!name) throw new RefusedTargetError("missing host");

  // localhost may resolve to ::1 first while the server listens on 127.0.0.1 only.
  if (name === "localhost" || policy.allowedHosts.some((allowed) => allowed.toLowerCase() === name)) {
    return { host: "127.0.0.1", port: localPort };
  }
  if (isIP(name)) {
    if (!isLoopback(name)) throw new RefusedTargetError(`${host} is not a loopback address`);
    return { host: name, port: localPort };
  }

  // Connect to the address we checked rather than the name, so a second
  // lookup cannot hand back something else.
  const addresses = await lookup(name, { all: true }).catch(() => {
    throw new RefusedTargetError(`cannot resolve ${host}`);
  });
  const first = addresses[0];
  if (!first || !addresses.every((entry) => isLoopback(entry.address))) {
    throw new RefusedTargetError(`${host} does not resolve to a loopback address`);
  }
  return { host: first.address, port: localPort };
}

function isLoopback(ip: string): boolean {
  return LOOPBACK.check(ip, isIP(ip) === 6 ? "ipv6" : "ipv4");
}
