/**
 * The Stripe client for the Worker. STRIPE_API_HOST (`host:port`) points the real SDK at the local
 * emulator; empty means api.stripe.com. The fetch-based HTTP client is what workerd supports.
 */
import Stripe from "stripe";
import { countCost } from "../cost-count";
import { verifyStripeSignature } from "./stripe-signature";

/** Every call to Stripe, counted for the bench (a no-op unless metered). */
const countedFetch: typeof fetch = (input, init) => {
  countCost("stripeCalls");
  return fetch(input, init);
};

export function createStripe(env: Pick<Env, "STRIPE_SECRET_KEY" | "STRIPE_API_HOST" | "STRIPE_TIMEOUT_MS">): Stripe {
  const local = env.STRIPE_API_HOST ? parseHostPort(env.STRIPE_API_HOST) : undefined;
  return new Stripe(env.STRIPE_SECRET_KEY, {
    httpClient: Stripe.createFetchHttpClient(countedFetch),
    maxNetworkRetries: 2,
    timeout: Number(env.STRIPE_TIMEOUT_MS) || 20_000,
    ...(local ? { host: local.host, port: local.port, protocol: "http" as const } : {}),
  });
}

/**
 * A Stripe webhook's event, once its `Stripe-Signature` is checked (Stripe's scheme, with a key
 * imported once per isolate: ./stripe-signature.ts). Throws WebhookSignatureError when the signature
 * is missing, wrong or too old, and a SyntaxError when a signed body is not JSON.
 */
export async function verifyWebhook(rawBody: string, signature: string, secret: string): Promise<Stripe.Event> {
  await verifyStripeSignature(rawBody, signature, secret);
  return JSON.parse(rawBody) as Stripe.Event;
}

/**
 * What Stripe refused as a request (400/404 `invalid_request_error`), e.g. a payment method it does
 * not know (`resource_missing` on `payment_method`) or an amount under its minimum. Nothing was
 * charged; undefined for anything else (declines, outages), which the caller handles on its own.
 */
export interface RefusedRequest {
  param: string | undefined;
  code: string | undefined;
  message: string;
}

export function refusedRequest(error: unknown): RefusedRequest | undefined {
  if (!(error instanceof Stripe.errors.StripeInvalidRequestError)) return undefined;
  return { param: error.param, code: error.code, message: error.message };
}

function parseHostPort(value: string): { host: string; port: number } {
  const index = value.lastIndexOf(":");
  return { host: value.slice(0, index), port: Number(value.slice(index + 1)) };
}
