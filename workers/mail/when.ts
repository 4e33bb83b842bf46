/**
 * A moment as a mail states it: date and time in the event's zone, followed by that zone's name so
 * nobody across a border misreads it. (`dateStyle` cannot be combined with `timeZoneName`.)
 *
 * The two Intl.DateTimeFormat are built once per isolate for each (zone, style) and reused: building
 * one loads locale and zone data and cost ~1 ms of Worker CPU per purchase (issue #13), while
 * formatting with one is cheap. Safe because a DateTimeFormat is immutable (its options and locale
 * are fixed at construction) and formatting has no state, so a reused one gives the very text a
 * fresh one would; `toLocaleString(locale, options)` is defined as a fresh DateTimeFormat's format.
 * A zone the runtime refuses throws before anything is cached, as before.
 */
const MAX_CACHED = 256; // zones in use by events; a bound so no input can grow it without limit

const formats = new Map<string, { local: Intl.DateTimeFormat; zone: Intl.DateTimeFormat }>();

function formatsFor(timeZone: string, dateStyle: "full" | "medium") {
  const key = `${dateStyle} ${timeZone}`;
  let found = formats.get(key);
  if (!found) {
    found = {
      local: new Intl.DateTimeFormat("en-GB", { dateStyle, timeStyle: "short", timeZone }),
      zone: new Intl.DateTimeFormat("en-GB", { timeZone, timeZoneName: "short" }),
    };
    if (formats.size >= MAX_CACHED) formats.clear();
    formats.set(key, found);
  }
  return found;
}

export function zonedWhen(at: Date, timeZone: string, dateStyle: "full" | "medium"): string {
  const { local: localFormat, zone: zoneFormat } = formatsFor(timeZone, dateStyle);
  const local = localFormat.format(at);
  const zone = zoneFormat.formatToParts(at).find((p) => p.type === "timeZoneName")?.value;
  return zone ? `${local} ${zone}` : local;
}
