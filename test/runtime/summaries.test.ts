/**
 * The one-minute summaries against the ledger: after sales (some confirmed in earlier minutes), refunds
 * and scans (some synced late by an offline phone), the summary rows are the ledger's per-bucket
 * figures exactly; a second refresh and a full rebuild rewrite no row; and the reports, which read the
 * summaries up to the last refresh and the ledger after it, are never behind.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { refreshCheckinsMinutely, refreshSalesMinutely } from "../../db/queries/summaries";
import entry from "../../workers/index";
import { db, uniqueName } from "./fixtures";
import { call, type Caller } from "./http";
import { pay, publishedEvent, register, registration } from "./purchase-helpers";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function runMinuteCron() {
  const ctx = createExecutionContext();
  await entry.scheduled!(createScheduledController({ cron: "* * * * *", scheduledTime: Date.now() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function buy(eventId: string, tierId: string, quantity: number) {
  const registered = await register(eventId, registration(tierId, { quantity }));
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const paid = await pay(registered.body.order_id, registered.body.order_token);
  expect(paid.status, JSON.stringify(paid.body)).toBe(200);
  return { orderId: registered.body.order_id as string, tickets: paid.body.tickets as { ticket_id: string; token: string }[] };
}

/** Writes a confirmed order straight into the ledger, confirmed `minutesAgo` minutes ago. */
async function pastOrder(eventId: string, tierId: string, quantity: number, price: number, minutesAgo: number) {
  const [attendee] = await db().insert(schema.attendees).values({ email: `${uniqueName("past")}@example.test`, name: "Past Buyer" }).returning();
  const at = new Date(Date.now() - minutesAgo * MINUTE);
  const [order] = await db()
    .insert(schema.orders)
    .values({ eventId, tierId, attendeeId: attendee!.id, attendeeName: attendee!.name, idempotencyKey: uniqueName("k"), requestHash: "h", status: "confirmed", quantity, amount: quantity * price, currency: "EUR", createdAt: at, confirmedAt: at })
    .returning();
  return order!;
}

type SalesBucketRow = { tier_id: string; minute: string; tickets_sold: number; gross: number; refunded: number };
type CheckinBucketRow = { minute: string; admitted: number; undone: number; rejected: number; conflicts: number };

const MINUTE_TEXT = sql.raw(`'YYYY-MM-DD"T"HH24:MI"Z"'`);

/** The event's sales per tier and UTC minute, straight from orders and refunds. */
async function salesFromLedger(eventId: string): Promise<SalesBucketRow[]> {
  const result = await db().execute<SalesBucketRow>(sql`
    SELECT tier_id, to_char(minute AT TIME ZONE 'UTC', ${MINUTE_TEXT}) AS minute, sum(sold)::int AS tickets_sold, sum(gross)::float8 AS gross, sum(refunded)::float8 AS refunded
    FROM (
      SELECT o.tier_id, date_trunc('minute', o.confirmed_at, 'UTC') AS minute, o.quantity AS sold, o.amount AS gross, 0 AS refunded
      FROM orders o WHERE o.event_id = ${eventId} AND o.confirmed_at IS NOT NULL
      UNION ALL
      SELECT o.tier_id, date_trunc('minute', r.created_at, 'UTC'), 0, 0, r.amount
      FROM refunds r JOIN orders o ON o.id = r.order_id WHERE o.event_id = ${eventId} AND r.status = 'succeeded'
    ) m GROUP BY 1, 2 ORDER BY 2, 1`);
  return result.rows;
}

async function salesFromSummary(eventId: string): Promise<(SalesBucketRow & { version: string })[]> {
  const result = await db().execute<SalesBucketRow & { version: string }>(sql`
    SELECT tier_id, to_char(minute AT TIME ZONE 'UTC', ${MINUTE_TEXT}) AS minute, tickets_sold, gross_amount::float8 AS gross, refunded_amount::float8 AS refunded, xmin::text AS version
    FROM sales_minutely WHERE event_id = ${eventId} ORDER BY 2, 1`);
  return result.rows;
}

async function checkinsFromLedger(eventId: string): Promise<CheckinBucketRow[]> {
  const result = await db().execute<CheckinBucketRow>(sql`
    SELECT to_char(date_trunc('minute', scanned_at, 'UTC') AT TIME ZONE 'UTC', ${MINUTE_TEXT}) AS minute,
           count(*) FILTER (WHERE result = 'admitted')::int AS admitted, count(*) FILTER (WHERE result = 'undone')::int AS undone,
           count(*) FILTER (WHERE result IN ('rejected', 'duplicate'))::int AS rejected, count(*) FILTER (WHERE conflict)::int AS conflicts
    FROM checkins WHERE event_id = ${eventId} GROUP BY 1 ORDER BY 1`);
  return result.rows;
}

