/**
 * The Stripe client for the Worker. STRIPE_API_HOST (`host:port`) points the real SDK at the local
 * emulator; empty means api.stripe.com. The fetch-based HTTP client is what workerd supports.
 */
import Stripe from "stripe";
import { countCost } from "../cost-count";

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

const subtleCrypto = Stripe.createSubtleCryptoProvider();

export async function verifyWebhook(stripe: Stripe, rawBody: string, signature: string, secret: string) {
  return stripe.webhooks.constructEventAsync(rawBody, signature, secret, undefined, subtleCrypto);
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
