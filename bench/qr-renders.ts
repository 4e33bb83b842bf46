/**
 * The per-ticket QR and mail work that bench/qr-measure.ts times, in three builds: qrcode's own string
 * API (the starting point), the previous round (qrcode's symbol with its own mask search, the
 * project's SVG and 1-bit PNG with every pixel row written out, base64 by spreading the bytes into `String.fromCharCode` and `btoa`,
 * as in 58c996a), and now (the mask chosen by workers/tickets/qr-mask.ts, base64 by
 * workers/mail/base64.ts). Shared by the Node run and the workerd run (bench/qr-workerd.ts), so both
 * time the same code.
 */
import QRCode from "qrcode";
import { ticketQrPng } from "../workers/mail/attachments";
import { base64 } from "../workers/mail/base64";
import { pngOfScanlines } from "../workers/mail/qr-png";
import { QR_ERROR_CORRECTION, QR_QUIET_ZONE, qrSvg, ticketQrSvg, type QrMatrix } from "../workers/tickets/qr";

export interface RenderInput {
  token: string;
  /** The ticket's mail PNG, made once beforehand, for the base64 rows. */
  png: Uint8Array;
}

const utf8 = new TextEncoder();

function previousMatrix(token: string): QrMatrix {
  const { modules, maskPattern } = QRCode.create([{ data: utf8.encode(token), mode: "byte" }], { errorCorrectionLevel: QR_ERROR_CORRECTION });
  return { size: modules.size, data: modules.data, mask: maskPattern ?? 0 };
}

/** The previous round's PNG scanlines: every pixel row written out, no filter. */
function previousPng({ size, data }: QrMatrix, scale = 4, quiet = QR_QUIET_ZONE): Uint8Array {
  const width = (size + 2 * quiet) * scale;
  const rowBytes = 1 + Math.ceil(width / 8);
  const raw = new Uint8Array(rowBytes * width).fill(0xff);
  const line = new Uint8Array(rowBytes);
  for (let y = 0; y < width; y++) raw[y * rowBytes] = 0;
  for (let row = 0; row < size; row++) {
    line.fill(0xff);
    line[0] = 0;
    for (let col = 0; col < size; col++) {
      if (!data[row * size + col]) continue;
      const x0 = (col + quiet) * scale;
      for (let x = x0; x < x0 + scale; x++) line[1 + (x >> 3)] = line[1 + (x >> 3)]! & ~(0x80 >> (x & 7));
    }
    const y0 = (row + quiet) * scale;
    for (let y = y0; y < y0 + scale; y++) raw.set(line, y * rowBytes);
  }
  return pngOfScanlines(width, raw);
}

function previousBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export type Build = "qrcode" | "previous" | "now";
export type Step = "SVG (pay's answer)" | "PNG (mail)" | "base64 of the PNG (mail)";

/** Each step in each build; a missing entry is a build that did not do that step apart. */
export const RENDERS: Record<Step, Partial<Record<Build, (input: RenderInput) => unknown>>> = {
  "SVG (pay's answer)": {
    qrcode: ({ token }) => QRCode.toString(token, { type: "svg", errorCorrectionLevel: QR_ERROR_CORRECTION, margin: QR_QUIET_ZONE }),
    previous: ({ token }) => qrSvg(previousMatrix(token)),
    now: ({ token }) => ticketQrSvg(token),
  },
  "PNG (mail)": {
    // pngjs through Node's zlib: Node only (the workerd run leaves it out).
    qrcode: ({ token }) => QRCode.toBuffer(token, { type: "png", errorCorrectionLevel: QR_ERROR_CORRECTION, margin: QR_QUIET_ZONE, scale: 4 }),
    previous: ({ token }) => previousPng(previousMatrix(token)),
    now: ({ token }) => ticketQrPng(token),
  },
  "base64 of the PNG (mail)": {
    previous: ({ png }) => previousBase64(png),
    now: ({ png }) => base64(png),
  },
};

/** Runs one step of one build `rounds` times (awaiting each, as the Worker does). */
export async function runRender(step: Step, build: Build, input: RenderInput, rounds: number): Promise<void> {
  const render = RENDERS[step][build];
  if (!render) throw new Error(`no ${build} build of ${step}`);
  for (let i = 0; i < rounds; i++) await render(input);
}
