/**
 * Order tokens: the attendee's bearer credential for one order. Derived, not stored: an HMAC of the
 * order id under a key derived from the master secret, so a retried registration can hand back the
 * same token and nothing secret sits in the database.
 */
const encoder = new TextEncoder();
let cached: { master: string; key: CryptoKey } | undefined;

async function tokenKey(masterKey: string): Promise<CryptoKey> {
  if (cached?.master === masterKey) return cached.key;
  const material = await crypto.subtle.importKey("raw", encoder.encode(masterKey), "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode("admit-one/order-token/v1") },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
  cached = { master: masterKey, key };
  return key;
}

const toBase64Url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

const PREFIX = "ot_";

export async function orderToken(masterKey: string, orderId: string): Promise<string> {
  return PREFIX + toBase64Url(await crypto.subtle.sign("HMAC", await tokenKey(masterKey), encoder.encode(orderId)));
}

/** HMAC verification is constant-time in WebCrypto. */
export async function isOrderToken(masterKey: string, orderId: string, token: string): Promise<boolean> {
  if (!token.startsWith(PREFIX)) return false;
  const signature = fromBase64Url(token.slice(PREFIX.length));
  if (!signature) return false;
  return crypto.subtle.verify("HMAC", await tokenKey(masterKey), signature, encoder.encode(orderId));
}
