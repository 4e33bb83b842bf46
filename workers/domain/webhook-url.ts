/**
 * Where a webhook endpoint may point. The Worker will POST to this URL on the organization's behalf,
 * so a URL naming our own network (a metadata service, a database, the loopback) would turn the
 * platform into a proxy into places an organizer cannot reach (server-side request forgery).
 *
 * The rule, in a sentence: in production an endpoint is an `https` URL without credentials whose
 * host is a public DNS name or a public IP address; in development (`APP_ENV=development`) plain
 * `http` and the loopback (127.0.0.0/8, ::1, localhost) are allowed too, so the local stack's
 * receiver can be used. Private, link-local, shared, multicast and reserved ranges are refused
 * everywhere.
 *
 * What it cannot see: the address a name resolves to when the delivery is made. A name that
 * resolves to 10.0.0.5 (or changes its answer after this check: DNS rebinding) passes here. On
 * Cloudflare a Worker's fetch leaves through Cloudflare's network, which does not route into the
 * operator's private network, and deliveries never follow redirects; docs/webhooks.md says so.
 *
 * The host arrives as the WHATWG URL parser leaves it: `http://2130706433/`, `http://0x7f.1/` and
 * `http://127.1/` are all already `127.0.0.1`, and IPv6 is bracketed and compressed.
 */

export type UrlRefusal = "not_a_url" | "scheme" | "credentials" | "private_address" | "local_name" | "too_long";

export type UrlVerdict = { ok: true; url: string } | { ok: false; reason: UrlRefusal; message: string };

export const MAX_ENDPOINT_URL_LENGTH = 2048;

/** Names that mean "this machine" or "this network" and never the public internet. */
const LOCAL_NAME = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa|localdomain)$/i;

export function checkEndpointUrl(raw: string, development: boolean): UrlVerdict {
  if (raw.length > MAX_ENDPOINT_URL_LENGTH) return refuse("too_long", `An endpoint URL is at most ${MAX_ENDPOINT_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse("not_a_url", "This is not an absolute URL.");
  }
  const httpAllowed = development && url.protocol === "http:";
  if (url.protocol !== "https:" && !httpAllowed) {
    return refuse("scheme", development ? "An endpoint URL starts with https:// (or http:// locally)." : "An endpoint URL must start with https://.");
  }
  if (url.username || url.password) return refuse("credentials", "Put no user name or password in the URL; verify deliveries by their signature instead.");
  const host = url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  const loopback = isLoopbackHost(host);
  if (loopback) {
    return development ? { ok: true, url: url.href } : refuse("private_address", "An endpoint may not point at this machine (loopback).");
  }
  const v4 = parseIpv4(host);
  if (v4 && !isPublicIpv4(v4)) return refuse("private_address", "An endpoint may not point at a private, link-local or reserved address.");
  if (host.includes(":") && !isPublicIpv6(host)) return refuse("private_address", "An endpoint may not point at a private, link-local or reserved address.");
  if (!v4 && !host.includes(":")) {
    if (LOCAL_NAME.test(host) || !host.includes(".")) return refuse("local_name", "An endpoint needs a public host name (not a local or single-label name).");
  }
  return { ok: true, url: url.href };
}

function refuse(reason: UrlRefusal, message: string): UrlVerdict {
  return { ok: false, reason, message };
}

export function isLoopbackHost(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const v4 = parseIpv4(host) ?? mappedIpv4(host);
  if (v4) return v4[0] === 127;
  return host === "::1" || expandIpv6(host)?.every((group, i) => group === (i === 7 ? 1 : 0)) === true;
}

function parseIpv4(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

/** Ranges of RFC 6890 (special-purpose) that a public endpoint never has. */
function isPublicIpv4([a, b, c]: number[]): boolean {
  if (a === 0 || a === 10 || a === 127) return false; // this network, private, loopback
  if (a === 100 && b! >= 64 && b! <= 127) return false; // shared address space (carrier NAT)
  if (a === 169 && b === 254) return false; // link-local, cloud metadata services
  if (a === 172 && b! >= 16 && b! <= 31) return false; // private
  if (a === 192 && b === 168) return false; // private
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF protocol assignments, TEST-NET-1
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if (a === 198 && b === 51 && c === 100) return false; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return false; // TEST-NET-3
  if (a! >= 224) return false; // multicast, reserved, broadcast
  return true;
}

/** Eight 16-bit groups, or undefined when this is not IPv6 text the URL parser would produce. */
function expandIpv6(host: string): number[] | undefined {
  if (!host.includes(":")) return undefined;
  let text = host;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = parseIpv4(dotted[1]!);
    if (!v4) return undefined;
    text = `${text.slice(0, dotted.index)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => parseInt(g, 16));
}

/** An IPv4 address carried in IPv6 (::ffff:a.b.c.d, mapped), as four bytes. */
function mappedIpv4(host: string): number[] | undefined {
  const groups = expandIpv6(host);
  if (!groups || !groups.slice(0, 5).every((g) => g === 0) || groups[5] !== 0xffff) return undefined;
  return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff];
}

function isPublicIpv6(host: string): boolean {
  const groups = expandIpv6(host);
  if (!groups) return false;
  const mapped = mappedIpv4(host);
  if (mapped) return isPublicIpv4(mapped);
  const first = groups[0]!;
  if (groups.every((g) => g === 0)) return false; // unspecified
  if (groups.slice(0, 7).every((g) => g === 0)) return false; // ::1 and the IPv4-compatible ::x
  if ((first & 0xfe00) === 0xfc00) return false; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return false; // link-local fe80::/10
  if ((first & 0xff00) === 0xff00) return false; // multicast
  if (first === 0x2001 && groups[1] === 0x0db8) return false; // documentation
  if (first === 0x0064 && groups[1] === 0xff9b) return false; // NAT64 (embeds IPv4 of any kind)
  if (first === 0x2002) return false; // 6to4 (embeds IPv4 of any kind)
  if (first === 0x0100 && groups.slice(1, 4).every((g) => g === 0)) return false; // discard-only
  return true;
}
