/**
 * The organizer's long lists: CSV exports streamed a page at a time (complete, in order, parsing back
 * to the rows), and the paged JSON lists (orders, attendees, waitlist) whose cursors walk every row
 * exactly once, ties included.
 */
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { attendeesPage, ordersPage } from "../../db/queries/reports";
import { attendeesCsv, ordersCsv } from "../../workers/routes/organizer-reports";
import { db, uniqueName } from "./fixtures";
import { call, fetchWorker, signUp, type Caller } from "./http";
import { pay, publishedEvent, register, registration } from "./purchase-helpers";

/** RFC 4180: fields split on commas, quoted fields may hold commas, quotes ("") and line breaks; records end in CRLF. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
        else if (text[i] === '"') {
          i++;
          break;
        } else field += text[i++];
      }
    } else if (text[i] === ",") (record.push(field), (field = ""), i++);
    else if (text.startsWith("\r\n", i)) (record.push(field), records.push(record), (record = []), (field = ""), (i += 2));
    else field += text[i++];
  }
  expect(field).toBe(""); // every record, the last included, ended in CRLF
  return records;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<{ text: string; chunks: number }> {
  let text = "";
  let chunks = 0;
  const decoder = new TextDecoder();
  for await (const chunk of stream) (text += decoder.decode(chunk, { stream: true })), chunks++;
  return { text: text + decoder.decode(), chunks };
}

async function download(path: string, caller: Caller) {
  const response = await fetchWorker(`http://127.0.0.1${path}`, { headers: { Authorization: `Bearer ${caller.apiKey}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toContain("text/csv");
  return response.text();
}

/** Follows next_cursor from the first page to the last, `limit` rows at a time. */
async function walk(path: string, field: string, caller: Caller, limit: number): Promise<{ rows: unknown[]; pages: number }> {
  const rows: unknown[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: { status: number; body: any } = await call("GET", `${path}?limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`, undefined, caller);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    expect(page.body[field].length).toBeLessThanOrEqual(limit);
    rows.push(...page.body[field]);
    cursor = page.body.next_cursor;
    pages++;
  } while (cursor);
  return { rows, pages };
}

async function eventWithSales() {
  const { organizer, eventId, tiers } = await publishedEvent([
    { name: "GA", price: 1000, capacity: 50, max_per_order: 10 },
    { name: "Late", price: 500, capacity: 1, max_per_order: 1 },
  ]);
  const [tierId, lateTier] = [tiers[0]!.tier_id, tiers[1]!.tier_id];
  for (const [name, quantity] of [["Ada, \"the\" Buyer", 2], ["=SUM(A1:A9)", 1], ["Line\nBreak", 3], ["Zoë", 1]] as const) {
    const order = await register(eventId, registration(tierId, { quantity, attendee: { email: `${uniqueName("b")}@example.test`, name } }));
    expect(order.status, JSON.stringify(order.body)).toBe(201);
    expect((await pay(order.body.order_id, order.body.order_token)).status).toBe(200);
  }
  // Two orders created in the same microsecond: the id breaks the tie, so paging neither skips nor repeats one.
  const [attendee] = await db().insert(schema.attendees).values({ email: `${uniqueName("tie")}@example.test`, name: "Tie" }).returning();
  const sameInstant = new Date(Date.now() - 60_000);
  await db()
    .insert(schema.orders)
    .values([0, 1].map((i) => ({ eventId, tierId, attendeeId: attendee!.id, attendeeName: "Tie", idempotencyKey: uniqueName(`tie${i}`), requestHash: "h", quantity: 1, amount: 1000, currency: "EUR", createdAt: sameInstant })));
  return { organizer, eventId, tierId, lateTier };
}

