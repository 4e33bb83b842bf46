/**
 * Bearer credentials for one thing each, derived rather than stored: an HMAC of the thing's id under
 * a key derived from the master secret for that purpose, so a retry can hand back the same token
 * and nothing secret sits in the database.
 *  - order tokens (`ot_<key id>.`): the attendee's access to one order, until 30 days after the
 *    event ends (checked where the order is read, see domain/order-link.ts);
 *  - waitlist entry tokens (`wt_`): the entrant's access to their entry (position, leave);
 *  - offer tokens (`wo_<entryId>.`): the signed link in an offer mail, naming its entry.
 */
import { fromBase64Url, purposeKey, toBase64Url } from "./derived-keys";

const encoder = new TextEncoder();

type Purpose = "order-token" | "waitlist-entry" | "waitlist-offer";

const tokenKey = (masterKey: string, purpose: Purpose = "order-token") => purposeKey(masterKey, purpose);

const PREFIX = "ot_";

/**
 * Order tokens name the master key they were made with: `ot_<key id>.<signature>`, the key id a
 * fingerprint of that key. Verification tries only the key the token names, among the keys still
 * configured (the current one and, while a rotation lasts, the previous one), so rotating the
 * master key keeps every link working until the old key is removed, and removing it revokes them.
 * A fingerprint rather than a counter: the id can never fall out of step with the key it names.
 */
export function orderTokenKeyId(masterKey: string): Promise<string> {
  // A pure function of the key: worked out once per key and isolate, not for every token made or checked.
  let id = keyIds.get(masterKey);
  if (!id) {
    id = (async () => {
      const fingerprint = await crypto.subtle.sign("HMAC", await purposeKey(masterKey, "key-id"), encoder.encode("order-token"));
      return toBase64Url(new Uint8Array(fingerprint).slice(0, 6));
    })();
    id.catch(() => keyIds.delete(masterKey));
    keyIds.set(masterKey, id);
  }
  return id;
}

const keyIds = new Map<string, Promise<string>>();

export async function orderToken(masterKey: string, orderId: string): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", await tokenKey(masterKey), encoder.encode(orderId));
  return `${PREFIX}${await orderTokenKeyId(masterKey)}.${toBase64Url(signature)}`;
}

/**
 * Whether `token` opens `orderId` under one of `masterKeys` (current first). Tokens issued before
 * key ids (`ot_<signature>`) are checked against every configured key, so they too end with the
 * key they were made under. HMAC verification is constant-time in WebCrypto.
 */
export async function isOrderToken(masterKeys: readonly string[], orderId: string, token: string): Promise<boolean> {
  const match = /^ot_(?:([A-Za-z0-9_-]{8})\.)?([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return false;
  const [, keyId, text] = match;
  const signature = fromBase64Url(text!);
  if (!signature) return false;
  for (const masterKey of masterKeys) {
    if (keyId !== undefined && keyId !== (await orderTokenKeyId(masterKey))) continue;
    if (await crypto.subtle.verify("HMAC", await tokenKey(masterKey), signature, encoder.encode(orderId))) return true;
  }
  return false;
}

/** The master keys order tokens are accepted under: the current one, then the one being rotated out. */
export function orderTokenKeys(env: Pick<Env, "SIGNING_MASTER_KEY"> & { SIGNING_MASTER_KEY_PREVIOUS?: string }): string[] {
  return [env.SIGNING_MASTER_KEY, env.SIGNING_MASTER_KEY_PREVIOUS].filter((key): key is string => Boolean(key));
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
