/**
 * Each event signs its tickets with its own ES256 key, so a scanner only trusts its event's keys
 * and one leaked key forges tickets for one event. Keys have three states: `current` signs new
 * tickets; `previous` (the key before the last rotation) still verifies the tickets it signed;
 * `retired` verifies nothing. The JWKS scanners download holds current and previous only.
 */
import { exportJWK, generateKeyPair, importJWK, base64url, type JWK } from "jose";
import type { HttpDatabase, Transaction } from "../../db/client";
import {
  demoteSigningKeys,
  findCurrentSigningKey,
  insertCurrentSigningKey,
  insertCurrentSigningKeyIfNone,
  lockEventForKeyChange,
  verifyingKeysOfEvent,
  type SigningKeyInsert,
  type SigningKeyRow,
} from "../../db/queries/signing-keys";
import { decryptPrivateJwk, encryptPrivateJwk } from "./key-encryption";
import type { TicketSigningKey } from "./ticket-tokens";

export const SIGNING_ALGORITHM = "ES256";

/** A public key as the JWKS publishes it. */
export interface PublicSigningJwk extends JWK {
  kid: string;
  alg: typeof SIGNING_ALGORITHM;
  use: "sig";
}

export interface EventJwks {
  keys: PublicSigningJwk[];
}

export interface EventSigningKey {
  kid: string;
  eventId: string;
  publicJwk: PublicSigningJwk;
  createdAt: Date;
}

/** `evt_<first 8 hex of the event id>_<72 random bits>`: readable in logs, unique without a lookup. */
function newKid(eventId: string): string {
  const short = eventId.replace(/-/g, "").slice(0, 8);
  return `evt_${short}_${base64url.encode(crypto.getRandomValues(new Uint8Array(9)))}`;
}

function asPublicJwk(kid: string, stored: unknown): PublicSigningJwk {
  const { kty, crv, x, y } = stored as JWK;
  return { kty, crv, x, y, kid, alg: SIGNING_ALGORITHM, use: "sig" };
}

function present(row: SigningKeyRow): EventSigningKey {
  return { kid: row.kid, eventId: row.eventId, publicJwk: asPublicJwk(row.kid, row.publicJwk), createdAt: row.createdAt };
}

async function newKeyRow(masterKey: string, eventId: string): Promise<Omit<SigningKeyInsert, "status">> {
  const kid = newKid(eventId);
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALGORITHM, { extractable: true });
  const [publicJwk, privateJwk] = await Promise.all([exportJWK(publicKey), exportJWK(privateKey)]);
  return {
    kid,
    eventId,
    publicJwk: asPublicJwk(kid, publicJwk),
    privateJwkEncrypted: await encryptPrivateJwk(masterKey, kid, { ...privateJwk, kid, alg: SIGNING_ALGORITHM }),
  };
}

async function ensureCurrentRow(db: HttpDatabase | Transaction, masterKey: string, eventId: string): Promise<SigningKeyRow> {
  const existing = await findCurrentSigningKey(db, eventId);
  if (existing) return existing;
  const inserted = await insertCurrentSigningKeyIfNone(db, await newKeyRow(masterKey, eventId));
  if (inserted) return inserted;
  // Lost the race: the ON CONFLICT waited for the winner to commit, so a fresh read sees its key.
  const winner = await findCurrentSigningKey(db, eventId);
  if (!winner) throw new Error(`Event ${eventId} has no current signing key after a conflicting insert.`);
  return winner;
}

/**
 * The event's current key, created when it has none. Safe to call any number of times at once:
 * the partial unique index lets one insert win and the others read the winner. Accepts a
 * transaction, so publishing an event and creating its key commit together.
 */
export async function ensureEventSigningKey(db: HttpDatabase | Transaction, masterKey: string, eventId: string): Promise<EventSigningKey> {
  return present(await ensureCurrentRow(db, masterKey, eventId));
}

/**
 * current → previous, previous → retired, and a new current key. Tickets signed by the key that was
 * previous now fail verification and need reissuing. Needs a transaction (the type insists): the
 * event row is locked so two rotations apply one after the other, never leaving two previous keys.
 */
export async function rotateEventSigningKey(tx: Transaction, masterKey: string, eventId: string): Promise<EventSigningKey> {
  if (!(await lockEventForKeyChange(tx, eventId))) throw new Error(`No event ${eventId} to rotate the signing key of.`);
  await demoteSigningKeys(tx, eventId);
  return present(await insertCurrentSigningKey(tx, await newKeyRow(masterKey, eventId)));
}

/**
 * The key that signs the event's new tickets. Events published before signing keys existed (or
 * seeded straight into the database) get their key here on first use rather than failing.
 */
export async function loadSigningKey(db: HttpDatabase | Transaction, masterKey: string, eventId: string, current?: SigningKeyRow): Promise<TicketSigningKey> {
  // `current`: the event's current row when the caller already read it (finalize's joined read).
  const row = current && current.eventId === eventId && current.status === "current" ? current : await ensureCurrentRow(db, masterKey, eventId);
  return { kid: row.kid, privateKey: await privateKeyOf(masterKey, row) };
}

/**
 * Decrypted and imported once per isolate and key id, not on every pay (the profile of
 * bench/RESULTS.md, 2026-12-03). Safe: a kid names one key for ever (a rotation makes a new kid), the
 * current row is still read on every call, so a rotation or retirement takes effect at once; the
 * cache is keyed by master key too, and holds a non-extractable CryptoKey only.
 */
const privateKeys = new Map<string, Promise<CryptoKey>>();
const MAX_CACHED_KEYS = 200;

function privateKeyOf(masterKey: string, row: SigningKeyRow): Promise<CryptoKey> {
  const cacheKey = `${row.kid}\n${masterKey}`;
  const known = privateKeys.get(cacheKey);
  if (known) return known;
  const loading = (async () => {
    const jwk = await decryptPrivateJwk(masterKey, row.kid, row.privateJwkEncrypted);
    const privateKey = await importJWK(jwk, SIGNING_ALGORITHM, { extractable: false });
    if (privateKey instanceof Uint8Array) throw new Error(`Signing key ${row.kid} decrypted to a symmetric key.`);
    return privateKey;
  })();
  if (privateKeys.size >= MAX_CACHED_KEYS) privateKeys.delete(privateKeys.keys().next().value!);
  privateKeys.set(cacheKey, loading);
  loading.catch(() => privateKeys.delete(cacheKey));
  return loading;
}

/** What a scanner verifies tickets against: the current and previous public keys. */
export async function eventJwks(db: HttpDatabase | Transaction, eventId: string): Promise<EventJwks> {
  const rows = await verifyingKeysOfEvent(db, eventId);
  return { keys: rows.map((row) => asPublicJwk(row.kid, row.publicJwk)) };
}
