/**
 * Ticket tokens: compact JWS (ES256, `kid` in the header) over `{tid, eid, tier, seat, name, v, iat}`,
 * the text the ticket's QR code carries. A scanner checks one offline against its event's JWKS.
 * Only jose and WebCrypto: runs the same in Node, workerd and a browser.
 */
import { createLocalJWKSet, errors, jwtVerify, SignJWT, type JSONWebKeySet, type JWTPayload } from "jose";

export interface TicketSigningKey {
  kid: string;
  privateKey: CryptoKey;
}

export interface TicketClaims {
  /** Ticket id. */
  tid: string;
  /** Event id. */
  eid: string;
  /** The tier's id (as issued today; API.md says its name). Scanners map it to a name from their bundle. */
  tier: string;
  seat: string | null;
  /** Attendee name. */
  name: string;
  /** Ticket version: bumped on reissue so an older token of the same ticket is refused. */
  v: number;
}

export interface VerifiedTicketClaims extends TicketClaims {
  /** Issued at, seconds since the epoch. */
  iat: number;
}

export type TicketRejection = "bad_signature" | "wrong_event" | "malformed" | "revoked";

export type TicketVerification = { ok: true; claims: VerifiedTicketClaims } | { ok: false; reason: TicketRejection };

export async function signTicket(key: TicketSigningKey, claims: TicketClaims, now: Date): Promise<string> {
  const { tid, eid, tier, seat, name, v } = claims;
  return new SignJWT({ tid, eid, tier, seat, name, v })
    .setProtectedHeader({ alg: "ES256", kid: key.kid, typ: "JWT" })
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .sign(key.privateKey);
}

/** Not a token at all, or not one of ours: unreadable, or readable but not shaped like a ticket. */
const MALFORMED = new Set<string>([
  errors.JWSInvalid.code,
  errors.JWTInvalid.code,
  errors.JWTClaimValidationFailed.code,
  errors.JWTExpired.code,
  errors.JOSENotSupported.code,
]);

/** Readable, but no key of this event vouches for it. */
const BAD_SIGNATURE = new Set<string>([
  errors.JWSSignatureVerificationFailed.code,
  errors.JWKSNoMatchingKey.code,
  errors.JWKSMultipleMatchingKeys.code,
  errors.JOSEAlgNotAllowed.code,
]);

/**
 * Checks a scanned token against the event at this door.
 *
 * Order matters: the signature first, the event second. Until the signature checks out against this
 * event's keys nothing in the payload is trusted, `eid` included, so a ticket of another event (its
 * kid is not in this JWKS) is `bad_signature`, never `wrong_event`. `wrong_event` is left for a token
 * one of this event's keys really signed naming another event, which only a bug in issuing makes.
 * Text that is not a JWS, or whose verified payload is not a ticket, is `malformed`; a readable
 * header over a mangled payload is `bad_signature`, since the payload is not read before it verifies.
 *
 * A broken JWKS (not a key set, a private key in it) is our bug, not the token's: it throws.
 */
export async function verifyTicket(token: string, jwks: JSONWebKeySet, expectedEventId: string): Promise<TicketVerification> {
  const keys = createLocalJWKSet(jwks);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keys, { algorithms: ["ES256"], typ: "JWT" }));
  } catch (error) {
    const code = error instanceof errors.JOSEError ? error.code : undefined;
    if (code && BAD_SIGNATURE.has(code)) return { ok: false, reason: "bad_signature" };
    if (code && MALFORMED.has(code)) return { ok: false, reason: "malformed" };
    throw error;
  }
  const claims = asTicketClaims(payload);
  if (!claims) return { ok: false, reason: "malformed" };
  if (claims.eid !== expectedEventId) return { ok: false, reason: "wrong_event" };
  return { ok: true, claims };
}

/**
 * The door's check: a ticket that verifies is still refused when its id is on the event's revocation
 * list (`GET /events/{id}/revocations`: refunded or reissued tickets), which scanners hold offline.
 */
export async function verifyAdmission(token: string, jwks: JSONWebKeySet, expectedEventId: string, revoked: ReadonlySet<string>): Promise<TicketVerification> {
  const verified = await verifyTicket(token, jwks, expectedEventId);
  if (verified.ok && revoked.has(verified.claims.tid)) return { ok: false, reason: "revoked" };
  return verified;
}

function asTicketClaims(payload: JWTPayload): VerifiedTicketClaims | undefined {
  const { tid, eid, tier, seat, name, v, iat } = payload;
  if (typeof tid !== "string" || typeof eid !== "string" || typeof tier !== "string" || typeof name !== "string") return undefined;
  if (seat !== null && typeof seat !== "string") return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || typeof iat !== "number") return undefined;
  return { tid, eid, tier, seat, name, v, iat };
}
