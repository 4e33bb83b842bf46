/**
 * The coordinator's book of "tell me by mail when it's my turn" (docs/waiting-room.md): one row per
 * place (its join id) with the address, the place's queue token for the mail's link, and where the
 * place stands (a position, or a pre-queue entry of a shard until the draw gives it one). A row
 * becomes *due* in the same step that moves the watermark past its position, so no release is
 * missed; a due row is handed to the mail outbox (one mail per place by its dedupe key) and marked
 * queued only once the outbox has it, so a failed hand-over is tried again by the next tick.
 * The rules are in workers/domain/queue-turn-mail.ts; the hand-over in workers/use-cases/queue-turn-mail.ts.
 */
import type { QueueTicket } from "../workers/domain/admission";
import { decideTurnMailAsk, type TurnMailAsk } from "../workers/domain/queue-turn-mail";
import { queueTurnMails } from "../workers/use-cases/queue-turn-mail";

export const NOTIFY_SCHEMA: readonly string[] = [
  `CREATE TABLE turn_mail (
     join_id TEXT PRIMARY KEY, position INTEGER, shard INTEGER, entry INTEGER, email TEXT NOT NULL,
     token TEXT NOT NULL, asked_at INTEGER NOT NULL, changes INTEGER NOT NULL DEFAULT 0,
     due_at INTEGER, queued_at INTEGER)`,
  "CREATE INDEX turn_mail_waiting ON turn_mail (position) WHERE due_at IS NULL",
  "CREATE INDEX turn_mail_owed ON turn_mail (due_at) WHERE due_at IS NOT NULL AND queued_at IS NULL",
];

export type TurnMailRow = {
  join_id: string;
  position: number | null;
  email: string;
  token: string;
  changes: number;
  due_at: number | null;
  queued_at: number | null;
};

export interface OwedMail {
  joinId: string;
  position: number;
  email: string;
  token: string;
}

export class NotifyBook {
  constructor(private readonly sql: SqlStorage) {}

  find(joinId: string): TurnMailRow | undefined {
    return this.sql.exec<TurnMailRow>("SELECT join_id, position, email, token, changes, due_at, queued_at FROM turn_mail WHERE join_id = ?", joinId).toArray()[0];
  }

  /** A first request, or a changed address (`changes` counts how often it changed). */
  put(joinId: string, ticket: QueueTicket, position: number | null, email: string, token: string, now: number): void {
    const pre = ticket.kind === "pre" ? ticket : null;
    this.sql.exec(
      `INSERT INTO turn_mail (join_id, position, shard, entry, email, token, asked_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (join_id) DO UPDATE SET email = excluded.email, token = excluded.token, asked_at = excluded.asked_at, changes = changes + 1`,
      joinId, position, pre?.shard ?? null, pre?.entry ?? null, email, token, now,
    );
  }

  /** Pre-queue requests still without a position (the draw gives them one). */
  undrawn(): { join_id: string; shard: number; entry: number }[] {
    return this.sql.exec<{ join_id: string; shard: number; entry: number }>("SELECT join_id, shard, entry FROM turn_mail WHERE position IS NULL").toArray();
  }

  place(joinId: string, position: number): void {
    this.sql.exec("UPDATE turn_mail SET position = ? WHERE join_id = ?", position, joinId);
  }

  /** Every request at or below the watermark becomes due; answers how many became so. */
  markDue(releasedUpTo: number, now: number): number {
    return this.sql.exec("UPDATE turn_mail SET due_at = ? WHERE due_at IS NULL AND position IS NOT NULL AND position <= ?", now, releasedUpTo).rowsWritten;
  }

  owed(limit: number): OwedMail[] {
    return this.sql
      .exec<{ join_id: string; position: number; email: string; token: string }>(
        "SELECT join_id, position, email, token FROM turn_mail WHERE due_at IS NOT NULL AND queued_at IS NULL ORDER BY due_at, position LIMIT ?",
        limit,
      )
      .toArray()
      .map((r) => ({ joinId: r.join_id, position: r.position, email: r.email, token: r.token }));
  }

  hasOwed(): boolean {
    return this.sql.exec("SELECT 1 FROM turn_mail WHERE due_at IS NOT NULL AND queued_at IS NULL LIMIT 1").toArray().length > 0;
  }

  markQueued(joinIds: readonly string[], now: number): void {
    for (const id of joinIds) this.sql.exec("UPDATE turn_mail SET queued_at = ? WHERE join_id = ?", now, id);
  }

  counts(): { asked: number; queued: number } {
    return this.sql.exec<{ asked: number; queued: number }>("SELECT count(*) AS asked, count(queued_at) AS queued FROM turn_mail").one();
  }
}

/** What the mailer needs to know of its room, read when it needs it. */
export interface MailerRoom {
  eventId(): string | null;
  sessionMinutes(): number;
  /** When a released position was released (its access is counted from then). */
  releasedAt(position: number): number | undefined;
}

/** The coordinator's side of turn mails: takes requests, marks them due with each release, hands them over. */
export class TurnMailer {
  private readonly book: NotifyBook;
  private mailing: Promise<void> | null = null;

  constructor(sql: SqlStorage, private readonly env: Env, private readonly room: MailerRoom) {
    this.book = new NotifyBook(sql);
  }

  ask(input: { configured: boolean; position: number | null; released: boolean; joinId: string; ticket: QueueTicket; email: string; token: string; now: number }): TurnMailAsk {
    const existing = this.book.find(input.joinId);
    const decision = decideTurnMailAsk({ configured: input.configured, admitted: input.released || Boolean(existing?.due_at), existing, email: input.email });
    if (decision.ok && decision.changed) this.book.put(input.joinId, input.ticket, input.position, input.email, input.token, input.now);
    return decision;
  }

  /** The draw is done: requests made in the pre-queue learn their positions. */
  placeDrawn(positionOf: (ticket: QueueTicket) => number | null): void {
    for (const row of this.book.undrawn()) {
      const position = positionOf({ kind: "pre", shard: row.shard, entry: row.entry });
      if (position !== null) this.book.place(row.join_id, position);
    }
  }

  /** Called in the step that moved the watermark: whoever asked and is now admitted is owed a mail. */
  released(upTo: number, now: number): void {
    if (this.book.markDue(upTo, now) > 0) void this.send();
  }

  owed(): boolean {
    return this.book.hasOwed();
  }

  counts(): { asked: number; queued: number } {
    return this.book.counts();
  }

  /**
   * Hands the owed mails to the outbox, a batch at a time, and marks them queued once the outbox
   * has them. A failure leaves them owed: the coordinator's alarm keeps ringing while mail is owed
   * and its next tick calls this again (the outbox's dedupe key keeps a repeat to one mail).
   */
  send(): Promise<void> {
    this.mailing ??= (async () => {
      const eventId = this.room.eventId();
      if (!eventId) return;
      const sessionMs = this.room.sessionMinutes() * 60_000;
      for (let owed = this.book.owed(50); owed.length > 0; owed = this.book.owed(50)) {
        const due = owed.map((o) => ({ joinId: o.joinId, email: o.email, queueToken: o.token, accessEndsAt: (this.room.releasedAt(o.position) ?? Date.now()) + sessionMs }));
        await queueTurnMails(this.env, eventId, due);
        this.book.markQueued(owed.map((o) => o.joinId), Date.now());
      }
    })()
      .catch((error: unknown) => console.warn(JSON.stringify({ level: "warn", where: "queue-turn-mail", error: String(error) })))
      .finally(() => {
        this.mailing = null;
      });
    return this.mailing;
  }
}
