/**
 * A level-M QR symbol of bytes in one byte-mode segment (ISO/IEC 18004), built as qrcode (1.5)
 * builds it, without its costs: qrcode spends ~0.4 ms a ticket (Node) on a bit buffer written bit by
 * bit, a Reed–Solomon generator polynomial made afresh per symbol and a division that allocates per
 * step, module placement through `BitMatrix` calls, and the garbage of all that (a quarter of its
 * samples). Here: smallest version that holds the bytes, mode + count + bytes + terminator + pad
 * codewords, blocks of qrcode's table for level M with their Reed–Solomon codewords (GF(256) mod
 * 0x11D, generator kept per degree), interleaved, placed in the zigzag order around the function
 * patterns, then the mask chosen as qrcode does (./qr-mask.ts). test/unit/ticket-qr-mask.test.ts
 * checks the result against qrcode's symbol bit for bit, versions 1 to ~22.
 */
import { applyBestMask, applyMask } from "./qr-mask";

/** Per version 1–40, level M: error-correction blocks and error-correction codewords in all (qrcode's tables). */
const BLOCKS = [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49];
const EC_CODEWORDS = [
  10, 16, 26, 36, 48, 64, 72, 88, 110, 130, 150, 176, 198, 216, 240, 280, 308, 338, 364, 416, 442, 476, 504, 560, 588, 644, 700, 728, 784, 812, 868, 924,
  980, 1036, 1064, 1120, 1204, 1260, 1316, 1372,
];
/** Per version 1–40: codewords in all (data + error correction). */
const CODEWORDS = [
  26, 44, 70, 100, 134, 172, 196, 242, 292, 346, 404, 466, 532, 581, 655, 733, 815, 901, 991, 1085, 1156, 1258, 1364, 1474, 1588, 1706, 1828, 1921, 2051,
  2185, 2323, 2465, 2611, 2761, 2876, 3034, 3196, 3362, 3532, 3706,
];

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255]!;
}
const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : EXP[LOG[a]! + LOG[b]!]!);

/** ∏ (x − αⁱ), i < degree, highest coefficient first (qrcode's `generateECPolynomial`). */
const generators = new Map<number, Uint8Array>();
function generator(degree: number): Uint8Array {
  const known = generators.get(degree);
  if (known) return known;
  let poly: Uint8Array = new Uint8Array([1]);
  for (let i = 0; i < degree; i++) {
    const next: Uint8Array = new Uint8Array(poly.length + 1);
    for (let j = 0; j < poly.length; j++) {
      next[j]! ^= poly[j]!;
      next[j + 1]! ^= mul(poly[j]!, EXP[i]!);
    }
    poly = next;
  }
  generators.set(degree, poly);
  return poly;
}

/** The remainder of data(x)·x^degree divided by the generator: the block's error-correction codewords. */
function reedSolomon(data: Uint8Array, degree: number): Uint8Array {
  const gen = generator(degree);
  const rest = new Uint8Array(degree);
  for (let i = 0; i < data.length; i++) {
    const factor = data[i]! ^ rest[0]!;
    rest.copyWithin(0, 1);
    rest[degree - 1] = 0;
    if (factor !== 0) for (let j = 0; j < degree; j++) rest[j]! ^= mul(gen[j + 1]!, factor);
  }
  return rest;
}

const symbolSize = (version: number) => version * 4 + 17;

function versionFor(length: number): number {
  for (let version = 1; version <= 40; version++) {
    const dataBits = (CODEWORDS[version - 1]! - EC_CODEWORDS[version - 1]!) * 8;
    if (4 + (version < 10 ? 8 : 16) + 8 * length <= dataBits) return version;
  }
  throw new Error("The amount of data is too big to be stored in a QR Code");
}

/** Mode, count, bytes, terminator, pad codewords; split into blocks, each followed by its EC, interleaved. */
function codewords(bytes: Uint8Array, version: number): Uint8Array {
  const total = CODEWORDS[version - 1]!;
  const dataCount = total - EC_CODEWORDS[version - 1]!;
  const data = new Uint8Array(dataCount);
  const countBits = version < 10 ? 8 : 16;
  // 4 mode bits (0100) and the count put every byte 4 bits off the codeword grid.
  let bits = 0b0100;
  let held = 4;
  let at = 0;
  const put = (value: number, width: number) => {
    bits = (bits << width) | value;
    held += width;
    while (held >= 8) {
      held -= 8;
      data[at++] = (bits >> held) & 0xff;
    }
    bits &= (1 << held) - 1;
  };
  put(bytes.length, countBits);
  for (let i = 0; i < bytes.length; i++) put(bytes[i]!, 8);
  if (at * 8 + held + 4 <= dataCount * 8) put(0, 4); // terminator
  if (held > 0) put(0, 8 - held);
  for (let pad = 0; at < dataCount; pad++) data[at++] = pad % 2 ? 0x11 : 0xec;

  const blocks = BLOCKS[version - 1]!;
  const inGroup2 = total % blocks;
  const inGroup1 = blocks - inGroup2;
  const dataInGroup1 = Math.floor(dataCount / blocks);
  const ecCount = Math.floor(total / blocks) - dataInGroup1;
  const out = new Uint8Array(total);
  const ec: Uint8Array[] = [];
  const starts: number[] = [];
  let offset = 0;
  for (let b = 0; b < blocks; b++) {
    const size = b < inGroup1 ? dataInGroup1 : dataInGroup1 + 1;
    starts.push(offset);
    ec.push(reedSolomon(data.subarray(offset, offset + size), ecCount));
    offset += size;
  }
  let index = 0;
  for (let i = 0; i <= dataInGroup1; i++) {
    for (let b = 0; b < blocks; b++) if (i < dataInGroup1 || b >= inGroup1) out[index++] = data[starts[b]! + i]!;
  }
  for (let i = 0; i < ecCount; i++) for (let b = 0; b < blocks; b++) out[index++] = ec[b]![i]!;
  return out;
}

