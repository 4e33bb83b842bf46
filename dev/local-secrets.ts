/**
 * Secrets for a local run, generated fresh at start-up so none is ever committed. The prefixes say
 * what they are: a Stripe *test* key for the emulator, a webhook secret, a signing master key.
 */
import { randomBytes } from "node:crypto";

export interface LocalSecrets {
  STRIPE_SECRET_KEY: string;
  STRIPE_WEBHOOK_SECRET: string;
  SIGNING_MASTER_KEY: string;
  MAIL_API_KEY: string;
}

export function generateLocalSecrets(): LocalSecrets {
  const token = (bytes: number) => randomBytes(bytes).toString("base64url");
  return {
    STRIPE_SECRET_KEY: `sk_test_local_${token(18)}`,
    STRIPE_WEBHOOK_SECRET: `whsec_local_${token(24)}`,
    SIGNING_MASTER_KEY: token(32),
    MAIL_API_KEY: `re_local_${token(18)}`,
  };
}