describe("streamed exports and paged lists", () => {
  it("stream every attendee and order a page at a time, in order, parsing back to the rows", async () => {
    const { organizer, eventId } = await eventWithSales();
    const attendees = (await attendeesPage(db(), eventId, undefined, 1000)).rows;
    const orders = (await ordersPage(db(), eventId, undefined, 1000)).rows;
    expect(attendees).toHaveLength(7);
    expect(orders).toHaveLength(6);

    const streamed = await readAll(attendeesCsv(db(), eventId, 2));
    expect(streamed.chunks).toBe(1 + 4); // the header, then 2 + 2 + 2 + 1 tickets
    const records = parseCsv(streamed.text);
    expect(records[0]).toEqual(["ticket_id", "attendee_name", "email", "tier", "seat", "order_id", "ticket_status", "issued_at", "checked_in_at"]);
    expect(records.slice(1).map((r) => r[0])).toEqual(attendees.map((a) => a.ticket_id));
    expect(records.slice(1).map((r) => r[1])).toEqual(attendees.map((a) => (a.attendee_name.startsWith("=") ? `'${a.attendee_name}` : a.attendee_name)));
    expect(records.slice(1).every((r) => r.length === 9)).toBe(true);
    // The route streams the same bytes with its own page size.
    expect(await download(`/api/v1/events/${eventId}/reports/attendees.csv`, organizer.key)).toBe(streamed.text);

    const orderStream = await readAll(ordersCsv(db(), eventId, 4));
    const orderRecords = parseCsv(orderStream.text);
    expect(orderRecords.slice(1).map((r) => r[0])).toEqual(orders.map((o) => o.order_id));
    expect(orderRecords.slice(1).map((r) => Number(r[7]))).toEqual(orders.map((o) => o.amount));
    expect(await download(`/api/v1/events/${eventId}/reports/orders.csv`, organizer.key)).toBe(orderStream.text);

    // An event with nothing sold: the header alone.
    const empty = await publishedEvent([{ name: "GA", price: 1000, capacity: 5 }]);
    expect(await download(`/api/v1/events/${empty.eventId}/reports/orders.csv`, empty.organizer.key)).toBe(
      "order_id,created_at,status,attendee_name,email,tier,quantity,amount,currency,refunded\r\n",
    );
  });

  it("page orders, attendees and the waitlist by cursor, every row once, in the unpaged order", async () => {
    const { organizer, eventId, lateTier } = await eventWithSales();
    // The one-seat tier sold out, then three people in its waitlist.
    const entrants = await db()
      .insert(schema.attendees)
      .values([1, 2, 3].map((i) => ({ email: `${uniqueName(`w${i}`)}@example.test`, name: `Waiting ${i}` })))
      .returning();
    await db()
      .insert(schema.waitlistEntries)
      .values(entrants.map((a, i) => ({ eventId, tierId: lateTier, attendeeId: a.id, attendeeName: a.name, quantity: 1, position: i + 1, entryTokenHash: crypto.randomUUID() })));
    const base = `/api/v1/events/${eventId}`;

    for (const [path, field, total] of [["/orders", "orders", 6], ["/attendees", "attendees", 7], ["/waitlist", "entries", 3]] as const) {
      const whole = await call("GET", `${base}${path}`, undefined, organizer.key);
      expect(whole.status).toBe(200);
      expect(whole.body[field]).toHaveLength(total);
      expect(whole.body.next_cursor).toBeNull();
      const paged = await walk(`${base}${path}`, field, organizer.key, 2);
      expect(paged.pages).toBe(Math.ceil(total / 2));
      expect(paged.rows).toEqual(whole.body[field]);
    }

    const entries = (await call("GET", `${base}/waitlist?limit=1`, undefined, organizer.key)).body;
    expect(entries.entries[0]).toEqual({
      entry_id: expect.any(String),
      tier_id: lateTier,
      position: 1,
      quantity: 1,
      status: "waiting",
      attendee: { name: "Waiting 1", email: expect.stringContaining("@example.test") },
      offer_expires_at: null,
      joined_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect(entries.next_cursor).toMatch(/^[A-Za-z0-9_-]+$/);

    for (const query of ["limit=0", "limit=501", "limit=ten", "cursor=%21%21", `cursor=${btoa('["x"]')}`, `cursor=${entries.next_cursor}&extra=1`]) {
      const bad = await call("GET", `${base}/orders?${query}`, undefined, organizer.key);
      expect(bad.status, query).toBe(400);
      expect(bad.body.error.code).toBe("VALIDATION_FAILED");
    }
    // A waitlist cursor is no order cursor.
    const foreign = await call("GET", `${base}/orders?cursor=${entries.next_cursor}`, undefined, organizer.key);
    expect(foreign.status).toBe(400);
    expect(foreign.body.details.map((d: { field: string }) => d.field)).toContain("cursor");

    const stranger = await signUp();
    expect((await call("GET", `${base}/attendees`, undefined, stranger.key)).status).toBe(404);
    expect((await call("GET", `${base}/attendees`)).status).toBe(401);
  });
});
