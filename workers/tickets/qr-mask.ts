/**
 * The data mask of a level-M QR symbol, chosen as qrcode (1.5) chooses it, at a tenth of its cost.
 *
 * qrcode tries the 8 masks of ISO/IEC 18004 in turn on its BitMatrix (an `isReserved` and an `xor`
 * call per module to apply a mask, again to undo it, then a `get` call per module per penalty rule,
 * with a data-dependent branch per module), and keeps the first with the lowest penalty. That search
 * was most of a ticket's QR render (issue #13: 2.3 of 2.7 ms). Here the symbol is packed into 32-bit
 * words twice, by rows and by columns; a mask is a word-wise XOR with its flip pattern (which depends
 * only on the version's function patterns, so it is kept per size), and the penalty is counted 32
 * window starts at a time with bit operations and popcounts, without a branch on the data. The rules
 * are qrcode's, quirks included (N3 looks for 1:1:3:1:1 with four light modules inside the symbol
 * only; the format bits of the mask being tried are in place while it is scored), and so is the
 * tie-break (the first lowest): test/unit/ticket-qr-mask.test.ts checks every mask's penalty against
 * qrcode's own scoring and the symbol against qrcode's, bit for bit, over seeded texts.
 */

/** Format bits for level M (ISO 18004 table C.1; qrcode's `FormatInfo.getEncodedBits(M, mask)`). */
const FORMAT_BITS_M = Array.from({ length: 8 }, (_, mask) => {
  const data = mask; // level M is 00
  let remainder = data << 10;
  for (let bit = 14; bit >= 10; bit--) if ((remainder >> bit) & 1) remainder ^= 0x537 << (bit - 10);
  return ((data << 10) | remainder) ^ 0x5412;
});

/** Row-major indexes of the 15 format bits, each written twice (qrcode's `setupFormatInfo`). */
function formatPositions(size: number): Int32Array {
  const at = new Int32Array(30);
  for (let i = 0; i < 15; i++) {
    const vertical = i < 6 ? i : i < 8 ? i + 1 : size - 15 + i;
    const horizontal = i < 8 ? size - i - 1 : i < 9 ? 15 - i : 14 - i;
    at[2 * i] = vertical * size + 8;
    at[2 * i + 1] = 8 * size + horizontal;
  }
  return at;
}

function masked(mask: number, row: number, col: number): boolean {
  switch (mask) {
    case 0: return (row + col) % 2 === 0;
    case 1: return row % 2 === 0;
    case 2: return col % 3 === 0;
    case 3: return (row + col) % 3 === 0;
    case 4: return (Math.floor(row / 2) + Math.floor(col / 3)) % 2 === 0;
    case 5: return ((row * col) % 2) + ((row * col) % 3) === 0;
    case 6: return (((row * col) % 2) + ((row * col) % 3)) % 2 === 0;
    default: return (((row * col) % 3) + ((row + col) % 2)) % 2 === 0;
  }
}

interface VersionLayout {
  /** Per mask, 1 where the mask flips a module (never a function pattern's). */
  flips: Uint8Array[];
  /** The same flips packed as `rows` and `columns` (see `pack`). */
  packedFlips: { rows: Int32Array; columns: Int32Array }[];
  format: Int32Array;
}

/** 32-bit words a packed line takes: its bits, then one zero word so a window can read past it. */
const wordsPerLine = (size: number) => (size >> 5) + 2;

/**
 * A matrix as bits: line `i` (a row, or a column when `transposed`) in words `i*W … i*W+W-1`, module
 * `j` of the line at bit `j & 31` of word `j >> 5`.
 */
function pack(bytes: Uint8Array, size: number, transposed: boolean): Int32Array {
  const w = wordsPerLine(size);
  const out = new Int32Array(size * w);
  // Line `line`'s module `at` is byte `line * step + at * stride`: rows run along, columns down.
  const [step, stride] = transposed ? [1, size] : [size, 1];
  for (let line = 0; line < size; line++) {
    let word = 0;
    for (let at = 0; at < size; at++) {
      word |= bytes[line * step + at * stride]! << (at & 31);
      if ((at & 31) === 31 || at === size - 1) {
        out[line * w + (at >> 5)] = word;
        word = 0;
      }
    }
  }
  return out;
}

