/**
 * The short code an attendee reads out at the box office or types into a support mail: five
 * characters, as pretix uses, from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B,
 * U/V). A UUID wraps on a phone and nobody can say it over the phone.
 *
 * Codes are derived from the order id, so the same order always offers the same first candidate;
 * uniqueness within an event is the database's unique index, and a taken candidate moves on to the
 * next one derived from the same id. 23^5 ≈ 6.4 million codes per event: a clash is rare, never wrong.
 */
export const ORDER_CODE_ALPHABET = "ACDEFGHJKMNPQRTWXY34679";
export const ORDER_CODE_LENGTH = 5;

const SPACE = ORDER_CODE_ALPHABET.length ** ORDER_CODE_LENGTH;

/** FNV-1a, 32 bits: a stable spread of the id's text, not a secret (the code opens nothing). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The `attempt`-th candidate code of an order (0 first). */
export function orderCodeCandidate(orderId: string, attempt = 0): string {
  // Two rounds so the 32-bit hash covers the whole code space evenly enough.
  let value = (fnv1a(`${orderId.toLowerCase()}#${attempt}`) * 0x10000 + (fnv1a(`${attempt}#${orderId.toLowerCase()}`) & 0xffff)) % SPACE;
  let code = "";
  for (let i = 0; i < ORDER_CODE_LENGTH; i++) {
    code = ORDER_CODE_ALPHABET[value % ORDER_CODE_ALPHABET.length] + code;
    value = Math.floor(value / ORDER_CODE_ALPHABET.length);
  }
  return code;
}

/** Whether `text` could be an order code (for lookups typed by people: case and spaces forgiven). */
export function normalizeOrderCode(text: string): string | undefined {
  const code = text.replace(/[\s-]/g, "").toUpperCase();
  return code.length === ORDER_CODE_LENGTH && [...code].every((c) => ORDER_CODE_ALPHABET.includes(c)) ? code : undefined;
}
