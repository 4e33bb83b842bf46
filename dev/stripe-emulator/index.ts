/**
 * A local stand-in for the slice of Stripe's API that Admit One uses
 * (PaymentIntents, Charges, Refunds, Events, webhooks), spoken over HTTP so
 * the real `stripe` SDK can talk to it:
 *
 *   const emulator = await startStripeEmulator({ port: 0 });
 *   const stripe = new Stripe("sk_test_anything", { host: "127.0.0.1", port: emulator.port, protocol: "http" });
 *
 * See docs/stripe-emulator.md for what it does and does not emulate.
 */
import { AccountRegistry } from "./account";
import { ApiDispatcher } from "./dispatch";
import { type FaultControl, FaultInjector } from "./faults";
import { randomToken } from "./ids";
import { listen } from "./server";
import { type Delivery, WebhookDispatcher } from "./webhooks";

export type { ActiveFault, FaultControl, FaultMode, FaultRule } from "./faults";
export type { Delivery } from "./webhooks";
export { TEST_CARDS } from "./payment-methods";
export { DEFAULT_API_VERSION } from "./dispatch";

export interface StripeEmulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Signing secret for webhooks; a random `whsec_…` when omitted. */
  webhookSecret?: string;
  /** Where events are POSTed; none when omitted (see setWebhookUrl). */
  webhookUrl?: string;
  /** Deliver the events pending at a time in random order. */
  shuffleWebhooks?: boolean;
  /** Deliver every event twice. */
  duplicateWebhooks?: boolean;
  /** First retry delay; doubles per attempt, capped at 60 s. Default 500 ms. */
  webhookRetryBaseMs?: number;
  /** Attempts per event before giving up. Default 10. */
  webhookMaxAttempts?: number;
  /** How long a webhook receiver may take to answer. Default 10 s. */
  webhookTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface StripeEmulator {
  port: number;
  /** Base URL, e.g. http://127.0.0.1:12111 */
  url: string;
  webhookSecret: string;
  setWebhookUrl(url: string | null): void;
  faults: FaultControl;
  /** Every webhook delivery attempt so far, oldest first. */
  deliveries(): Delivery[];
  /** Resolves when no webhook is pending; see WebhookDispatcher.flush for the exact contract. */
  flushWebhooks(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStripeEmulator(opts: StripeEmulatorOptions = {}): Promise<StripeEmulator> {
  const host = opts.host ?? "127.0.0.1";
  const webhookSecret = opts.webhookSecret ?? `whsec_${randomToken(32)}`;
  const faults = new FaultInjector();
  const shutdown = new AbortController();
  const webhooks = new WebhookDispatcher({
    secret: webhookSecret,
    url: opts.webhookUrl ?? null,
    retryBaseMs: opts.webhookRetryBaseMs ?? 500,
    maxAttempts: opts.webhookMaxAttempts ?? 10,
    timeoutMs: opts.webhookTimeoutMs ?? 10_000,
    shuffle: opts.shuffleWebhooks ?? false,
    duplicate: opts.duplicateWebhooks ?? false,
    ...(opts.log ? { log: opts.log } : {}),
  });
  const dispatcher = new ApiDispatcher({
    accounts: new AccountRegistry(),
    faults,
    webhooks,
    shutdown: shutdown.signal,
    ...(opts.log ? { log: opts.log } : {}),
  });
  const server = await listen(
    { dispatcher, control: { faults, webhooks, webhookSecret }, ...(opts.log ? { log: opts.log } : {}) },
    host,
    opts.port ?? 0,
  );

  let stopping: Promise<void> | null = null;
  return {
    port: server.port,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${server.port}`,
    webhookSecret,
    setWebhookUrl: (url) => webhooks.setUrl(url),
    faults,
    deliveries: () => webhooks.deliveries(),
    flushWebhooks: () => webhooks.flush(),
    stop: () => {
      stopping ??= (async () => {
        shutdown.abort();
        await webhooks.stop();
        await server.close();
      })();
      return stopping;
    },
  };
}