function alignmentCoordinates(version: number): number[] {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const size = symbolSize(version);
  const interval = size === 145 ? 26 : Math.ceil((size - 13) / (2 * count - 2)) * 2;
  const positions = [size - 7];
  for (let i = 1; i < count - 1; i++) positions[i] = positions[i - 1]! - interval;
  positions.push(6);
  return positions.reverse();
}

/** The version's 18 bits: version in 6, BCH(18,6) remainder in 12 (generator 0x1F25). */
function versionBits(version: number): number {
  let remainder = version << 12;
  for (let bit = 17; bit >= 12; bit--) if ((remainder >> bit) & 1) remainder ^= 0x1f25 << (bit - 12);
  return (version << 12) | remainder;
}

/**
 * The symbol's modules, row-major, 1 = dark, with the mask qrcode would choose, or with `knownMask`
 * when the caller already knows that choice for these bytes (it then skips the search).
 */
export function qrSymbol(bytes: Uint8Array, knownMask?: number): { size: number; data: Uint8Array; mask: number } {
  const version = versionFor(bytes.length);
  const size = symbolSize(version);
  const data = new Uint8Array(size * size);
  const reserved = new Uint8Array(size * size);
  const set = (row: number, col: number, dark: boolean | number) => {
    data[row * size + col] = dark ? 1 : 0;
    reserved[row * size + col] = 1;
  };
  for (const [row, col] of [[0, 0], [size - 7, 0], [0, size - 7]] as const) {
    for (let r = -1; r <= 7; r++) {
      if (row + r < 0 || row + r >= size) continue;
      for (let c = -1; c <= 7; c++) {
        if (col + c < 0 || col + c >= size) continue;
        const ring = (r >= 0 && r <= 6 && (c === 0 || c === 6)) || (c >= 0 && c <= 6 && (r === 0 || r === 6));
        set(row + r, col + c, ring || (r >= 2 && r <= 4 && c >= 2 && c <= 4));
      }
    }
  }
  for (let i = 8; i < size - 8; i++) {
    set(i, 6, i % 2 === 0);
    set(6, i, i % 2 === 0);
  }
  const coordinates = alignmentCoordinates(version);
  for (let i = 0; i < coordinates.length; i++) {
    for (let j = 0; j < coordinates.length; j++) {
      const last = coordinates.length - 1;
      if ((i === 0 && j === 0) || (i === 0 && j === last) || (i === last && j === 0)) continue;
      const [row, col] = [coordinates[i]!, coordinates[j]!];
      for (let r = -2; r <= 2; r++) for (let c = -2; c <= 2; c++) set(row + r, col + c, r === -2 || r === 2 || c === -2 || c === 2 || (r === 0 && c === 0));
    }
  }
  // Format information: reserved here, written with the chosen mask's bits by applyBestMask.
  for (let i = 0; i < 9; i++) {
    if (i !== 6) {
      set(i, 8, 0);
      set(8, i, 0);
    }
  }
  for (let i = 0; i < 8; i++) {
    set(size - 1 - i, 8, 0);
    set(8, size - 1 - i, 0);
  }
  set(size - 8, 8, 1); // the dark module
  if (version >= 7) {
    const bits = versionBits(version);
    for (let i = 0; i < 18; i++) {
      const [row, col] = [Math.floor(i / 3), (i % 3) + size - 11];
      set(row, col, (bits >> i) & 1);
      set(col, row, (bits >> i) & 1);
    }
  }
  const words = codewords(bytes, version);
  let bit = 0;
  const totalBits = words.length * 8;
  let up = true;
  for (let col = size - 1; col > 0; col -= 2) {
    if (col === 6) col--;
    for (let step = 0; step < size; step++) {
      const row = up ? size - 1 - step : step;
      for (let c = 0; c < 2; c++) {
        const at = row * size + col - c;
        if (reserved[at]) continue;
        data[at] = bit < totalBits ? (words[bit >> 3]! >> (7 - (bit & 7))) & 1 : 0;
        bit++;
      }
    }
    up = !up;
  }
  const mask = knownMask === undefined ? applyBestMask(data, reserved, size) : applyMask(data, reserved, size, knownMask);
  return { size, data, mask };
}
