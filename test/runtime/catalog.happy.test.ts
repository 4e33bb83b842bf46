/**
 * The catalog as attendees see it: published, upcoming events from Postgres, searched, filtered and
 * paged through the Worker in workerd.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { insertEvent, insertOrganizer, uniqueName } from "./fixtures";
import { fetchWorker } from "./http";

interface EventBody {
  event_id: string;
  title: string;
  status: string;
  venue: { city: string };
  tiers: { tier_id: string; name: string; price: number; capacity: number; available: number }[];
  price_from: number | null;
  sold_out: boolean;
}

async function list(query: Record<string, string>) {
  const response = await fetchWorker(`http://admit.test/api/v1/events?${new URLSearchParams(query)}`);
  expect(response.status).toBe(200);
  return (await response.json()) as { events: EventBody[]; next_cursor: string | null };
}

describe("GET /api/v1/events", () => {
  const city = uniqueName("Catalogtown");
  let published: string[] = [];
  let draftId = "";
  let pastId = "";

  beforeAll(async () => {
    const organizer = await insertOrganizer();
    const jazz = await insertEvent(organizer.id, {
      title: "Harbour Jazz",
      description: "Saxophones under the stars",
      category: "music",
      venueCity: city,
      startsInHours: 48,
      tiers: [
        { name: "Front", price: 6000, capacity: 10, soldCount: 10 },
        { name: "Back", price: 3500, capacity: 50, soldCount: 5 },
      ],
    });
    const talk = await insertEvent(organizer.id, { title: "Compiler talk", description: "Register allocation explained", category: "meetup", venueCity: city, startsInHours: 72 });
    const workshop = await insertEvent(organizer.id, { title: "Pottery workshop", description: "Clay and wheels", category: "workshop", venueCity: city, startsInHours: 96 });
    const draft = await insertEvent(organizer.id, { title: "Hidden draft", description: "Saxophones in secret", venueCity: city, status: "draft" });
    const past = await insertEvent(organizer.id, { title: "Last year's jazz", description: "Saxophones long gone", venueCity: city, startsInHours: -100 });
    published = [jazz.event.id, talk.event.id, workshop.event.id];
    draftId = draft.event.id;
    pastId = past.event.id;
  });

  it("lists only published upcoming events, soonest first, with their tiers", async () => {
    const page = await list({ city });
    expect(page.events.map((e) => e.event_id)).toEqual(published);
    const jazz = page.events[0]!;
    expect(jazz.tiers.map((t) => [t.name, t.price, t.capacity, t.available])).toEqual([
      ["Front", 6000, 10, 0],
      ["Back", 3500, 50, 45],
    ]);
    expect(jazz.price_from).toBe(3500);
    expect(jazz.sold_out).toBe(false);
    expect(page.events.map((e) => e.event_id)).not.toContain(draftId);
    expect(page.events.map((e) => e.event_id)).not.toContain(pastId);
  });

  it("finds events by a word of their description, stemmed, and never a draft", async () => {
    const page = await list({ city, q: "saxophone" });
    expect(page.events.map((e) => e.title)).toEqual(["Harbour Jazz"]);
  });

  it("filters by city case-insensitively, by category, and by date range", async () => {
    expect((await list({ city: city.toUpperCase() })).events).toHaveLength(3);
    expect((await list({ city, category: "workshop" })).events.map((e) => e.title)).toEqual(["Pottery workshop"]);
    const from = new Date(Date.now() + 60 * 3_600_000).toISOString();
    const to = new Date(Date.now() + 80 * 3_600_000).toISOString();
    expect((await list({ city, from, to })).events.map((e) => e.title)).toEqual(["Compiler talk"]);
  });

  it("pages with a cursor without repeating or skipping an event", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { events: EventBody[]; next_cursor: string | null } = await list({ city, limit: "2", ...(cursor ? { cursor } : {}) });
      seen.push(...page.events.map((e) => e.event_id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(2);
    expect(seen).toEqual(published);
  });
});

describe("GET /api/v1/events/:id", () => {
  it("returns a published event with its tiers and availability", async () => {
    const organizer = await insertOrganizer();
    const { event, tiers } = await insertEvent(organizer.id, { title: "Detail test", tiers: [{ name: "GA", price: 1000, capacity: 20, soldCount: 3 }] });
    const response = await fetchWorker(`http://admit.test/api/v1/events/${event.id}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as EventBody & { venue: { name: string } };
    expect(body).toMatchObject({ event_id: event.id, title: "Detail test", status: "published", venue: { name: "Hall" } });
    expect(body.tiers).toEqual([expect.objectContaining({ tier_id: tiers[0]!.id, available: 17, capacity: 20 })]);
  });

  it("answers 404 NOT_FOUND for drafts, unknown ids and ids that are not uuids", async () => {
    const organizer = await insertOrganizer();
    const { event: draft } = await insertEvent(organizer.id, { status: "draft" });
    for (const id of [draft.id, crypto.randomUUID(), "not-a-uuid", "1%27%20OR%201=1"]) {
      const response = await fetchWorker(`http://admit.test/api/v1/events/${id}`);
      expect(response.status, id).toBe(404);
      const body = (await response.json()) as { error: { code: string; request_id: string } };
      expect(body.error.code).toBe("NOT_FOUND");
      expect(body.error.request_id).toBeTruthy();
    }
  });
});
