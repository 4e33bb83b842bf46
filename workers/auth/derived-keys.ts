/**
 * HMAC keys derived from the master secret, one per purpose (HKDF-SHA-256, `admit-one/<purpose>/v1`),
 * so a token made for one thing can never pass for another; and the base64url the tokens use.
 */
const encoder = new TextEncoder();
const keys = new Map<string, CryptoKey>();

export async function purposeKey(masterKey: string, purpose: string): Promise<CryptoKey> {
  const cacheKey = `${purpose}\u0000${masterKey}`;
  const hit = keys.get(cacheKey);
  if (hit) return hit;
  const material = await crypto.subtle.importKey("raw", encoder.encode(masterKey), "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(`admit-one/${purpose}/v1`) },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
  keys.set(cacheKey, key);
  return key;
}

export function toBase64Url(bytes: ArrayBuffer | Uint8Array): string {
  let binary = "";
  for (const byte of new Uint8Array(bytes)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    return Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
