/**
 * The private halves of the events' signing keys rest in Postgres encrypted under one master secret
 * (`SIGNING_MASTER_KEY`, 32 random bytes as base64url), so a leaked database dump signs no tickets.
 *
 * Each key row gets its own wrapping key: HKDF-SHA-256 over the master secret with the kid as salt.
 * AES-256-GCM then encrypts the JWK with a random 12-byte IV and the kid as additional data, so a
 * ciphertext copied onto another row (another kid) fails to decrypt instead of signing as that key.
 * Stored form: `v1.<iv b64url>.<ciphertext+tag b64url>`; the version names this whole recipe.
 *
 * A failure to decrypt is never the client's fault: it means the master secret changed or the row
 * was altered, so it throws a plain Error that ends up as a logged INTERNAL.
 */
import { base64url, type JWK } from "jose";

const FORMAT = "v1";
const HKDF_INFO = "admit-one/ticket-signing-key/v1";
const MASTER_KEY_BYTES = 32;
const IV_BYTES = 12;

const utf8 = new TextEncoder();

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

async function wrappingKey(masterKey: string, kid: string): Promise<CryptoKey> {
  const master = await crypto.subtle.importKey("raw", masterKeyBytes(masterKey), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: utf8.encode(kid), info: utf8.encode(HKDF_INFO) },
    master,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function encryptPrivateJwk(masterKey: string, kid: string, jwk: JWK): Promise<string> {
  const key = await wrappingKey(masterKey, kid);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8.encode(kid) },
    key,
    utf8.encode(JSON.stringify(jwk)),
  );
  return `${FORMAT}.${base64url.encode(iv)}.${base64url.encode(new Uint8Array(ciphertext))}`;
}

export async function decryptPrivateJwk(masterKey: string, kid: string, stored: string): Promise<JWK> {
  const parts = stored.split(".");
  const [format, ivText, ciphertextText] = parts;
  if (parts.length !== 3 || format !== FORMAT || !ivText || !ciphertextText) {
    throw new Error(`The private key of signing key ${kid} is not in the ${FORMAT} stored form.`);
  }
  const key = await wrappingKey(masterKey, kid);
  let plaintext: ArrayBuffer;
  try {
    plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: new Uint8Array(base64url.decode(ivText)), additionalData: utf8.encode(kid) },
      key,
      new Uint8Array(base64url.decode(ciphertextText)),
    );
  } catch (cause) {
    throw new Error(
      `Cannot decrypt the private key of signing key ${kid}: SIGNING_MASTER_KEY is not the one it was encrypted under, or the row was altered or copied from another key.`,
      { cause },
    );
  }
  return JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
}
