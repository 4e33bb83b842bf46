import { minorUnitDigits } from "./money-input.lib";

/** Minor units in the currency's own digits: cents for EUR, none for JPY. */
export function formatMoney(amount: number, currency: string): string {
  if (amount === 0) return "Free";
  return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount / 10 ** minorUnitDigits(currency));
}

/** Event times are shown in the event's own time zone: that is when the doors open. */
export function formatWhen(startsAt: string, endsAt: string, timeZone: string): string {
  const options: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short", timeZone };
  const start = new Date(startsAt);
  const end = new Date(endsAt);
  const sameDay = start.toLocaleDateString("en-CA", { timeZone }) === end.toLocaleDateString("en-CA", { timeZone });
  const endText = sameDay
    ? end.toLocaleTimeString(undefined, { timeStyle: "short", timeZone })
    : end.toLocaleString(undefined, options);
  return `${start.toLocaleString(undefined, options)} – ${endText}`;
}
