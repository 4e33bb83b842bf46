/**
 * One list of categories: the filter offers the categories of the events on sale, case-insensitively,
 * so an event an organizer filed under "Concert" is found under "concert".
 */
import { describe, expect, it } from "vitest";
import { call } from "./http";
import { publishedEvent } from "./purchase-helpers";
import { uniqueName } from "./fixtures";

describe("categories", () => {
  it("lists the categories of events on sale once each, and the filter matches them whatever the case", async () => {
    const category = uniqueName("Concert").toLowerCase();
    const a = await publishedEvent([{ name: "GA", price: 1000, capacity: 10 }], { category: category.toUpperCase() });
    const b = await publishedEvent([{ name: "GA", price: 1000, capacity: 10 }], { category });
    const listed = await call("GET", "/api/v1/categories");
    expect(listed.status).toBe(200);
    const entry = listed.body.categories.filter((c: { category: string }) => c.category === category);
    expect(entry).toEqual([{ category, label: category.charAt(0).toUpperCase() + category.slice(1), events: 2 }]);
    const found = await call("GET", `/api/v1/events?category=${encodeURIComponent(category.toUpperCase())}`);
    expect(found.body.events.map((e: { event_id: string }) => e.event_id).sort()).toEqual([a.eventId, b.eventId].sort());
  });
});
