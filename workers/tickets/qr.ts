/**
 * The ticket's QR code: the token itself, so a scanner needs nothing but the event's JWKS to check
 * it. SVG because it renders sharp at any size in a page or a mail and needs no canvas in workerd.
 *
 * Level M, not Q: the token is long (430–580 characters in byte mode), and Q costs four versions
 * (16 more modules a side) for a 46-character name, which on a 390-px phone shrinks a module from
 * 3.8 to 3.3 CSS px; at M the page can draw it at ≥ ~4 px on screen and ≥ 0.65 mm on paper, and
 * 15% recovery covers a scuff or a glare spot. The quiet zone is the standard's 4 modules: cheap
 * phone decoders miss codes with less, and the SVG carries it so no page style can eat it.
 * Figures: `npx tsx bench/qr-measure.ts`, written up in docs/door.md ("QR codes").
 */
import QRCode from "qrcode";

export const QR_ERROR_CORRECTION = "M";
export const QR_QUIET_ZONE = 4;

export async function ticketQrSvg(token: string): Promise<string> {
  return QRCode.toString(token, { type: "svg", errorCorrectionLevel: QR_ERROR_CORRECTION, margin: QR_QUIET_ZONE });
}
