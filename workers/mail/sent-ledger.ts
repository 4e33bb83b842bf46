/**
 * The Queue batch's view of which mails were sent (table sent_mail, keyed by each message's dedupe
 * key), so a batch of mails costs two queries however many it holds (issue #13 item 2): one read of
 * the keys sent before, one insert of those this batch sent, after which their messages are acked.
 *
 * Exactly once, as before: a mail is sent only when its key was not recorded, and acked only once
 * its key is. A key seen twice in one batch (the outbox published a row twice) is sent once. If the
 * record fails after a send, the messages are retried and the mail API's Idempotency-Key (the same
 * dedupe key) answers the repeat without sending, as it did when the one-row record failed.
 */
import type { HttpDatabase } from "../../db/client";
import { recordMailsSent, sentMailKeys, wasMailSent } from "../../db/queries/mail";

interface SentMail {
  dedupeKey: string;
  providerMessageId: string;
  recipient: string;
  subject: string;
}

export class SentMailLedger {
  private checked = new Set<string>();
  private sentBefore = new Set<string>();
  private pending = new Map<string, SentMail>();
  private waiting: Message<unknown>[] = [];

  constructor(private readonly db: HttpDatabase) {}

  /** Reads, in one query, which of the batch's keys were sent already. */
  async preload(keys: readonly string[]): Promise<void> {
    const fresh = [...new Set(keys)].filter((k) => !this.checked.has(k));
    if (fresh.length === 0) return;
    for (const key of await sentMailKeys(this.db, fresh)) this.sentBefore.add(key);
    for (const key of fresh) this.checked.add(key);
  }

  /** "sent": recorded before; "sending": sent earlier in this batch, not recorded yet; "new". */
  async stateOf(key: string): Promise<"sent" | "sending" | "new"> {
    if (this.pending.has(key)) return "sending";
    if (!this.checked.has(key)) {
      // A mail made while handling the batch (a waitlist notice): read on its own.
      this.checked.add(key);
      if (await wasMailSent(this.db, key)) this.sentBefore.add(key);
    }
    return this.sentBefore.has(key) ? "sent" : "new";
  }

  /** A mail that left: recorded (and its message acked) by flush. */
  sent(mail: SentMail, message: Message<unknown>): void {
    this.pending.set(mail.dedupeKey, mail);
    this.waiting.push(message);
  }

  /** A repeat of a mail sent earlier in this batch: acked or retried with it. */
  sameAs(message: Message<unknown>): void {
    this.waiting.push(message);
  }

  /** Records what was sent and acks those messages; on failure they are retried (see above). */
  async flush(): Promise<void> {
    const mails = [...this.pending.values()];
    const messages = this.waiting;
    this.pending = new Map();
    this.waiting = [];
    if (messages.length === 0) return;
    try {
      await recordMailsSent(this.db, mails);
      for (const message of messages) message.ack();
    } catch (error) {
      console.warn(JSON.stringify({ level: "warn", where: "mail", error: `sent mails not recorded, retried: ${String(error)}` }));
      for (const message of messages) message.retry({ delaySeconds: 10 });
    }
  }
}
