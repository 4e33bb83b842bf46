/**
 * The private halves of the events' signing keys rest in Postgres encrypted under the master secret
 * (`SIGNING_MASTER_KEY`), so a leaked database dump signs no tickets: the recipe, with the kid as
 * the row id, is in `../crypto/master-key-seal.ts`.
 */
import type { JWK } from "jose";
import { openUnderMasterKey, sealUnderMasterKey } from "../crypto/master-key-seal";

const HKDF_INFO = "admit-one/ticket-signing-key/v1";

export async function encryptPrivateJwk(masterKey: string, kid: string, jwk: JWK): Promise<string> {
  return sealUnderMasterKey(masterKey, { info: HKDF_INFO, id: kid }, JSON.stringify(jwk));
}

export async function decryptPrivateJwk(masterKey: string, kid: string, stored: string): Promise<JWK> {
  return JSON.parse(await openUnderMasterKey(masterKey, { info: HKDF_INFO, id: kid }, stored, `the private key of signing key ${kid}`)) as JWK;
}
