/**
 * Organizer reports after real purchases: sales per day and hour in the event's time zone, and
 * the attendee and order lists as CSV — only ever the caller's own event.
 */
import { describe, expect, it } from "vitest";
import { call, fetchWorker, signUp } from "./http";
import { pay, publishedEvent, register, registration } from "./purchase-helpers";

async function csv(path: string, apiKey: string) {
  const response = await fetchWorker(`http://127.0.0.1${path}`, { headers: { Authorization: `Bearer ${apiKey}` } });
  return { status: response.status, type: response.headers.get("Content-Type"), text: await response.text() };
}

describe("reports", () => {
  it("sum what was sold, and list attendees and orders as CSV", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 1200, capacity: 50 }]);
    const tierId = tiers[0]!.tier_id;
    for (const [name, quantity] of [["Ada", 2], ["=Bob", 1]] as const) {
      const order = (await register(eventId, registration(tierId, { quantity, attendee: { email: `${crypto.randomUUID()}@example.test`, name } }))).body;
      expect((await pay(order.order_id, order.order_token)).status).toBe(200);
    }
    await register(eventId, registration(tierId));

    for (const bucket of ["day", "hour"]) {
      const sales = await call("GET", `/api/v1/events/${eventId}/reports/sales?bucket=${bucket}`, undefined, organizer.key);
      expect(sales.status).toBe(200);
      expect(sales.body.totals).toEqual({ tickets_sold: 3, gross: 3600, refunded: 0 });
      expect(sales.body.rows).toEqual([expect.objectContaining({ tier_id: tierId, tier_name: "GA", tickets_sold: 3, gross: 3600, net: 3600 })]);
    }

    const attendees = await csv(`/api/v1/events/${eventId}/reports/attendees.csv`, organizer.key.apiKey!);
    expect(attendees.status).toBe(200);
    expect(attendees.type).toContain("text/csv");
    const lines = attendees.text.trim().split("\r\n");
    expect(lines[0]).toBe("ticket_id,attendee_name,email,tier,seat,order_id,ticket_status,issued_at,checked_in_at");
    expect(lines).toHaveLength(4);
    expect(lines.filter((l) => l.includes(",Ada,"))).toHaveLength(2);
    expect(lines.some((l) => l.includes(",'=Bob,"))).toBe(true);

    const orders = await csv(`/api/v1/events/${eventId}/reports/orders.csv`, organizer.key.apiKey!);
    const orderLines = orders.text.trim().split("\r\n");
    expect(orderLines).toHaveLength(4);
    expect(orderLines.filter((l) => l.includes(",confirmed,"))).toHaveLength(2);
    expect(orderLines.filter((l) => l.includes(",pending,"))).toHaveLength(1);
  });

  it("are only for the event's organizer, and refuse a bad bucket", async () => {
    const { organizer, eventId } = await publishedEvent([{ name: "GA", price: 1200, capacity: 5 }]);
    const stranger = await signUp();
    for (const path of ["reports/sales", "reports/attendees.csv", "reports/orders.csv", "stats"]) {
      expect((await call("GET", `/api/v1/events/${eventId}/${path}`, undefined, stranger.key)).status).toBe(404);
      expect((await call("GET", `/api/v1/events/${eventId}/${path}`)).status).toBe(401);
    }
    const bad = await call("GET", `/api/v1/events/${eventId}/reports/sales?bucket=week`, undefined, organizer.key);
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field)).toContain("bucket");
  });
});
