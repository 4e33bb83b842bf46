/**
 * Ticket tokens, their QR codes and the encryption of signing keys at rest: pure WebCrypto and jose,
 * checked in Node (the same code runs in workerd; see test/runtime/ticket-keys.test.ts).
 */
import { base64url, exportJWK, generateKeyPair, type JSONWebKeySet } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptPrivateJwk, encryptPrivateJwk } from "../../workers/tickets/key-encryption";
import { ticketQrSvg } from "../../workers/tickets/qr";
import { signTicket, verifyTicket, type TicketClaims, type TicketSigningKey } from "../../workers/tickets/ticket-tokens";

const EVENT_ID = "7f8d2c1e-0b7a-4c9e-9d55-3a1f6b2e4c10";
const OTHER_EVENT_ID = "2b1c0d9e-8f7a-4b6c-8d5e-4f3a2b1c0d9e";
const NOW = new Date("2026-11-05T18:30:00.000Z");

const claims: TicketClaims = { tid: "b3c4d5e6-0000-4000-8000-000000000001", eid: EVENT_ID, tier: "General", seat: "A12", name: "Ada Lovelace", v: 1 };

async function newKey(kid: string): Promise<{ key: TicketSigningKey; jwks: JSONWebKeySet }> {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  const jwk = await exportJWK(publicKey);
  return { key: { kid, privateKey }, jwks: { keys: [{ ...jwk, kid, alg: "ES256", use: "sig" }] } };
}

const randomMasterKey = () => base64url.encode(crypto.getRandomValues(new Uint8Array(32)));

function parts(token: string) {
  const [header, payload, signature] = token.split(".");
  return { header: header!, payload: payload!, signature: signature! };
}

const json = (segment: string) => JSON.parse(new TextDecoder().decode(base64url.decode(segment)));
const segment = (value: unknown) => base64url.encode(JSON.stringify(value));

