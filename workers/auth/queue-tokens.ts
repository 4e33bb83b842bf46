/**
 * The waiting room's two signed tokens, both HMAC-SHA-256 under keys derived from the master
 * secret (one key per kind, so one can never pass for the other):
 *  - the queue token holds a place: the event, a pre-queue entry or a position, and the join's id.
 *    The edge answers status polls from it and a cached view of the room, without a lookup.
 *  - the access token lets one admitted position register until its session ends.
 * Format: `<prefix><base64url(JSON claims)>.<base64url(HMAC)>`.
 */
import type { QueueTicket } from "../domain/admission";
import { fromBase64Url, purposeKey, toBase64Url } from "./derived-keys";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function sign(masterKey: string, purpose: string, prefix: string, claims: object): Promise<string> {
  const body = toBase64Url(encoder.encode(JSON.stringify(claims)));
  const signature = await crypto.subtle.sign("HMAC", await purposeKey(masterKey, purpose), encoder.encode(body));
  return `${prefix}${body}.${toBase64Url(new Uint8Array(signature))}`;
}

/** The claims, if the signature holds; HMAC verification is constant-time in WebCrypto. */
async function open(masterKey: string, purpose: string, prefix: string, token: string): Promise<unknown> {
  if (!token.startsWith(prefix) || token.length > 1024) return undefined;
  const [body, signature, extra] = token.slice(prefix.length).split(".");
  if (!body || !signature || extra !== undefined) return undefined;
  const signatureBytes = fromBase64Url(signature);
  if (!signatureBytes) return undefined;
  if (!(await crypto.subtle.verify("HMAC", await purposeKey(masterKey, purpose), signatureBytes, encoder.encode(body)))) return undefined;
  const bytes = fromBase64Url(body);
  if (!bytes) return undefined;
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
}

const QUEUE_PREFIX = "qt_";
const ACCESS_PREFIX = "qa_";

export interface QueuePlace {
  eventId: string;
  joinId: string;
  ticket: QueueTicket;
}

export function signQueueToken(masterKey: string, place: QueuePlace): Promise<string> {
  const { ticket } = place;
  return sign(masterKey, "queue-token", QUEUE_PREFIX, {
    e: place.eventId,
    j: place.joinId,
    k: ticket.kind,
    n: ticket.kind === "pre" ? ticket.entry : ticket.position,
    ...(ticket.kind === "pre" ? { s: ticket.shard } : {}),
  });
}

export async function readQueueToken(masterKey: string, eventId: string, token: string): Promise<QueuePlace | undefined> {
  const claims = (await open(masterKey, "queue-token", QUEUE_PREFIX, token)) as { e?: unknown; j?: unknown; k?: unknown; n?: unknown; s?: unknown } | undefined;
  if (!claims || claims.e !== eventId || typeof claims.j !== "string" || !Number.isInteger(claims.n) || (claims.n as number) < 1) return undefined;
  const n = claims.n as number;
  // A pre-queue token from before the join shards names no shard: its entry was numbered by the one object, shard 0.
  const shard = claims.s === undefined ? 0 : claims.s;
  if (claims.k === "pre" && Number.isInteger(shard) && (shard as number) >= 0) return { eventId, joinId: claims.j, ticket: { kind: "pre", entry: n, shard: shard as number } };
  if (claims.k === "position") return { eventId, joinId: claims.j, ticket: { kind: "position", position: n } };
  return undefined;
}

export interface QueueAccess {
  eventId: string;
  position: number;
  /** UTC milliseconds. */
  expiresAt: number;
}

export function signAccessToken(masterKey: string, access: QueueAccess): Promise<string> {
  return sign(masterKey, "queue-access", ACCESS_PREFIX, { e: access.eventId, p: access.position, x: access.expiresAt });
}

/** The access, if the token is genuine, for this event, and not yet expired at `now`. */
export async function readAccessToken(masterKey: string, eventId: string, token: string, now: number): Promise<QueueAccess | undefined> {
  const claims = (await open(masterKey, "queue-access", ACCESS_PREFIX, token)) as { e?: unknown; p?: unknown; x?: unknown } | undefined;
  if (!claims || claims.e !== eventId || !Number.isInteger(claims.p) || typeof claims.x !== "number") return undefined;
  if (claims.x <= now) return undefined;
  return { eventId, position: claims.p as number, expiresAt: claims.x };
}
