/**
 * Messages on the platform's Queue. Every message carries a dedupe key: the Queue delivers at least
 * once, so consumers make a repeat harmless rather than hoping it never comes.
 */
import { z } from "zod";

export const mailMessage = z.object({
  type: z.literal("mail.send"),
  dedupe_key: z.string().min(1).max(200),
  to: z.email(),
  subject: z.string().min(1).max(300),
  html: z.string(),
  text: z.string(),
});

export const queueMessage = z.discriminatedUnion("type", [mailMessage]);

export type QueueMessage = z.infer<typeof queueMessage>;
