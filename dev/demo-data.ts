/**
 * Demo data for `npm run dev` and the browser tests: one organizer, several published events across
 * cities and categories (general admission and seated tiers), and one draft that must stay hidden.
 * Dates are relative to now so the catalog always has upcoming events.
 */
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { eq } from "drizzle-orm";
import * as schema from "../db/schema";
import { hashPassword } from "../workers/auth/passwords";

export const DEMO_ORGANIZER = { name: "Harbour Events", email: "demo@admit-one.test", password: "demo-password-2026" };

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

interface SeatSpec {
  sections: { name: string; rows: string[]; seatsPerRow: number; accessibleRow?: string }[];
}

interface TierSpec {
  name: string;
  price: number;
  capacity?: number;
  seats?: SeatSpec;
  maxPerOrder?: number;
}

interface EventSpec {
  title: string;
  description: string;
  category: string;
  venue: { name: string; city: string; address: string };
  startsInDays: number;
  /** Doors open at this hour, UTC (Lisbon is UTC or UTC+1). */
  startHourUtc: number;
  durationHours: number;
  timezone: string;
  currency: string;
  status: "published" | "draft";
  tiers: TierSpec[];
}

export const DEMO_EVENTS: EventSpec[] = [
  {
    title: "EdgeConf 2027",
    description: "Two days of talks on serverless databases, Durable Objects and building for the edge. Hallway track included.",
    category: "conference",
    venue: { name: "Lisbon Congress Centre", city: "Lisbon", address: "Praça das Indústrias 1" },
    startsInDays: 45,
    startHourUtc: 8,
    durationHours: 34,
    timezone: "Europe/Lisbon",
    currency: "EUR",
    status: "published",
    tiers: [
      { name: "Early bird", price: 19900, capacity: 200, maxPerOrder: 4 },
      { name: "Standard", price: 29900, capacity: 600, maxPerOrder: 10 },
    ],
  },
  {
    title: "Riverside Jazz Night",
    description: "An evening of modern jazz by the river, with the Ana Ferreira Quartet. Reserved seating.",
    category: "music",
    venue: { name: "Teatro do Rio", city: "Porto", address: "Rua do Cais 12" },
    startsInDays: 12,
    startHourUtc: 19,
    durationHours: 3,
    timezone: "Europe/Lisbon",
    currency: "EUR",
    status: "published",
    tiers: [
      {
        name: "Stalls",
        price: 4500,
        maxPerOrder: 6,
        seats: { sections: [{ name: "Stalls", rows: ["A", "B", "C", "D"], seatsPerRow: 12, accessibleRow: "A" }] },
      },
      {
        name: "Balcony",
        price: 3000,
        maxPerOrder: 6,
        seats: { sections: [{ name: "Balcony", rows: ["E", "F"], seatsPerRow: 10 }] },
      },
    ],
  },
  {
    title: "Hands-on TypeScript Workshop",
    description: "A full-day workshop: strict TypeScript, testing with vitest, and shipping Workers. Bring a laptop.",
    category: "workshop",
    venue: { name: "Fábrica Hub", city: "Lisbon", address: "Rua da Fábrica 40" },
    startsInDays: 21,
    startHourUtc: 9,
    durationHours: 7,
    timezone: "Europe/Lisbon",
    currency: "EUR",
    status: "published",
    tiers: [{ name: "Seat at a table", price: 12000, capacity: 24, maxPerOrder: 2 }],
  },
  {
    title: "Summer Sound Festival",
    description: "Three stages, forty artists, one weekend by the sea. Camping passes available.",
    category: "festival",
    venue: { name: "Praia Grande Grounds", city: "Sintra", address: "Estrada da Praia" },
    startsInDays: 160,
    startHourUtc: 14,
    durationHours: 72,
    timezone: "Europe/Lisbon",
    currency: "EUR",
    status: "published",
    tiers: [
      { name: "Weekend pass", price: 14900, capacity: 5000, maxPerOrder: 6 },
      { name: "Weekend + camping", price: 19900, capacity: 1500, maxPerOrder: 6 },
    ],
  },
  {
    title: "Open Source Meetup: Postgres Internals",
    description: "Free community meetup about MVCC, vacuum and how Postgres keeps your tickets safe. Pizza provided.",
    category: "meetup",
    venue: { name: "Library Loft", city: "Porto", address: "Avenida dos Aliados 3" },
    startsInDays: 5,
    startHourUtc: 18,
    durationHours: 2,
    timezone: "Europe/Lisbon",
    currency: "EUR",
    status: "published",
    tiers: [{ name: "Free RSVP", price: 0, capacity: 80, maxPerOrder: 2 }],
  },
  {
    title: "Secret Draft Gala",
    description: "Not announced yet: this draft must never appear in the public catalog.",
    category: "gala",
    venue: { name: "Palácio", city: "Lisbon", address: "Largo 1" },
    startsInDays: 90,
    startHourUtc: 19,
    durationHours: 5,
    timezone: "Europe/Lisbon",
    currency: "EUR",
    status: "draft",
    tiers: [{ name: "Guest", price: 25000, capacity: 100 }],
  },
];

