/**
 * The ledger's side of TierInventory's waitlist notices (delivered by the Queue, at least once, in
 * any order). Each notice carries TierInventory's sequence number; the entry row only moves forward,
 * so a duplicate or a late notice changes nothing. An offer notice that is still the entry's latest
 * state produces the offer mail, keyed by entry, so a redelivered notice sends one mail.
 */
import type { HttpDatabase } from "../../db/client";
import { findPublishedEvent } from "../../db/queries/catalog";
import { applyWaitlistNotice, entryAttendee } from "../../db/queries/waitlist";
import { offerToken } from "../auth/order-tokens";
import { inventoryOf } from "../inventory-client";
import { waitlistOfferMail } from "../mail/waitlist-offer";
import type { QueueMessage, WaitlistNotice } from "../messages";
import { dispatchNow, waitlistOffered } from "../webhooks-out/events";

export type NoticeResult =
  | { done: true; mail?: Extract<QueueMessage, { type: "mail.send" }> }
  | { done: false; reason: string };

/** A notice for an entry the ledger never got (its join crashed between the two writes). */
const GIVE_UP_AFTER_ATTEMPTS = 5;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function applyNotice(env: Env, db: HttpDatabase, notice: WaitlistNotice, attempts: number): Promise<NoticeResult> {
  const entry = UUID.test(notice.entry_id) ? await entryAttendee(db, notice.entry_id) : undefined;
  if (!entry) {
    if (attempts < GIVE_UP_AFTER_ATTEMPTS) return { done: false, reason: `waitlist entry ${notice.entry_id} not in the ledger yet` };
    // The join that made this entry never reached the ledger: nobody can be told of the offer, so
    // take the entry out of the queue and let its units pass on.
    if (notice.type === "waitlist.offered") await inventoryOf(env, notice.tier_id).leaveWaitlist(notice.entry_id);
    console.warn(JSON.stringify({ level: "warn", where: "waitlist", entry_id: notice.entry_id, error: "entry unknown to the ledger; removed from the queue" }));
    return { done: true };
  }
  if (notice.type === "waitlist.ended") {
    await applyWaitlistNotice(db, notice.entry_id, notice.notice_seq, { status: notice.status });
    return { done: true };
  }
  await applyWaitlistNotice(db, notice.entry_id, notice.notice_seq, {
    status: "offered",
    offerHoldId: notice.hold_id,
    offerExpiresAt: new Date(notice.offer_expires_at),
    offerSeats: notice.seats,
  });
  // Mail only while this offer is still the entry's latest news (not after it expired or was bought).
  const current = (await entryAttendee(db, notice.entry_id))!;
  if (current.entry.noticeSeq !== notice.notice_seq || current.entry.status !== "offered") return { done: true };
  const event = await findPublishedEvent(db, notice.event_id);
  if (!event || event.status !== "published") return { done: true };
  const offer = { eventId: notice.event_id, tierId: notice.tier_id, entryId: notice.entry_id, noticeSeq: notice.notice_seq, quantity: notice.quantity, seats: notice.seats, offerExpiresAt: notice.offer_expires_at };
  await dispatchNow(env, await waitlistOffered(db, offer, new Date()));
  return {
    done: true,
    mail: waitlistOfferMail({
      entryId: notice.entry_id,
      offerToken: await offerToken(env.SIGNING_MASTER_KEY, notice.entry_id),
      baseUrl: env.PUBLIC_BASE_URL,
      to: current.email,
      attendeeName: current.name,
      eventTitle: event.title,
      quantity: notice.quantity,
      seats: notice.seats,
      expiresAt: new Date(notice.offer_expires_at),
      timezone: event.timezone,
    }),
  };
}
