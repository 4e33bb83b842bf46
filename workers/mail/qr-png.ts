/**
 * A QR matrix as a PNG for mail clients (they show PNGs inline; most drop inline SVG): 1-bit
 * grayscale, `scale` pixels a module, the quiet zone drawn white, no filters, deflated by the
 * platform's CompressionStream (workerd and Node both have it). What qrcode's PNG renderer did
 * through pngjs costs far more: an RGBA image, and for every row a trial of all five filters.
 * The picture is the same (same pixels, same size); only the encoding is smaller and cheaper.
 */
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

async function deflate(raw: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function qrPng({ size, data }: QrMatrix, scale = 4, quiet = QR_QUIET_ZONE): Promise<Uint8Array> {
  const width = (size + 2 * quiet) * scale;
  const rowBytes = 1 + Math.ceil(width / 8); // filter byte (0: none) + 1 bit a pixel, 1 = white
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
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, width);
  header.set([1, 0, 0, 0, 0], 8); // bit depth 1, grayscale, deflate, filter method 0, no interlace
  const parts = [Uint8Array.from(SIGNATURE), chunk("IHDR", header), chunk("IDAT", await deflate(raw)), chunk("IEND", new Uint8Array(0))];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    png.set(part, offset);
    offset += part.length;
  }
  return png;
}