function seatRows(eventId: string, tierId: string, spec: SeatSpec) {
  const rows: (typeof schema.seats.$inferInsert)[] = [];
  let y = 0;
  for (const section of spec.sections) {
    for (const row of section.rows) {
      for (let n = 1; n <= section.seatsPerRow; n++) {
        rows.push({
          eventId,
          tierId,
          label: `${row}${n}`,
          section: section.name,
          row,
          number: n,
          x: n * 30,
          y: y * 30,
          accessible: row === section.accessibleRow && (n === 1 || n === section.seatsPerRow),
        });
      }
      y++;
    }
    y++;
  }
  return rows;
}

/** Inserts the demo data unless the demo organizer exists already. Returns the organizer id. */
export async function seedDemoData(databaseUrl: string, now = new Date()): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const db = drizzle(client, { schema });
    const existing = await db.select().from(schema.organizers).where(eq(schema.organizers.email, DEMO_ORGANIZER.email));
    if (existing[0]) return existing[0].id;
    return await db.transaction(async (tx) => {
      const [organizer] = await tx
        .insert(schema.organizers)
        .values({ name: DEMO_ORGANIZER.name, email: DEMO_ORGANIZER.email, passwordHash: await hashPassword(DEMO_ORGANIZER.password) })
        .returning();
      // The organizer owns an organization of the same name, which owns the events (issue #15).
      const [organization] = await tx.insert(schema.organizations).values({ name: DEMO_ORGANIZER.name }).returning();
      await tx.insert(schema.organizationMembers).values({ organizationId: organization!.id, organizerId: organizer!.id, role: "owner" });
      for (const spec of DEMO_EVENTS) {
        const startsAt = new Date(now.getTime() + spec.startsInDays * DAY);
        startsAt.setUTCHours(spec.startHourUtc, 0, 0, 0);
        const [event] = await tx
          .insert(schema.events)
          .values({
            organizerId: organizer!.id,
            organizationId: organization!.id,
            title: spec.title,
            description: spec.description,
            category: spec.category,
            venueName: spec.venue.name,
            venueCity: spec.venue.city,
            venueAddress: spec.venue.address,
            startsAt,
            endsAt: new Date(startsAt.getTime() + spec.durationHours * HOUR),
            timezone: spec.timezone,
            currency: spec.currency,
            salesStartAt: new Date(now.getTime() - DAY),
            salesEndAt: startsAt,
            refundPolicy: { schedule: [{ until_hours_before_start: 720, percent: 100 }, { until_hours_before_start: 168, percent: 50 }] },
            waitingRoom: { enabled: false },
            waitlist: { enabled: true, offer_minutes: 30 },
            status: spec.status,
            publishedAt: spec.status === "published" ? now : null,
          })
          .returning();
        for (const [position, tierSpec] of spec.tiers.entries()) {
          const seatCount = tierSpec.seats
            ? tierSpec.seats.sections.reduce((sum, s) => sum + s.rows.length * s.seatsPerRow, 0)
            : 0;
          const [tier] = await tx
            .insert(schema.ticketTiers)
            .values({
              eventId: event!.id,
              name: tierSpec.name,
              kind: tierSpec.seats ? "seated" : "general_admission",
              price: tierSpec.price,
              currency: spec.currency,
              capacity: tierSpec.seats ? seatCount : tierSpec.capacity!,
              maxPerOrder: tierSpec.maxPerOrder ?? 10,
              position,
            })
            .returning();
          if (tierSpec.seats) await tx.insert(schema.seats).values(seatRows(event!.id, tier!.id, tierSpec.seats));
        }
      }
      return organizer!.id;
    });
  } finally {
    await client.end();
  }
}
