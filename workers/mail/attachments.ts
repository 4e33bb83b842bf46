/**
 * A mail's attachments as the mail API takes them: files carried in the message pass through; a
 * ticket's QR code is drawn here, at sending time, as a PNG (mail clients show PNGs inline; most
 * drop inline SVG): the same matrix as the ticket's SVG (workers/tickets/qr.ts), 4 pixels a module,
 * encoded by workers/mail/qr-png.ts.
 */
import type { OutgoingMail } from "../adapters/mail";
import type { MailAttachment } from "../messages";
import { ticketQrMatrix } from "../tickets/qr";
import { base64 } from "./base64";
import { qrPng } from "./qr-png";

/** `mask`: the mask the ticket's SVG used (the same symbol, without the search), when the message carries it. */
export async function ticketQrPng(text: string, mask?: number): Promise<Uint8Array> {
  return qrPng(ticketQrMatrix(text, mask), 4);
}

export async function renderAttachments(attachments: MailAttachment[] | undefined): Promise<OutgoingMail["attachments"]> {
  if (!attachments?.length) return undefined;
  return Promise.all(
    attachments.map(async (a) =>
      "qr_png_of" in a
        ? { filename: a.filename, content_type: "image/png", content_id: a.content_id, content: base64(await ticketQrPng(a.qr_png_of, a.qr_mask)) }
        : { filename: a.filename, content_type: a.content_type, content: a.content, ...(a.content_id ? { content_id: a.content_id } : {}) },
    ),
  );
}
