/**
 * The war room's plot data, with no DOM: tickets sold and checked in, as running totals over time.
 * History comes from the reports (sales and check-ins per minute, or sales per hour, bucketed on the
 * event's wall clock), the present from the live snapshots; the two meet where the page loaded.
 *
 * The reports count tickets in confirmed orders per bucket (a later refund does not take a bucket's
 * sale back), the snapshots count tickets sold now (refunds returned): after a refund the live line
 * starts a little below where the history ends, which is the truth about both.
 */
import { wallClockToUtc } from "./zoned-time.lib";

export interface SalesReportRow {
  period_start: string;
  tickets_sold: number;
}

export interface CheckinReportRow {
  period_start: string;
  admitted: number;
}

/** A time (UTC ms) and a running total; null where that line has no reading. */
export interface SeriesPoint {
  at: number;
  sold: number | null;
  checkedIn: number | null;
}

export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;
const MAX_POINTS = 4_000;

/**
 * Per-bucket counts → running totals: a zero at the first bucket's start, then the total at each
 * bucket's end (the end of a bucket still running is `now`). Several rows may share a bucket (one
 * per tier).
 */
export function runningTotals(rows: { period_start: string; count: number }[], bucketMs: number, timeZone: string, now: number): { at: number; total: number }[] {
  const byStart = new Map<number, number>();
  for (const row of rows) {
    const start = wallClockToUtc(row.period_start.slice(0, 19), timeZone);
    if (!start) continue;
    const at = Date.parse(start.iso);
    byStart.set(at, (byStart.get(at) ?? 0) + row.count);
  }
  const starts = [...byStart.keys()].sort((a, b) => a - b);
  if (starts.length === 0) return [];
  const points = [{ at: Math.min(starts[0]!, now), total: 0 }];
  let total = 0;
  for (const start of starts) {
    total += byStart.get(start)!;
    points.push({ at: Math.min(start + bucketMs, now), total });
  }
  return points;
}

/** The history both reports tell (sales in buckets of `salesBucketMs`), merged on one time axis. */
export function historySeries(sales: SalesReportRow[], salesBucketMs: number, checkins: CheckinReportRow[], timeZone: string, now: number): SeriesPoint[] {
  const sold = runningTotals(sales.map((r) => ({ period_start: r.period_start, count: r.tickets_sold })), salesBucketMs, timeZone, now);
  const checked = runningTotals(checkins.map((r) => ({ period_start: r.period_start, count: r.admitted })), MINUTE_MS, timeZone, now);
  const points = [
    ...sold.map((p) => ({ at: p.at, sold: p.total, checkedIn: null })),
    ...checked.map((p) => ({ at: p.at, sold: null, checkedIn: p.total })),
  ];
  return points.sort((a, b) => a.at - b.at);
}

/**
 * Adds a snapshot's reading. A reading equal to the last two only moves the last one forward, so an
 * evening of heartbeats with nothing sold stays two points, not thousands; past MAX_POINTS the
 * oldest live readings are thinned out by half.
 */
export function appendReading(series: SeriesPoint[], reading: SeriesPoint): SeriesPoint[] {
  const last = series.at(-1);
  if (last && reading.at < last.at) return series;
  const before = series.at(-2);
  const same = (p: SeriesPoint | undefined) => p !== undefined && p.sold === reading.sold && p.checkedIn === reading.checkedIn;
  if (same(last) && same(before)) {
    last!.at = reading.at;
    return series;
  }
  series.push(reading);
  if (series.length > MAX_POINTS) return series.filter((_, i) => i % 2 === 0 || i === series.length - 1);
  return series;
}

/** uPlot's column layout: seconds on x, one array per line. */
export function toColumns(series: SeriesPoint[]): [number[], (number | null)[], (number | null)[]] {
  return [series.map((p) => p.at / 1000), series.map((p) => p.sold), series.map((p) => p.checkedIn)];
}