async function checkinsFromSummary(eventId: string): Promise<(CheckinBucketRow & { version: string })[]> {
  const result = await db().execute<CheckinBucketRow & { version: string }>(sql`
    SELECT to_char(minute AT TIME ZONE 'UTC', ${MINUTE_TEXT}) AS minute, admitted, undone, rejected, conflicts, xmin::text AS version
    FROM checkins_minutely WHERE event_id = ${eventId} ORDER BY 1`);
  return result.rows;
}

const withoutVersion = <Row extends { version: string }>(rows: Row[]) => rows.map(({ version, ...row }) => row);

function totals(rows: { tickets_sold: number; gross: number; refunded: number }[]) {
  return rows.reduce((t, r) => ({ tickets_sold: t.tickets_sold + r.tickets_sold, gross: t.gross + r.gross, refunded: t.refunded + r.refunded }), { tickets_sold: 0, gross: 0, refunded: 0 });
}

async function salesReport(eventId: string, organizer: Caller, bucket: string) {
  const report = await call("GET", `/api/v1/events/${eventId}/reports/sales?bucket=${bucket}`, undefined, organizer);
  expect(report.status, JSON.stringify(report.body)).toBe(200);
  return report.body as { totals: ReturnType<typeof totals>; rows: { period_start: string; tier_id: string; tickets_sold: number; gross: number; refunded: number }[] };
}

/** The check-in curve as the door report gives it, per minute in the event's time zone, from the log. */
async function checkinCurveFromLedger(eventId: string, timezone: string) {
  const result = await db().execute(sql`
    SELECT to_char(date_trunc('minute', scanned_at AT TIME ZONE ${timezone}), 'YYYY-MM-DD"T"HH24:MI:SS') AS period_start,
           (count(*) FILTER (WHERE result = 'admitted') - count(*) FILTER (WHERE result = 'undone'))::int AS admitted,
           count(*) FILTER (WHERE result IN ('rejected', 'duplicate'))::int AS rejected, count(*) FILTER (WHERE conflict)::int AS conflicts
    FROM checkins WHERE event_id = ${eventId} GROUP BY 1 ORDER BY 1`);
  return result.rows;
}

