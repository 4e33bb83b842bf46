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

/**
 * One client per isolate and settings. Building one (the SDK's resources, its HTTP client, its
 * platform functions) was 1.4 % of the Worker's busy samples in a purchase profile, once per pay.
 * A client holds configuration only: every call is its own fetch, made in the calling request, so
 * requests can share it (what carries over is the SDK's telemetry of the previous call's duration).
 */
const clients = new Map<string, Stripe>();

export function createStripe(env: Pick<Env, "STRIPE_SECRET_KEY" | "STRIPE_API_HOST" | "STRIPE_TIMEOUT_MS">): Stripe {
  const key = `${env.STRIPE_SECRET_KEY}\n${env.STRIPE_API_HOST}\n${env.STRIPE_TIMEOUT_MS}`;
  let client = clients.get(key);
  if (!client) {
    if (clients.size >= 8) clients.clear();
    client = newStripe(env);
    clients.set(key, client);
  }
  return client;
}

function newStripe(env: Pick<Env, "STRIPE_SECRET_KEY" | "STRIPE_API_HOST" | "STRIPE_TIMEOUT_MS">): Stripe {
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
