/**
 * The ticket's QR code: the token itself, so a scanner needs nothing but the event's JWKS to check
 * it. SVG because it renders sharp at any size in a page or a mail and needs no canvas in workerd.
 * Level M (15% recovery) keeps an ES256 token of ~300 characters scannable from a cracked phone.
 */
import QRCode from "qrcode";

export async function ticketQrSvg(token: string): Promise<string> {
  return QRCode.toString(token, { type: "svg", errorCorrectionLevel: "M", margin: 2 });
}
