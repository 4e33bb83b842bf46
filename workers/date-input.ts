/**
 * Dates as clients send them, for every route: ISO-8601, bounded to the years an event platform
 * can mean. The bounds keep `0000-01-01` (which PostgreSQL refuses: it has no year 0) and far
 * futures out of queries, so a date never turns into a 500.
 */
import { z } from "zod";

export const EARLIEST_INSTANT = Date.UTC(2000, 0, 1);
export const LATEST_INSTANT = Date.UTC(2201, 0, 1) - 1;

const RANGE_MESSAGE = "Use a date between the years 2000 and 2200.";

function inRange(text: string): boolean {
  const ms = Date.parse(text);
  return Number.isFinite(ms) && ms >= EARLIEST_INSTANT && ms <= LATEST_INSTANT;
}

/** An ISO-8601 date-time with `Z` or an offset, kept as the string the client sent. */
export const isoInstant = z.iso.datetime({ offset: true }).refine(inRange, RANGE_MESSAGE);

/** An ISO-8601 date-time as a Date. */
export const instant = isoInstant.transform((s) => new Date(s));

/** A date-time, or a calendar date (`2026-05-01`, the start of that day in UTC), as a Date. */
export const instantOrDate = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()])
  .refine(inRange, RANGE_MESSAGE)
  .transform((s) => new Date(s));