describe("one-minute summaries", () => {
  it("agree with the ledger bucket by bucket after sales, refunds and scans; refreshing again or rebuilding rewrites nothing; reports are never behind", async () => {
    const startsAt = new Date(Date.now() + 2 * HOUR);
    const timezone = "Asia/Kolkata"; // a half-hour offset: hours and days are cut from minutes, not UTC hours
    const { organizer, eventId, tiers } = await publishedEvent(
      [
        { name: "GA", price: 2000, capacity: 100, max_per_order: 10 },
        { name: "VIP", price: 9000, capacity: 10, max_per_order: 4 },
      ],
      { starts_at: startsAt.toISOString(), ends_at: new Date(startsAt.getTime() + 4 * HOUR).toISOString(), timezone },
    );
    const [ga, vip] = [tiers[0]!.tier_id, tiers[1]!.tier_id];

    // Sales now through the API, and earlier ones (70 and 3 minutes ago) written into the ledger.
    const first = await buy(eventId, ga, 3);
    const second = await buy(eventId, vip, 2);
    await buy(eventId, ga, 1);
    const old = await pastOrder(eventId, ga, 4, 2000, 70);
    await pastOrder(eventId, vip, 1, 9000, 3);
    // Refunds: one by the organizer through the API, one asked 65 minutes ago.
    expect((await call("POST", `/api/v1/orders/${second.orderId}/refund`, { reason: "Organizer refund" }, organizer.key)).status).toBe(200);
    const [oldRefund] = await db()
      .insert(schema.refunds)
      .values({ orderId: old.id, idempotencyKey: uniqueName("r"), amount: 2000, currency: "EUR", status: "succeeded", initiatedBy: "attendee", createdAt: new Date(Date.now() - 65 * MINUTE) })
      .returning();

    // Scans: one online admit through the door API; a duplicate, a refusal, an undo, and an offline
    // phone's admits from 40 minutes ago (one of them a conflict) written into the log.
    const device = await call("POST", `/api/v1/events/${eventId}/devices`, { name: "North gate" }, organizer.key);
    expect(device.status, JSON.stringify(device.body)).toBe(201);
    const scanned = await call("POST", "/api/v1/checkin/scan", { token: first.tickets[0]!.token, nonce: uniqueName("n") }, {}, { Authorization: `Bearer ${device.body.device_token}` });
    expect(scanned.status, JSON.stringify(scanned.body)).toBe(200);
    const deviceId = device.body.device_id as string;
    const logScan = (result: "admitted" | "rejected" | "duplicate" | "undone", minutesAgo: number, extra: Partial<typeof schema.checkins.$inferInsert> = {}) =>
      db().insert(schema.checkins).values({ eventId, deviceId, nonce: uniqueName("n"), result, scannedAt: new Date(Date.now() - minutesAgo * MINUTE), ...extra });
    await logScan("duplicate", 0, { ticketId: first.tickets[0]!.ticket_id });
    await logScan("rejected", 0, { reason: "revoked" });
    await logScan("admitted", 40, { ticketId: first.tickets[1]!.ticket_id, offline: true });
    await logScan("admitted", 40, { ticketId: first.tickets[2]!.ticket_id, offline: true, conflict: true });
    await logScan("undone", 39, { ticketId: first.tickets[1]!.ticket_id });

    await runMinuteCron();

    const sales = await salesFromLedger(eventId);
    expect(sales.length).toBeGreaterThanOrEqual(4); // 70, 65 and 3 minutes ago, and now
    expect(totals(sales)).toEqual({ tickets_sold: 11, gross: 3 * 2000 + 2 * 9000 + 2000 + 4 * 2000 + 9000, refunded: 2 * 9000 + 2000 });
    expect(withoutVersion(await salesFromSummary(eventId))).toEqual(sales);
    const checkins = await checkinsFromLedger(eventId);
    expect(checkins.reduce((n, r) => n + r.admitted - r.undone, 0)).toBe(2);
    expect(withoutVersion(await checkinsFromSummary(eventId))).toEqual(checkins);

    // Refreshing again, or rebuilding everything, rewrites no row (same row versions).
    const [salesBefore, checkinsBefore] = [await salesFromSummary(eventId), await checkinsFromSummary(eventId)];
    await refreshSalesMinutely(db(), "recent");
    await refreshCheckinsMinutely(db(), "recent");
    await refreshSalesMinutely(db(), "full");
    await refreshCheckinsMinutely(db(), "full");
    expect(await salesFromSummary(eventId)).toEqual(salesBefore);
    expect(await checkinsFromSummary(eventId)).toEqual(checkinsBefore);

    // The reports read the summaries and agree with the ledger in every bucket size.
    for (const bucket of ["minute", "hour", "day"]) expect((await salesReport(eventId, organizer.key, bucket)).totals).toEqual(totals(sales));
    const byMinute = await salesReport(eventId, organizer.key, "minute");
    expect(byMinute.rows.filter((r) => r.tier_id === ga).map((r) => r.period_start.slice(14, 16))).toContain(
      new Intl.DateTimeFormat("en-GB", { timeZone: timezone, minute: "2-digit" }).format(old.confirmedAt!).padStart(2, "0"),
    );
    const curve = await call("GET", `/api/v1/events/${eventId}/reports/checkins?bucket=minute`, undefined, organizer.key);
    expect(curve.status).toBe(200);
    expect(curve.body.rows).toEqual(await checkinCurveFromLedger(eventId, timezone));

    // After the refresh, a sale, a refund that fails late and an offline scan of an hour ago show at
    // once in the reports (from the ledger), then in the summaries at the next refresh.
    await buy(eventId, vip, 1);
    await db().update(schema.refunds).set({ status: "failed", updatedAt: new Date() }).where(eq(schema.refunds.id, oldRefund!.id));
    await logScan("admitted", 61, { ticketId: first.tickets[2]!.ticket_id, offline: true });
    const later = await salesFromLedger(eventId);
    expect(totals(later)).toEqual({ tickets_sold: 12, gross: totals(sales).gross + 9000, refunded: 2 * 9000 });
    expect((await salesReport(eventId, organizer.key, "hour")).totals.tickets_sold).toBe(12);
    const curveNow = await call("GET", `/api/v1/events/${eventId}/reports/checkins?bucket=minute`, undefined, organizer.key);
    expect(curveNow.body.rows).toEqual(await checkinCurveFromLedger(eventId, timezone));

    await runMinuteCron();
    expect(withoutVersion(await salesFromSummary(eventId))).toEqual(later);
    expect(withoutVersion(await checkinsFromSummary(eventId))).toEqual(await checkinsFromLedger(eventId));
    expect((await salesReport(eventId, organizer.key, "day")).totals).toEqual(totals(later));
  });
});
