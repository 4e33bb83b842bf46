/**
 * Bearer credentials for one thing each, derived rather than stored: an HMAC of the thing's id under
 * a key derived from the master secret for that purpose, so a retry can hand back the same token
 * and nothing secret sits in the database.
 *  - order tokens (`ot_`): the attendee's access to one order;
 *  - waitlist entry tokens (`wt_`): the entrant's access to their entry (position, leave);
 *  - offer tokens (`wo_<entryId>.`): the signed link in an offer mail, naming its entry.
 */
const encoder = new TextEncoder();
const cached = new Map<string, { master: string; key: CryptoKey }>();

type Purpose = "order-token" | "waitlist-entry" | "waitlist-offer";

async function tokenKey(masterKey: string, purpose: Purpose = "order-token"): Promise<CryptoKey> {
  const hit = cached.get(purpose);
  if (hit?.master === masterKey) return hit.key;
  const material = await crypto.subtle.importKey("raw", encoder.encode(masterKey), "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(`admit-one/${purpose}/v1`) },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
  cached.set(purpose, { master: masterKey, key });
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

async function derived(masterKey: string, purpose: Purpose, id: string): Promise<string> {
  return toBase64Url(await crypto.subtle.sign("HMAC", await tokenKey(masterKey, purpose), encoder.encode(id)));
}

async function verifyDerived(masterKey: string, purpose: Purpose, id: string, signature: string): Promise<boolean> {
  const bytes = fromBase64Url(signature);
  return bytes !== undefined && crypto.subtle.verify("HMAC", await tokenKey(masterKey, purpose), bytes, encoder.encode(id));
}

export async function entryToken(masterKey: string, entryId: string): Promise<string> {
  return "wt_" + (await derived(masterKey, "waitlist-entry", entryId));
}

export async function isEntryToken(masterKey: string, entryId: string, token: string): Promise<boolean> {
  return token.startsWith("wt_") && verifyDerived(masterKey, "waitlist-entry", entryId, token.slice(3));
}

export async function offerToken(masterKey: string, entryId: string): Promise<string> {
  return `wo_${entryId}.${await derived(masterKey, "waitlist-offer", entryId)}`;
}

/** The entry an offer token was signed for, or undefined when it is not one of ours. */
export async function entryOfOfferToken(masterKey: string, token: string): Promise<string | undefined> {
  const match = /^wo_([0-9a-f-]{36})\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!match) return undefined;
  return (await verifyDerived(masterKey, "waitlist-offer", match[1]!, match[2]!)) ? match[1] : undefined;
}
