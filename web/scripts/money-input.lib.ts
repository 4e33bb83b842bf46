/**
 * Prices as organizers type them ("12.50", "12,50", "1 200") ↔ the API's integer minor units.
 * Parsed as text, never through floating point, so 19.99 is 1999 and not 1998.
 */

/** 2 for EUR and USD, 0 for JPY, 3 for KWD: what the currency's minor unit is. */
export function minorUnitDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** Minor units, or undefined when the text is not a non-negative amount in this currency. */
export function parsePrice(text: string, currency: string): number | undefined {
  const digits = minorUnitDigits(currency);
  const cleaned = text.trim().replace(/[\s\u00a0']/g, "");
  if (cleaned === "") return undefined;
  const match = /^(\d+)(?:[.,](\d*))?$/.exec(cleaned);
  if (!match) return undefined;
  const fraction = match[2] ?? "";
  if (fraction.length > digits) return undefined;
  const minor = Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
  return Number.isSafeInteger(minor) ? minor : undefined;
}

/** 1250 in EUR → "12.50"; the value an `<input>` shows for a stored price. */
export function priceInputValue(minor: number, currency: string): string {
  const digits = minorUnitDigits(currency);
  if (digits === 0) return String(minor);
  const whole = Math.floor(minor / 10 ** digits);
  const fraction = String(minor % 10 ** digits).padStart(digits, "0");
  return `${whole}.${fraction}`;
}

export const CURRENCIES = ["EUR", "USD", "GBP", "CHF", "CAD", "AUD", "BRL", "DKK", "JPY", "NOK", "PLN", "SEK"] as const;
