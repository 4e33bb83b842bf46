/**
 * The one recipe that keeps secrets in Postgres (ticket signing keys, webhook endpoint secrets):
 * a sealed secret opens only with the same master key, purpose and row, and a webhook secret never
 * opens as a signing key or on another endpoint.
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openUnderMasterKey, sealUnderMasterKey } from "../../workers/crypto/master-key-seal";
import { decryptEndpointSecret, encryptEndpointSecret, newEndpointSecret } from "../../workers/webhooks-out/endpoint-secret";

const masterKey = () => randomBytes(32).toString("base64url");

describe("secrets sealed under the master key", () => {
  it("opens a webhook endpoint's secret with the same master key and endpoint, and nowhere else", async () => {
    const master = masterKey();
    const secret = newEndpointSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const stored = await encryptEndpointSecret(master, "endpoint-a", secret);
    expect(stored).not.toContain(secret.slice(6));
    expect(await decryptEndpointSecret(master, "endpoint-a", stored)).toBe(secret);
    await expect(decryptEndpointSecret(master, "endpoint-b", stored)).rejects.toThrow(/Cannot decrypt the secret of webhook endpoint endpoint-b/);
    await expect(decryptEndpointSecret(masterKey(), "endpoint-a", stored)).rejects.toThrow(/Cannot decrypt/);
    await expect(decryptEndpointSecret(master, "endpoint-a", `v2${stored.slice(2)}`)).rejects.toThrow(/stored form/);
  });

  it("keeps purposes apart: the same row id under another purpose does not open", async () => {
    const master = masterKey();
    const stored = await sealUnderMasterKey(master, { info: "admit-one/webhook-endpoint-secret/v1", id: "k1" }, "s3cret");
    expect(await openUnderMasterKey(master, { info: "admit-one/webhook-endpoint-secret/v1", id: "k1" }, stored, "it")).toBe("s3cret");
    await expect(openUnderMasterKey(master, { info: "admit-one/ticket-signing-key/v1", id: "k1" }, stored, "it")).rejects.toThrow(/Cannot decrypt it/);
  });
});
