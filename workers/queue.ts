/**
 * The Queue consumer. Each message is handled on its own: a bad one is dropped loudly, a failing
 * one is retried with backoff (and lands in the dead-letter queue after max_retries), and the rest
 * of the batch is unaffected. The batch's mails share one read of which were sent and one record
 * of those sent (workers/mail/sent-ledger.ts): a sent mail's message is acked once it is recorded.
 *
 * A message taken here is in the Queue's hands, so its outbox row is marked published in a statement
 * the batch makes anyway: the mails' read of which were sent, a dispatch's first delivery claim. Pay
 * writes its rows leased and sends them without marking them (db/queries/outbox.ts).
 */
import { connectHttp } from "../db/client";
import { sendMail } from "./adapters/mail";
import { renderAttachments } from "./mail/attachments";
import { SentMailLedger } from "./mail/sent-ledger";
import { databaseSettings } from "./config";
import { queueMessage, type QueueMessage } from "./messages";
import { continueCancellation } from "./use-cases/cancel-event";
import { applyNotice } from "./use-cases/waitlist-notices";
import { deliverWebhooks } from "./webhooks-out/deliver";

/** `held`: the mail ledger acks (or retries) the message when it records the batch's mails. */
type Outcome = { ack: true } | { ack: false; delaySeconds: number; reason: string } | { held: true };

export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  // Webhook deliveries wait on other people's servers (up to their timeout each): they run side by
  // side, beside the rest of the batch, so a dead receiver never holds a confirmation mail back.
  const isWebhook = (message: Message<unknown>) => (message.body as { type?: unknown } | null)?.type === "webhook.dispatch";
  const webhooks = batch.messages.filter(isWebhook);
  const others = batch.messages.filter((message) => !isWebhook(message));
  const mails = new SentMailLedger(connectHttp(databaseSettings(env)));
  await Promise.all([
    (async () => {
      if (others.length === 0) return;
      const keys = others.flatMap((message) => {
        const body = message.body as { type?: unknown; dedupe_key?: unknown } | null;
        return body?.type === "mail.send" && typeof body.dedupe_key === "string" ? [body.dedupe_key] : [];
      });
      // A failed read only costs each mail its own read (stateOf reads what was not preloaded).
      await mails.preload(keys).catch((error: unknown) => console.warn(JSON.stringify({ level: "warn", where: "mail", error: String(error) })));
      for (const message of others) await handleOne(message, env, mails);
      await mails.flush();
    })(),
    ...webhooks.map((message) => handleOne(message, env, mails)),
  ]);
}

async function handleOne(message: Message<unknown>, env: Env, mails: SentMailLedger): Promise<void> {
  const parsed = queueMessage.safeParse(message.body);
  if (!parsed.success) {
    console.error(JSON.stringify({ level: "error", where: "queue", message_id: message.id, error: "malformed message dropped", issues: parsed.error.issues }));
    message.ack();
    return;
  }
  let outcome: Outcome;
  try {
    outcome = await handleMessage(parsed.data, env, message, mails);
  } catch (error) {
    outcome = { ack: false, delaySeconds: 5, reason: String(error) };
  }
  if ("held" in outcome) return;
  if (outcome.ack) {
    message.ack();
  } else {
    const delaySeconds = Math.min(outcome.delaySeconds * 2 ** (message.attempts - 1), 600);
    console.warn(JSON.stringify({ level: "warn", where: "queue", type: parsed.data.type, attempt: message.attempts, reason: outcome.reason }));
    message.retry({ delaySeconds });
  }
}

async function handleMessage(message: QueueMessage, env: Env, queued: Message<unknown>, mails: SentMailLedger): Promise<Outcome> {
  switch (message.type) {
    case "mail.send":
      return deliverMail(message, env, queued, mails);
    case "waitlist.offered":
    case "waitlist.ended": {
      const result = await applyNotice(env, connectHttp(databaseSettings(env)), message, queued.attempts);
      if (!result.done) return { ack: false, delaySeconds: 2, reason: result.reason };
      return result.mail ? deliverMail(result.mail, env, queued, mails) : { ack: true };
    }
    case "event.cancellation":
      // Each batch sends the next itself, and the cron resumes a stalled one: nothing to retry here.
      await continueCancellation(env, connectHttp(databaseSettings(env)), message.event_id, new Date());
      return { ack: true };
    case "webhook.dispatch":
      // Failures are scheduled on the delivery rows (the cron sweep sends them again when due). The
      // first claim marks the message's outbox row published (pay sends its rows and leaves that here).
      await deliverWebhooks(env, connectHttp(databaseSettings(env)), message.delivery_ids, new Date(), message.manual, message.dedupe_key);
      return { ack: true };
  }
}

async function deliverMail(message: Extract<QueueMessage, { type: "mail.send" }>, env: Env, queued: Message<unknown>, mails: SentMailLedger): Promise<Outcome> {
  const state = await mails.stateOf(message.dedupe_key);
  if (state === "sent") return { ack: true };
  if (state === "sending") {
    mails.sameAs(queued);
    return { held: true };
  }
  const result = await sendMail(
    { apiUrl: env.MAIL_API_URL, apiKey: env.MAIL_API_KEY, from: env.MAIL_FROM },
    { to: message.to, subject: message.subject, html: message.html, text: message.text, attachments: await renderAttachments(message.attachments) },
    message.dedupe_key,
  );
  if (!result.ok) {
    if (!result.retryable) {
      console.error(JSON.stringify({ level: "error", where: "mail", dedupe_key: message.dedupe_key, reason: result.reason }));
    }
    return { ack: false, delaySeconds: 10, reason: result.reason };
  }
  mails.sent({ dedupeKey: message.dedupe_key, providerMessageId: result.messageId, recipient: message.to, subject: message.subject }, queued);
  return { held: true };
}
