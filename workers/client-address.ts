/**
 * Who is asking, by network address, for per-address limits. Only Cloudflare's own
 * `CF-Connecting-IP` counts: `X-Forwarded-For` is written by whoever sends the request. Loopback and
 * a missing address (local tools, tests) are never limited by address — Cloudflare never reports
 * them for a real visitor — so a local burst is not mistaken for one hoarder.
 */
import type { Context } from "hono";
import type { AppEnv } from "./context";
import { purposeKey, toBase64Url } from "./auth/derived-keys";

export function clientAddress(c: Context<AppEnv>): string | undefined {
  const address = c.req.header("CF-Connecting-IP")?.trim();
  if (!address || address.length > 64) return undefined;
  return address;
}

export function isLimitedAddress(address: string | undefined): address is string {
  return address !== undefined && !/^(127\.|::1$|::ffff:127\.)/.test(address);
}

/** A keyed hash, so the ledger can count by address without keeping anyone's address. */
export async function clientKeyOf(masterKey: string, address: string | undefined): Promise<string | null> {
  if (!isLimitedAddress(address)) return null;
  const mac = await crypto.subtle.sign("HMAC", await purposeKey(masterKey, "client-address"), new TextEncoder().encode(address));
  return toBase64Url(new Uint8Array(mac).slice(0, 16));
}
