/**
 * An endpoint's signing secret: `whsec_` + 32 random bytes, shown to the organization once, kept in
 * Postgres only encrypted (sealed under SIGNING_MASTER_KEY with the endpoint id as the row id, see
 * `../crypto/master-key-seal.ts`), so a leaked dump signs no deliveries and a
 * ciphertext copied onto another endpoint does not decrypt. The Worker needs the secret itself to
 * sign, so a hash would not do.
 */
import { toBase64Url } from "../auth/derived-keys";
import { openUnderMasterKey, sealUnderMasterKey } from "../crypto/master-key-seal";

const HKDF_INFO = "admit-one/webhook-endpoint-secret/v1";

export function newEndpointSecret(): string {
  return `whsec_${toBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
}

export async function encryptEndpointSecret(masterKey: string, endpointId: string, secret: string): Promise<string> {
  return sealUnderMasterKey(masterKey, { info: HKDF_INFO, id: endpointId }, secret);
}

export async function decryptEndpointSecret(masterKey: string, endpointId: string, stored: string): Promise<string> {
  return openUnderMasterKey(masterKey, { info: HKDF_INFO, id: endpointId }, stored, `the secret of webhook endpoint ${endpointId}`);
}