describe("ticket tokens", () => {
  let event: Awaited<ReturnType<typeof newKey>>;
  let otherEvent: Awaited<ReturnType<typeof newKey>>;

  beforeAll(async () => {
    event = await newKey("evt_7f8d2c1e_current");
    otherEvent = await newKey("evt_2b1c0d9e_current");
  });

  it("round-trips: the claims come back with iat, under an ES256 header naming the key", async () => {
    const token = await signTicket(event.key, claims, NOW);
    expect(json(parts(token).header)).toEqual({ alg: "ES256", kid: "evt_7f8d2c1e_current", typ: "JWT" });
    expect(await verifyTicket(token, event.jwks, EVENT_ID)).toEqual({ ok: true, claims: { ...claims, iat: Math.floor(NOW.getTime() / 1000) } });
  });

  it("keeps a null seat (general admission) as null", async () => {
    const token = await signTicket(event.key, { ...claims, seat: null }, NOW);
    const result = await verifyTicket(token, event.jwks, EVENT_ID);
    expect(result.ok && result.claims.seat).toBeNull();
  });

  it("verifies against a JWKS holding the previous key beside the current one", async () => {
    const previous = await newKey("evt_7f8d2c1e_previous");
    const token = await signTicket(previous.key, claims, NOW);
    const jwks = { keys: [...event.jwks.keys, ...previous.jwks.keys] };
    expect((await verifyTicket(token, jwks, EVENT_ID)).ok).toBe(true);
  });

  it("refuses a tampered payload as bad_signature", async () => {
    const token = await signTicket(event.key, claims, NOW);
    const { header, payload, signature } = parts(token);
    const upgraded = segment({ ...json(payload), tier: "VIP" });
    expect(await verifyTicket(`${header}.${upgraded}.${signature}`, event.jwks, EVENT_ID)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("refuses a token of another event's key as bad_signature, even when it names this event", async () => {
    const forged = await signTicket(otherEvent.key, claims, NOW);
    expect(await verifyTicket(forged, event.jwks, EVENT_ID)).toEqual({ ok: false, reason: "bad_signature" });
    const theirs = await signTicket(otherEvent.key, { ...claims, eid: OTHER_EVENT_ID }, NOW);
    expect(await verifyTicket(theirs, event.jwks, EVENT_ID)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("refuses a token from a different key claiming this event's kid as bad_signature", async () => {
    const impostor = await newKey(event.key.kid);
    const token = await signTicket(impostor.key, claims, NOW);
    expect(await verifyTicket(token, event.jwks, EVENT_ID)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("refuses unsigned and HMAC tokens as bad_signature", async () => {
    const { payload } = parts(await signTicket(event.key, claims, NOW));
    const unsigned = `${segment({ alg: "none", kid: event.key.kid, typ: "JWT" })}.${payload}.`;
    expect(await verifyTicket(unsigned, event.jwks, EVENT_ID)).toEqual({ ok: false, reason: "bad_signature" });
    const hmac = `${segment({ alg: "HS256", kid: event.key.kid, typ: "JWT" })}.${payload}.${base64url.encode("x".repeat(32))}`;
    expect(await verifyTicket(hmac, event.jwks, EVENT_ID)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("reports wrong_event only for a valid signature of this event's key naming another event", async () => {
    const token = await signTicket(event.key, { ...claims, eid: OTHER_EVENT_ID }, NOW);
    expect(await verifyTicket(token, event.jwks, EVENT_ID)).toEqual({ ok: false, reason: "wrong_event" });
  });

  it("refuses text that is not a token as malformed", async () => {
    const { payload, signature } = parts(await signTicket(event.key, claims, NOW));
    for (const garbage of ["", "garbage", "a.b", "a.b.c", "a.b.c.d", "###.$$$.%%%", `${segment([1, 2])}.${payload}.${signature}`, `${segment({ kid: "k" })}.${payload}.${signature}`]) {
      expect(await verifyTicket(garbage, event.jwks, EVENT_ID), garbage).toEqual({ ok: false, reason: "malformed" });
    }
  });

  it("refuses a validly signed payload that is not a ticket as malformed", async () => {
    const wrongShape = await signTicket(event.key, { ...claims, v: "1" as unknown as number }, NOW);
    expect(await verifyTicket(wrongShape, event.jwks, EVENT_ID)).toEqual({ ok: false, reason: "malformed" });
  });
});

describe("ticket QR codes", () => {
  it("are SVG, the same for the same token, different for another", async () => {
    const { key } = await newKey("evt_qr");
    const token = await signTicket(key, claims, NOW);
    const svg = await ticketQrSvg(token);
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.trimEnd()).toMatch(/<\/svg>$/);
    expect(await ticketQrSvg(token)).toBe(svg);
    expect(await ticketQrSvg(await signTicket(key, { ...claims, v: 2 }, NOW))).not.toBe(svg);
  });
});

describe("signing keys at rest", () => {
  const kid = "evt_7f8d2c1e_AbCdEfGhIjKl";
  let privateJwk: Awaited<ReturnType<typeof exportJWK>>;

  beforeAll(async () => {
    const { privateKey } = await generateKeyPair("ES256", { extractable: true });
    privateJwk = await exportJWK(privateKey);
  });

  it("round-trips a private JWK, stored as v1.<iv>.<ciphertext> without the key in clear", async () => {
    const master = randomMasterKey();
    const stored = await encryptPrivateJwk(master, kid, privateJwk);
    expect(stored).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(stored).not.toContain(privateJwk.d);
    expect(await decryptPrivateJwk(master, kid, stored)).toEqual(privateJwk);
  });

  it("uses a fresh IV each time", async () => {
    const master = randomMasterKey();
    expect(await encryptPrivateJwk(master, kid, privateJwk)).not.toBe(await encryptPrivateJwk(master, kid, privateJwk));
  });

  it("fails clearly under another master key", async () => {
    const stored = await encryptPrivateJwk(randomMasterKey(), kid, privateJwk);
    await expect(decryptPrivateJwk(randomMasterKey(), kid, stored)).rejects.toThrow(/Cannot decrypt the private key of signing key/);
  });

  it("fails for a ciphertext moved onto another kid", async () => {
    const master = randomMasterKey();
    const stored = await encryptPrivateJwk(master, kid, privateJwk);
    await expect(decryptPrivateJwk(master, "evt_7f8d2c1e_someoneElse1", stored)).rejects.toThrow(/Cannot decrypt/);
  });

  it("fails for an altered ciphertext or an unknown stored form", async () => {
    const master = randomMasterKey();
    const stored = await encryptPrivateJwk(master, kid, privateJwk);
    const [format, iv, ciphertext] = stored.split(".");
    const flipped = ciphertext!.startsWith("A") ? `B${ciphertext!.slice(1)}` : `A${ciphertext!.slice(1)}`;
    await expect(decryptPrivateJwk(master, kid, `${format}.${iv}.${flipped}`)).rejects.toThrow(/Cannot decrypt/);
    await expect(decryptPrivateJwk(master, kid, `v2.${iv}.${ciphertext}`)).rejects.toThrow(/stored form/);
    await expect(decryptPrivateJwk(master, kid, JSON.stringify(privateJwk))).rejects.toThrow(/stored form/);
  });

  it("refuses a master key that is not 32 bytes of base64url", async () => {
    await expect(encryptPrivateJwk(base64url.encode(new Uint8Array(16)), kid, privateJwk)).rejects.toThrow(/32 bytes/);
    await expect(encryptPrivateJwk("not base64url!", kid, privateJwk)).rejects.toThrow(/SIGNING_MASTER_KEY/);
  });
});