/** One layout per symbol size: a ticket is one of a few versions, so this stays a handful. */
const layouts = new Map<number, VersionLayout>();

function layoutOf(size: number, reserved: Uint8Array): VersionLayout {
  let layout = layouts.get(size);
  if (!layout) {
    const flips = Array.from({ length: 8 }, (_, mask) => {
      const flip = new Uint8Array(size * size);
      for (let row = 0; row < size; row++) {
        for (let col = 0; col < size; col++) if (!reserved[row * size + col] && masked(mask, row, col)) flip[row * size + col] = 1;
      }
      return flip;
    });
    const packedFlips = flips.map((flip) => ({ rows: pack(flip, size, false), columns: pack(flip, size, true) }));
    layout = { flips, packedFlips, format: formatPositions(size) };
    layouts.set(size, layout);
  }
  return layout;
}

function writeFormat(data: Uint8Array, format: Int32Array, mask: number): void {
  const bits = FORMAT_BITS_M[mask]!;
  for (let i = 0; i < 15; i++) data[format[2 * i]!] = data[format[2 * i + 1]!] = (bits >> i) & 1;
}

function writePackedFormat(rows: Int32Array, columns: Int32Array, size: number, format: Int32Array, mask: number): void {
  const w = wordsPerLine(size);
  const bits = FORMAT_BITS_M[mask]!;
  for (let i = 0; i < 30; i++) {
    const at = format[i]!;
    const row = Math.floor(at / size);
    const col = at - row * size;
    const on = (bits >> (i >> 1)) & 1;
    const r = row * w + (col >> 5);
    const c = col * w + (row >> 5);
    rows[r] = on ? rows[r]! | (1 << (col & 31)) : rows[r]! & ~(1 << (col & 31));
    columns[c] = on ? columns[c]! | (1 << (row & 31)) : columns[c]! & ~(1 << (row & 31));
  }
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** Bits 0…limit set (the window starts that still fit in the line), none if limit < 0. */
const upTo = (limit: number) => (limit < 0 ? 0 : limit >= 31 ? -1 : (1 << (limit + 1)) - 1);

/**
 * qrcode's N1 (a run of 5+ equal modules: 3 + its length − 5) and N3 (1:1:3:1:1 with four light
 * modules after or before it, 40 each) along every line, for 32 window starts at a time (bit j of
 * `xd` is module `from + j + d`): a run of length L ≥ 5 holds L − 4 windows of five equal modules and
 * one such window that starts it, so it scores windows + 2 × starts.
 */
function linePenalty(lines: Int32Array, size: number): number {
  const w = wordsPerLine(size);
  let windows = 0;
  let starts = 0;
  let finders = 0;
  for (let line = 0; line < size; line++) {
    const base = line * w;
    let previous = 0;
    for (let word = 0; word * 32 < size; word++) {
      const from = word * 32;
      const x0 = lines[base + word]!;
      const next = lines[base + word + 1]!;
      const x1 = (x0 >>> 1) | (next << 31);
      const x2 = (x0 >>> 2) | (next << 30);
      const x3 = (x0 >>> 3) | (next << 29);
      const x4 = (x0 >>> 4) | (next << 28);
      // module from + j − 1 at bit j; bit 0 of the first word made to differ, so a line's first run starts
      const before = word === 0 ? (x0 << 1) | (~x0 & 1) : (x0 << 1) | (previous >>> 31);
      const five = ~(x0 ^ x1) & ~(x1 ^ x2) & ~(x2 ^ x3) & ~(x3 ^ x4) & upTo(size - 5 - from);
      windows += popcount(five);
      starts += popcount(five & (x0 ^ before));
      const x5 = (x0 >>> 5) | (next << 27);
      const x6 = (x0 >>> 6) | (next << 26);
      const x7 = (x0 >>> 7) | (next << 25);
      const x8 = (x0 >>> 8) | (next << 24);
      const x9 = (x0 >>> 9) | (next << 23);
      const x10 = (x0 >>> 10) | (next << 22);
      // 1 0 1 1 1 0 1 0 0 0 0 and its mirror 0 0 0 0 1 0 1 1 1 0 1, first module first (qrcode's 0x5D0, 0x05D)
      const core = ~x1 & ~x5 & x6 & upTo(size - 11 - from);
      const finder = core & ((x0 & x2 & x3 & x4 & ~x7 & ~x8 & ~x9 & ~x10) | (~x0 & ~x2 & ~x3 & x4 & x7 & x8 & ~x9 & x10));
      finders += popcount(finder);
      previous = x0;
    }
  }
  return windows + 2 * starts + 40 * finders;
}

/** qrcode's N2 (3 per 2×2 block of one colour, overlapping blocks counted) and N4 (dark share). */
function areaPenalty(rows: Int32Array, size: number): number {
  const w = wordsPerLine(size);
  let blocks = 0;
  let dark = 0;
  for (let row = 0; row < size; row++) {
    const base = row * w;
    for (let word = 0; word * 32 < size; word++) {
      const a0 = rows[base + word]!;
      dark += popcount(a0);
      if (row === size - 1) continue;
      const a1 = (a0 >>> 1) | (rows[base + word + 1]! << 31);
      const b0 = rows[base + w + word]!;
      const b1 = (b0 >>> 1) | (rows[base + w + word + 1]! << 31);
      blocks += popcount(~(a0 ^ a1) & ~(a0 ^ b0) & ~(a1 ^ b1) & upTo(size - 2 - word * 32));
    }
  }
  const k = Math.abs(Math.ceil((dark * 100) / (size * size) / 5) - 10);
  return blocks * 3 + k * 10;
}

/**
 * Masks an unmasked level-M symbol (`data`: function patterns, version information and data modules
 * in place; `reserved`: its function modules) in place with the mask qrcode's own search would choose,
 * writes that mask's format bits, and returns the mask.
 */
export function applyBestMask(data: Uint8Array, reserved: Uint8Array, size: number): number {
  const penalties = maskPenalties(data, reserved, size);
  let best = 0;
  for (let mask = 1; mask < 8; mask++) if (penalties[mask]! < penalties[best]!) best = mask;
  return applyMask(data, reserved, size, best);
}

/**
 * Masks an unmasked level-M symbol in place with `mask` (0–7) and writes its format bits: the symbol
 * applyBestMask makes when `mask` is the one its search chose. Any mask makes a valid symbol.
 */
export function applyMask(data: Uint8Array, reserved: Uint8Array, size: number, mask: number): number {
  const { flips, format } = layoutOf(size, reserved);
  const flip = flips[mask]!;
  for (let i = 0; i < data.length; i++) data[i]! ^= flip[i]!;
  writeFormat(data, format, mask);
  return mask;
}

/**
 * qrcode's penalty of each of the 8 masks over an unmasked level-M symbol (function patterns and
 * version info in place, format bits whatever they are: each mask's own are written before scoring).
 */
export function maskPenalties(unmasked: Uint8Array, reserved: Uint8Array, size: number): number[] {
  const { packedFlips, format } = layoutOf(size, reserved);
  const plainRows = pack(unmasked, size, false);
  const plainColumns = pack(unmasked, size, true);
  const rows = new Int32Array(plainRows.length);
  const columns = new Int32Array(plainColumns.length);
  return packedFlips.map((flip, mask) => {
    for (let i = 0; i < rows.length; i++) {
      rows[i] = plainRows[i]! ^ flip.rows[i]!;
      columns[i] = plainColumns[i]! ^ flip.columns[i]!;
    }
    writePackedFormat(rows, columns, size, format, mask);
    return linePenalty(rows, size) + linePenalty(columns, size) + areaPenalty(rows, size);
  });
}
