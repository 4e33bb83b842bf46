/**
 * Bearer credentials for one thing each, derived rather than stored: an HMAC of the thing's id under
 * a key derived from the master secret for that purpose, so a retry can hand back the same token
 * and nothing secret sits in the database.
 *  - order tokens (`ot_`): the attendee's access to one order;
 *  - waitlist entry tokens (`wt_`): the entrant's access to their entry (position, leave);
 *  - offer tokens (`wo_<entryId>.`): the signed link in an offer mail, naming its entry.
 */
import { fromBase64Url, purposeKey, toBase64Url } from "./derived-keys";

const encoder = new TextEncoder();

type Purpose = "order-token" | "waitlist-entry" | "waitlist-offer";

const tokenKey = (masterKey: string, purpose: Purpose = "order-token") => purposeKey(masterKey, purpose);

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
