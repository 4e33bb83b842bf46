/**
 * A local stand-in for a transactional mail API with Resend's request and
 * response shapes. Mail is kept in memory and shown on an inbox page instead
 * of being sent. See docs/mail-outbox.md.
 *
 *   const outbox = await startMailOutbox({ port: 0 });
 *   // MAIL_API_URL = outbox.url; open outbox.url in a browser to read mail.
 */
import { MailFaults } from "./faults";
import { IdempotencyKeys } from "./idempotency";
import type { Mail } from "./mail";
import { listen, type OutboxState } from "./server";
import { newWebhookInboxState } from "./webhook-inbox";

export type { Mail } from "./mail";

export interface MailOutboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface MailOutbox {
  port: number;
  url: string;
  /** Stored mail in sending order (oldest first); copies, safe to keep. */
  messages(): Mail[];
  stop(): Promise<void>;
}

export async function startMailOutbox(opts: MailOutboxOptions = {}): Promise<MailOutbox> {
  const host = opts.host ?? "127.0.0.1";
  const state: OutboxState = { mails: [], idempotency: new IdempotencyKeys(), faults: new MailFaults(), webhooks: newWebhookInboxState() };
  const server = await listen(state, host, opts.port ?? 0);
  let stopping: Promise<void> | null = null;
  return {
    port: server.port,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${server.port}`,
    messages: () => structuredClone(state.mails),
    stop: () => (stopping ??= server.close()),
  };
}
