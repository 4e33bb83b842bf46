/**
 * An endpoint's signing secret: `whsec_` + 32 random bytes, shown to the organization once, kept in
 * Postgres only encrypted (AES-256-GCM under a key derived from SIGNING_MASTER_KEY with HKDF, the
 * endpoint id as salt and as additional data), so a leaked dump signs no deliveries and a
 * ciphertext copied onto another endpoint does not decrypt. The Worker needs the secret itself to
 * sign, so a hash would not do.
 */
import { fromBase64Url, toBase64Url } from "../auth/derived-keys";

const FORMAT = "v1";
const HKDF_INFO = "admit-one/webhook-endpoint-secret/v1";
const encoder = new TextEncoder();

export function newEndpointSecret(): string {
  return `whsec_${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

async function wrappingKey(masterKey: string, endpointId: string): Promise<CryptoKey> {
  const master = fromBase64Url(masterKey);
  if (!master || master.length !== 32) throw new Error("SIGNING_MASTER_KEY must be 32 bytes as base64url.");
  const material = await crypto.subtle.importKey("raw", master, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode(endpointId), info: encoder.encode(HKDF_INFO) },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function encryptEndpointSecret(masterKey: string, endpointId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(endpointId) }, await wrappingKey(masterKey, endpointId), encoder.encode(secret));
  return `${FORMAT}.${toBase64Url(iv)}.${toBase64Url(sealed)}`;
}

export async function decryptEndpointSecret(masterKey: string, endpointId: string, stored: string): Promise<string> {
  const [format, ivText, sealedText] = stored.split(".");
  const iv = fromBase64Url(ivText ?? "");
  const sealed = fromBase64Url(sealedText ?? "");
  if (format !== FORMAT || !iv || !sealed) throw new Error(`The secret of webhook endpoint ${endpointId} is not in the ${FORMAT} stored form.`);
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(endpointId) }, await wrappingKey(masterKey, endpointId), sealed);
    return new TextDecoder().decode(plain);
  } catch (cause) {
    throw new Error(`Cannot decrypt the secret of webhook endpoint ${endpointId}: SIGNING_MASTER_KEY changed or the row was altered.`, { cause });
  }
}
