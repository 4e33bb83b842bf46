/**
 * A moment as a mail states it: date and time in the event's zone, followed by that zone's name so
 * nobody across a border misreads it. (`dateStyle` cannot be combined with `timeZoneName`.)
 */
export function zonedWhen(at: Date, timeZone: string, dateStyle: "full" | "medium"): string {
  const local = at.toLocaleString("en-GB", { dateStyle, timeStyle: "short", timeZone });
  const zone = new Intl.DateTimeFormat("en-GB", { timeZone, timeZoneName: "short" }).formatToParts(at).find((p) => p.type === "timeZoneName")?.value;
  return zone ? `${local} ${zone}` : local;
}
