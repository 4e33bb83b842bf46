import { createHmac } from "node:crypto";

/**
 * The `Stripe-Signature` header for a webhook payload: `t=<unix seconds>,
 * v1=<hex HMAC-SHA256 of "<t>.<payload>" keyed with the endpoint secret>`,
 * which `stripe.webhooks.constructEvent` verifies.
 */
export function signatureHeader(secret: string, payload: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${signature}`;
}
