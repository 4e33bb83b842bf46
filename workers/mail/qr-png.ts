/**
 * A QR matrix as a PNG for mail clients (they show PNGs inline; most drop inline SVG): 1-bit
 * grayscale, `scale` pixels a module, the quiet zone drawn white, deflated by `node:zlib`'s
 * deflateSync (workerd has it under nodejs_compat, as Node does) with zlib's Z_RLE strategy, which
 * zlib made for PNG image data: matches of the previous byte only, i.e. the runs these rows are
 * made of. In workerd, for a ticket's 14,960 bytes of scanlines: the CompressionStream pipeline
 * used before took 120–170 µs (1,282 bytes), deflateSync at the default level 80–90 µs (the same
 * 1,282 bytes), with Z_RLE 40–50 µs (1,439 bytes); the deflate was ~4 % of the Worker's busy time
 * in a purchase profile. What qrcode's PNG renderer did through pngjs costs far more: an RGBA
 * image, and for every row a trial of all five filters. Here the filter is known: the first pixel
 * row of a module row is written as is (filter None), and the `scale` − 1 rows that repeat it as
 * PNG's Up filter, i.e. all zeros, which deflate matches at once (zlib's time on it halves, ~320 →
 * ~160 µs in Node, and the file shrinks, 1,569 → 1,487 bytes for a typical ticket). The picture is
 * the same (same pixels, same size); only the encoding is smaller and cheaper.
 */
import { constants, deflateSync } from "node:zlib";
import { QR_QUIET_ZONE, type QrMatrix } from "../tickets/qr";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** length, type, data, CRC of type + data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function qrPng({ size, data }: QrMatrix, scale = 4, quiet = QR_QUIET_ZONE): Uint8Array {
  const width = (size + 2 * quiet) * scale;
  const rowBytes = 1 + Math.ceil(width / 8); // filter byte + 1 bit a pixel, 1 = white
  // Zeros: every row not written below is Up-filtered (filter 2) with no change from the row above.
  const raw = new Uint8Array(rowBytes * width);
  const line = new Uint8Array(rowBytes);
  for (let band = 0; band < size + 2 * quiet; band++) {
    const row = band - quiet;
    line.fill(0xff);
    line[0] = 0; // filter None
    for (let col = 0; row >= 0 && row < size && col < size; col++) {
      if (!data[row * size + col]) continue;
      const x0 = (col + quiet) * scale;
      for (let x = x0; x < x0 + scale; x++) line[1 + (x >> 3)] = line[1 + (x >> 3)]! & ~(0x80 >> (x & 7));
    }
    const y0 = band * scale;
    raw.set(line, y0 * rowBytes);
    for (let y = y0 + 1; y < y0 + scale; y++) raw[y * rowBytes] = 2; // filter Up, all data bytes 0
  }
  return pngOfScanlines(width, raw);
}

/** A `width` × `width` 1-bit grayscale PNG of its filtered scanlines (each: filter byte, then pixels). */
export function pngOfScanlines(width: number, raw: Uint8Array): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, width);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, grayscale, deflate, filter method 0, no interlace
  const parts = [Uint8Array.from(SIGNATURE), chunk("IHDR", header), chunk("IDAT", deflateSync(raw, { strategy: constants.Z_RLE })), chunk("IEND", new Uint8Array(0))];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    png.set(part, offset);
    offset += part.length;
  }
  return png;
}
