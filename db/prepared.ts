/**
 * Statements whose SQL text is written once per database instance (drizzle's `prepare`), not on every
 * run. Drizzle writes a query builder's text by walking its whole tree, checking every chunk's class
 * on the way: for readPurchase's seven-table select that was ~0.4 ms of CPU per run in Node, for the
 * webhook's two-table select ~0.15 ms; drizzle's text building was ~11 % of the Worker's busy samples
 * in a purchase profile (bench/RESULTS.md, 2026-12-04). Prepared, a run binds its placeholders' values
 * and maps the rows it gets back, nothing more.
 *
 * Over Neon's HTTP endpoint "prepared" names no server-side statement: every run sends the same text
 * and parameters as before, as its own request, so the statement and its results are exactly what
 * the unprepared builder gave. A prepared query keeps no state between runs (each run fills a new
 * parameter list), so concurrent requests of one isolate may share it.
 */
import type { HttpDatabase } from "./client";

/** `build`'s prepared query, built on first use per database instance (one per isolate and URL, db/client.ts). */
export function preparedPer<Q>(build: (db: HttpDatabase) => Q): (db: HttpDatabase) => Q {
  const built = new WeakMap<HttpDatabase, Q>();
  return (db) => {
    let query = built.get(db);
    if (!query) {
      query = build(db);
      built.set(db, query);
    }
    return query;
  };
}
