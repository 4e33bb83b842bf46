/**
 * Wall-clock times in an IANA time zone ↔ UTC instants, with no DOM use. An organizer types "19:30"
 * meaning 19:30 where the event happens, whatever zone their own laptop is in; a
 * `<input type=datetime-local>` gives only the wall-clock text, so the zone is applied here.
 *
 * Daylight-saving edges are decided, not left to chance: a wall time that happens twice (clocks go
 * back) means its first occurrence; one that never happens (clocks go forward) is moved forward by
 * the size of the jump, as most calendars do, and flagged so the page can say so.
 */

/** `YYYY-MM-DDTHH:mm`, the value format of `<input type=datetime-local>`. */
const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const DAY_MS = 24 * 60 * 60 * 1000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isTimeZone(timeZone: string): boolean {
  if (!timeZone) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock fields of an instant in a zone, packed as if they were a UTC time. */
function wallFieldsAsUtc(utcMs: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(utcMs))) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  return Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour! % 24, fields.minute!, fields.second!);
}

function parseWallClock(text: string): number | undefined {
  const match = WALL_CLOCK.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s || 0);
  const check = new Date(ms);
  // Rejects 2027-02-30 and 25:00, which Date.UTC would silently roll over.
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59) return undefined;
  return ms;
}

export type WallClockNote = "skipped" | "repeated";

export interface ZonedInstant {
  /** The instant as an ISO-8601 UTC string, as the API wants it. */
  iso: string;
  /** Set when the wall time falls in a daylight-saving change (see the module comment). */
  note?: WallClockNote;
}

/** `2027-07-15T19:30` in `America/New_York` → `2027-07-15T23:30:00.000Z`; undefined if unreadable. */
export function wallClockToUtc(wallClock: string, timeZone: string): ZonedInstant | undefined {
  const wall = parseWallClock(wallClock);
  if (wall === undefined || !isTimeZone(timeZone)) return undefined;
  // Zones change their offset at most once in any two days, so the offsets a day either side are
  // the only candidates.
  const offsets = [...new Set([wall - DAY_MS, wall + DAY_MS].map((t) => wallFieldsAsUtc(t, timeZone) - t))];
  const candidates = offsets.map((offset) => wall - offset);
  const valid = candidates.filter((t) => wallFieldsAsUtc(t, timeZone) === wall).sort((a, b) => a - b);
  if (valid.length > 0) {
    return { iso: new Date(valid[0]!).toISOString(), ...(valid.length > 1 ? { note: "repeated" as const } : {}) };
  }
  // In the gap: read the wall time with the offset from before the jump, which lands after it.
  return { iso: new Date(Math.max(...candidates)).toISOString(), note: "skipped" };
}

/** An instant → `YYYY-MM-DDTHH:mm` on the wall clock of the zone (seconds dropped). */
export function utcToWallClock(iso: string, timeZone: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms) || !isTimeZone(timeZone)) return "";
  return new Date(wallFieldsAsUtc(ms, timeZone)).toISOString().slice(0, 16);
}

/** Every zone the browser knows, for a picker; a short list when the browser cannot enumerate. */
export function knownTimeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const zones = intl.supportedValuesOf?.("timeZone") ?? [];
  const fallback = ["UTC", "Europe/Lisbon", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo"];
  const all = new Set([...(zones.length ? zones : fallback), "UTC"]);
  return [...all].sort();
}

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
