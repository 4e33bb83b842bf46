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
 *
 * Cost (issue #13): the symbol is built here (./qr-symbol.ts) from ONE byte-mode segment, as qrcode
 * builds it for that segment, with qrcode's mask choice (./qr-mask.ts, counted bit-parallel); both
 * are checked against qrcode bit for bit (test/unit/ticket-qr-mask.test.ts). Given a string, qrcode
 * first runs a Dijkstra search over numeric/alphanumeric/byte splits, which for a base64url JWT
 * ends in one byte segment, or at most splits off a digit run in the same version; its symbol build
 * and mask search cost ~2.7 ms a ticket more. The SVG is drawn here from the matrix as one path of
 * horizontal runs (qrcode's own SVG shape). qrcode is no longer in the Worker (tests and the bench
 * still compare against it).
 */
import { qrSymbol } from "./qr-symbol";

export const QR_ERROR_CORRECTION = "M";
export const QR_QUIET_ZONE = 4;

/** The code's modules without the quiet zone: `size` × `size`, row-major, 1 = dark; `mask`, the mask pattern (0–7) it uses. */
export interface QrMatrix {
  size: number;
  data: Uint8Array;
  mask: number;
}

const utf8 = new TextEncoder();

/**
 * `mask`: the mask an earlier build of the same token chose (QrMatrix.mask), so this one skips the
 * search and draws the same symbol: pay passes its SVGs' masks on to the confirmation mail's PNGs.
 */
export function ticketQrMatrix(token: string, mask?: number): QrMatrix {
  return qrSymbol(utf8.encode(token), mask);
}

/** The dark modules as one stroked path: per row, `M x y` (or `m gap 0`) then `h run` per dark run. */
export function qrSvg({ size, data }: QrMatrix, quiet = QR_QUIET_ZONE): string {
  const side = size + 2 * quiet;
  const parts: string[] = [];
  for (let row = 0; row < size; row++) {
    const offset = row * size;
    let penAt = -1; // column after the last run drawn on this row; -1 before the first
    let col = 0;
    while (col < size) {
      if (!data[offset + col]) {
        col++;
        continue;
      }
      const start = col;
      while (col < size && data[offset + col]) col++;
      parts.push(penAt < 0 ? `M${start + quiet} ${row + quiet + 0.5}h${col - start}` : `m${start - penAt} 0h${col - start}`);
      penAt = col;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" shape-rendering="crispEdges">` +
    `<path fill="#ffffff" d="M0 0h${side}v${side}H0z"/><path stroke="#000000" d="${parts.join("")}"/></svg>\n`
  );
}

export async function ticketQrSvg(token: string): Promise<string> {
  return qrSvg(ticketQrMatrix(token));
}
