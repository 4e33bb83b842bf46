/**
 * The signature on every delivery, as Stripe signs its webhooks:
 *
 *   Admit-One-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is inside the signed text, so a captured delivery cannot be replayed later with a
 * fresh time; a receiver refuses a `t` older than its tolerance (5 minutes in docs/webhooks.md).
 * During a secret rotation a header may carry several `v1=` values; any one that matches passes.
 * Web Crypto only, so the same code runs in workerd, in Node (the dev receiver) and in the tests.
 */
export const SIGNATURE_HEADER = "Admit-One-Signature";
export const DEFAULT_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

async function hmacHex(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(text));
  return [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** One `v1=` per secret, in the order given (during a rotation: the new secret's, then the old one's). */
export async function signatureHeader(secret: string | readonly string[], body: string, unixSeconds: number): Promise<string> {
  const secrets = typeof secret === "string" ? [secret] : secret;
  const macs = await Promise.all(secrets.map((s) => hmacHex(s, `${unixSeconds}.${body}`)));
  return [`t=${unixSeconds}`, ...macs.map((mac) => `v1=${mac}`)].join(",");
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: "malformed" | "mismatch" | "too_old" };

export async function verifySignature(secret: string, body: string, header: string | null | undefined, nowSeconds: number, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS): Promise<SignatureCheck> {
  const parts = (header ?? "").split(",").map((p) => p.trim().split("="));
  const t = Number(parts.find(([k]) => k === "t")?.[1]);
  const candidates = parts.filter(([k, v]) => k === "v1" && v).map(([, v]) => v!);
  if (!Number.isSafeInteger(t) || candidates.length === 0) return { ok: false, reason: "malformed" };
  const expected = await hmacHex(secret, `${t}.${body}`);
  if (!candidates.some((c) => constantTimeEqual(c, expected))) return { ok: false, reason: "mismatch" };
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return { ok: false, reason: "too_old" };
  return { ok: true, timestamp: t };
}

function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
