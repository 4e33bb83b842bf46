/**
 * Reads behind the attendees' catalog: published events, searched and filtered, with their tiers.
 */
import { and, asc, eq, getTableColumns, gt, gte, inArray, lte, or, sql, type SQL } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { events, organizations, ticketTiers } from "../schema";

export interface CatalogFilter {
  q?: string;
  city?: string;
  category?: string;
  from?: Date;
  to?: Date;
  /** Resume after this (starts_at, id) pair: keyset pagination survives inserts between pages. */
  after?: { startsAt: Date; id: string };
  limit: number;
}

export type EventRow = typeof events.$inferSelect;
export type TierRow = typeof ticketTiers.$inferSelect;
/** An event as attendees see it: with the name of the organization that runs it. */
export type PublicEventRow = EventRow & { organizerName: string };

const publicEventColumns = { ...getTableColumns(events), organizerName: organizations.name };

export async function listPublishedEvents(db: HttpDatabase, filter: CatalogFilter): Promise<PublicEventRow[]> {
  const conditions: SQL[] = [eq(events.status, "published")];
  if (filter.q) conditions.push(sql`${events.search} @@ websearch_to_tsquery('english', ${filter.q})`);
  if (filter.city) conditions.push(sql`lower(${events.venueCity}) = lower(${filter.city})`);
  if (filter.category) conditions.push(sql`lower(${events.category}) = lower(${filter.category})`);
  // An event still running counts as upcoming: filter on its end, not its start.
  if (filter.from) conditions.push(gte(events.endsAt, filter.from));
  if (filter.to) conditions.push(lte(events.startsAt, filter.to));
  if (filter.after) {
    const { startsAt, id } = filter.after;
    conditions.push(or(gt(events.startsAt, startsAt), and(eq(events.startsAt, startsAt), gt(events.id, id)))!);
  }
  return db
    .select(publicEventColumns)
    .from(events)
    .innerJoin(organizations, eq(organizations.id, events.organizationId))
    .where(and(...conditions))
    .orderBy(asc(events.startsAt), asc(events.id))
    .limit(filter.limit);
}

export async function findPublishedEvent(db: HttpDatabase, eventId: string): Promise<PublicEventRow | undefined> {
  const [row] = await db
    .select(publicEventColumns)
    .from(events)
    .innerJoin(organizations, eq(organizations.id, events.organizationId))
    .where(and(eq(events.id, eventId), inArray(events.status, ["published", "cancelled"])))
    .limit(1);
  return row;
}

export async function listTiersOfEvents(db: HttpDatabase, eventIds: string[]): Promise<TierRow[]> {
  if (eventIds.length === 0) return [];
  return db
    .select()
    .from(ticketTiers)
    .where(inArray(ticketTiers.eventId, eventIds))
    .orderBy(asc(ticketTiers.eventId), asc(ticketTiers.position), asc(ticketTiers.createdAt));
}

/** The categories of events on the catalog now (lower case, as stored), with how many events each. */
export async function categoriesInCatalog(db: HttpDatabase, now: Date): Promise<{ category: string; events: number }[]> {
  const result = await db.execute<{ category: string; events: number }>(sql`
    SELECT lower(category) AS category, count(*)::int AS events
    FROM events WHERE status = 'published' AND ends_at > ${now.toISOString()}
    GROUP BY lower(category) ORDER BY lower(category)`);
  return result.rows;
}
