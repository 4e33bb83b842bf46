/**
 * Base64 of a mail's attachments (the mail API takes files as base64 text). workerd encodes natively
 * (`Uint8Array.prototype.toBase64`, TC39's base64 proposal, in V8 since 2025); where that is missing
 * (Node before 25, where the unit tests and the bench run) a table encoder writes the ASCII into a
 * byte array and decodes it once. What this replaced, `btoa(String.fromCharCode(...bytes))`, spread
 * every byte as a call argument through the array iterator and built a binary string to re-read: ~75
 * µs for a ticket's 1.6 kB PNG in Node against ~9 µs by table (bench/qr-measure.ts), and a share of
 * the after-profile of its own (issue #13: "base64" 2.6 %).
 */

const ALPHABET = new TextEncoder().encode("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
const EQUALS = 0x3d;
const ascii = new TextDecoder(); // the output is ASCII, so UTF-8 reads it as is

const native = (Uint8Array.prototype as { toBase64?: (this: Uint8Array) => string }).toBase64;

/** Standard base64 (RFC 4648 §4, padded), what `btoa` gives for the same bytes. */
export function base64(bytes: Uint8Array): string {
  return native ? native.call(bytes) : base64ByTable(bytes);
}

/** The encoder used where the platform has none; exported so tests run it wherever they run. */
export function base64ByTable(bytes: Uint8Array): string {
  const length = bytes.length;
  const out = new Uint8Array(Math.ceil(length / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < length; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = ALPHABET[v >> 18]!;
    out[o++] = ALPHABET[(v >> 12) & 63]!;
    out[o++] = ALPHABET[(v >> 6) & 63]!;
    out[o++] = ALPHABET[v & 63]!;
  }
  if (i < length) {
    const two = i + 1 < length;
    const v = (bytes[i]! << 16) | (two ? bytes[i + 1]! << 8 : 0);
    out[o++] = ALPHABET[v >> 18]!;
    out[o++] = ALPHABET[(v >> 12) & 63]!;
    out[o++] = two ? ALPHABET[(v >> 6) & 63]! : EQUALS;
    out[o++] = EQUALS;
  }
  return ascii.decode(out);
}
