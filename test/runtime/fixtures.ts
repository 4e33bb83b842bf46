/**
 * Rows for runtime tests, written straight into the ledger. Every call makes its own organizer and
 * a city name nobody else uses, so test files sharing the database never see each other's events.
 */
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { connectHttp } from "../../db/client";
import * as schema from "../../db/schema";
import { databaseSettings } from "../../workers/config";

export const db = () => connectHttp(databaseSettings(env));

export const uniqueName = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

const HOUR = 3_600_000;

/** An organizer who owns an organization of its own (issue #15: the organization owns the events). */
export async function insertOrganizer() {
  const [organizer] = await db()
    .insert(schema.organizers)
    .values({ name: "Test Org", email: `${uniqueName("org")}@example.test`, passwordHash: "pbkdf2-sha256$1$AA==$AA==" })
    .returning();
  const [organization] = await db().insert(schema.organizations).values({ name: "Test Org" }).returning();
  await db().insert(schema.organizationMembers).values({ organizationId: organization!.id, organizerId: organizer!.id, role: "owner" });
  return { ...organizer!, organizationId: organization!.id };
}

/** The organization an organizer made by insertOrganizer (or sign-up) owns. */
async function ownedOrganizationOf(organizerId: string): Promise<string> {
  const [membership] = await db()
    .select()
    .from(schema.organizationMembers)
    .where(and(eq(schema.organizationMembers.organizerId, organizerId), eq(schema.organizationMembers.role, "owner")))
    .limit(1);
  if (!membership) throw new Error(`organizer ${organizerId} owns no organization`);
  return membership.organizationId;
}

export interface EventOverrides extends Partial<typeof schema.events.$inferInsert> {
  startsInHours?: number;
  tiers?: { name: string; price: number; capacity: number; soldCount?: number }[];
}

export async function insertEvent(organizerId: string, overrides: EventOverrides = {}) {
  const { startsInHours = 24 * 30, tiers = [{ name: "General", price: 2500, capacity: 100 }], ...fields } = overrides;
  const startsAt = new Date(Date.now() + startsInHours * HOUR);
  const organizationId = fields.organizationId ?? (await ownedOrganizationOf(organizerId));
  const [event] = await db()
    .insert(schema.events)
    .values({
      organizerId,
      organizationId,
      title: "Test event",
      description: "A test event",
      category: "conference",
      venueName: "Hall",
      venueCity: "Testville",
      venueAddress: "1 Test Street",
      startsAt,
      endsAt: new Date(startsAt.getTime() + 3 * HOUR),
      timezone: "Europe/Lisbon",
      currency: "EUR",
      status: "published",
      ...fields,
    })
    .returning();
  const tierRows = tiers.length
    ? await db()
        .insert(schema.ticketTiers)
        .values(tiers.map((t, position) => ({ eventId: event!.id, kind: "general_admission" as const, currency: "EUR", position, ...t })))
        .returning()
    : [];
  return { event: event!, tiers: tierRows };
}
