/**
 * Fixed-window counters for per-address and per-email limits (sign-ups, reset requests, sign-in
 * checks): one upsert counts the hit and answers the total, so concurrent requests count exactly.
 */
import { lt, sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { rateLimitWindows } from "../schema";

/** Counts one hit for `key` in the current window of `windowSeconds`; answers the window's hits so far and when it ends. */
export async function countHit(
  db: HttpDatabase,
  bucket: string,
  key: string,
  windowSeconds: number,
): Promise<{ hits: number; retryAfterSeconds: number }> {
  const result = await db.execute<{ hits: number; retry_after: number }>(sql`
    INSERT INTO rate_limit_windows AS w (bucket, key, window_start, hits)
    VALUES (${bucket}, ${key}, to_timestamp(floor(extract(epoch FROM now()) / ${windowSeconds}::int) * ${windowSeconds}::int), 1)
    ON CONFLICT (bucket, key, window_start) DO UPDATE SET hits = w.hits + 1
    RETURNING hits, greatest(1, ceil(extract(epoch FROM w.window_start + make_interval(secs => ${windowSeconds}::int) - now())))::int AS retry_after`);
  const row = result.rows[0]!;
  return { hits: Number(row.hits), retryAfterSeconds: Number(row.retry_after) };
}

/** Drops windows that ended before `before`. */
export async function dropRateLimitWindowsBefore(db: HttpDatabase, before: Date): Promise<void> {
  await db.delete(rateLimitWindows).where(lt(rateLimitWindows.windowStart, before));
}
