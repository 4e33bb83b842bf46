/**
 * One recipe for the secrets the Worker must read back but Postgres must not reveal: the private
 * halves of ticket signing keys and the signing secrets of webhook endpoints.
 *
 * Each secret gets its own wrapping key: HKDF-SHA-256 over the master secret (`SIGNING_MASTER_KEY`,
 * 32 random bytes as base64url) with the row's id as salt and a per-purpose `info`. AES-256-GCM then
 * encrypts with a random 12-byte IV and the row's id as additional data, so a ciphertext copied onto
 * another row fails to decrypt instead of acting as that row's secret, and a leaked dump signs nothing.
 * Stored form: `v1.<iv b64url>.<ciphertext+tag b64url>`; the version names this whole recipe.
 *
 * A failure to open is never the client's fault (the master secret changed or the row was altered),
 * so it throws a plain Error that ends up as a logged INTERNAL.
 */
import { base64url } from "jose";

const FORMAT = "v1";
const MASTER_KEY_BYTES = 32;
const IV_BYTES = 12;
const utf8 = new TextEncoder();

/** What a secret is for (`info`) and which row it belongs to (`id`: salt and additional data). */
export interface SealContext {
  info: string;
  id: string;
}

function masterKeyBytes(masterKey: string): Uint8Array<ArrayBuffer> {
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(masterKey);
  } catch (cause) {
    throw new Error("SIGNING_MASTER_KEY is not base64url text.", { cause });
  }
  if (bytes.length !== MASTER_KEY_BYTES) {
    throw new Error(`SIGNING_MASTER_KEY must encode ${MASTER_KEY_BYTES} bytes, not ${bytes.length}.`);
  }
  return new Uint8Array(bytes);
}

async function wrappingKey(masterKey: string, context: SealContext): Promise<CryptoKey> {
  const master = await crypto.subtle.importKey("raw", masterKeyBytes(masterKey), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: utf8.encode(context.id), info: utf8.encode(context.info) },
    master,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function sealUnderMasterKey(masterKey: string, context: SealContext, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(context.id) }, await wrappingKey(masterKey, context), utf8.encode(plaintext));
  return `${FORMAT}.${base64url.encode(iv)}.${base64url.encode(new Uint8Array(ciphertext))}`;
}

/** `what` names the secret in the error ("the private key of signing key k1"). */
export async function openUnderMasterKey(masterKey: string, context: SealContext, stored: string, what: string): Promise<string> {
  const parts = stored.split(".");
  const [format, ivText, ciphertextText] = parts;
  if (parts.length !== 3 || format !== FORMAT || !ivText || !ciphertextText) throw new Error(`${what} is not in the ${FORMAT} stored form.`);
  const key = await wrappingKey(masterKey, context);
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: new Uint8Array(base64url.decode(ivText)), additionalData: utf8.encode(context.id) },
      key,
      new Uint8Array(base64url.decode(ciphertextText)),
    );
    return new TextDecoder().decode(plaintext);
  } catch (cause) {
    throw new Error(`Cannot decrypt ${what}: SIGNING_MASTER_KEY is not the one it was encrypted under, or the row was altered or copied from another.`, { cause });
  }
}
