/**
 * Messages on the platform's Queue. Every message carries a dedupe key: the Queue delivers at least
 * once, so consumers make a repeat harmless rather than hoping it never comes.
 */
import { z } from "zod";

/**
 * A file sent with a mail, as Resend takes it (`content` in base64; `content_id` makes it inline,
 * for `<img src="cid:…">`). A ticket's QR image travels as the text it encodes (`qr_png_of`) and is
 * drawn when the mail is sent: PNGs are ~7 kB each, and a Queue message stops at 128 kB.
 */
export const mailAttachment = z.union([
  z.object({ filename: z.string().min(1).max(200), content_type: z.string().min(1).max(100), content: z.base64(), content_id: z.string().min(1).max(100).optional() }),
  // `qr_mask`: the mask pay's SVG of the same token used, so the PNG skips the mask search (a bad one: searched).
  z.object({ filename: z.string().min(1).max(200), content_id: z.string().min(1).max(100), qr_png_of: z.string().min(1).max(4000), qr_mask: z.number().int().min(0).max(7).optional().catch(undefined) }),
]);

export const mailMessage = z.object({
  type: z.literal("mail.send"),
  dedupe_key: z.string().min(1).max(200),
  to: z.email(),
  subject: z.string().min(1).max(300),
  html: z.string(),
  text: z.string(),
  attachments: z.array(mailAttachment).max(60).optional(),
});

export type MailAttachment = z.infer<typeof mailAttachment>;

/** TierInventory made an offer: a hold in the entrant's name until `offer_expires_at`. */
export const waitlistOffered = z.object({
  type: z.literal("waitlist.offered"),
  notice_seq: z.number().int().positive(),
  event_id: z.string(),
  tier_id: z.string(),
  entry_id: z.string(),
  hold_id: z.string(),
  quantity: z.number().int().positive(),
  seats: z.array(z.string()),
  offer_expires_at: z.iso.datetime(),
});

/** A waitlist entry ended in TierInventory: its offer was bought, ran out, or it left. */
export const waitlistEnded = z.object({
  type: z.literal("waitlist.ended"),
  notice_seq: z.number().int().positive(),
  event_id: z.string(),
  tier_id: z.string(),
  entry_id: z.string(),
  status: z.enum(["purchased", "expired", "left"]),
  reason: z.string().optional(),
});

/** Refund every paid order of a cancelled event, a batch at a time; re-sent until done. */
export const eventCancellationMessage = z.object({
  type: z.literal("event.cancellation"),
  event_id: z.uuid(),
  dedupe_key: z.string().min(1).max(200),
});

/** Send these webhook deliveries now (workers/webhooks-out/deliver.ts); each is taken once at a time. */
export const webhookDispatchMessage = z.object({
  type: z.literal("webhook.dispatch"),
  dedupe_key: z.string().min(1).max(200),
  delivery_ids: z.array(z.uuid()).min(1).max(100),
  manual: z.boolean().optional(),
});

export const queueMessage = z.discriminatedUnion("type", [mailMessage, waitlistOffered, waitlistEnded, eventCancellationMessage, webhookDispatchMessage]);

export type WaitlistNotice = z.infer<typeof waitlistOffered> | z.infer<typeof waitlistEnded>;

export type QueueMessage = z.infer<typeof queueMessage>;
