/**
 * The confirmation mail and "resend my tickets" (issue #14 item 5), and order statuses that do not
 * go stale for organizers (item 6): a paid order's mail in the outbox carries the venue, the order's
 * five-character code, one inline QR image per ticket and an `.ics` that parses; ticket-links answers
 * alike for any address, mails only a buyer, and is limited; a lapsed hold reads expired at once,
 * and a buyer's replaced attempt folds into the one that replaced it.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq, sql } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import * as schema from "../../db/schema";
import entry from "../../workers/index";
import { ORDER_CODE_ALPHABET } from "../../workers/domain/order-code";
import { ticketQrPng } from "../../workers/mail/attachments";
import { ticketQrMatrix } from "../../workers/tickets/qr";
import { db, uniqueName } from "./fixtures";
import { call } from "./http";
import { getOrder, pay, publishedEvent, register, registration } from "./purchase-helpers";

interface OutboxMail {
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; content: string; content_type: string; content_id: string | null }[];
}

const address = () => `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
const from = (ip: string) => ({ "CF-Connecting-IP": ip });
const CODE = new RegExp(`^[${ORDER_CODE_ALPHABET}]{5}$`);

async function mailsTo(to: string): Promise<OutboxMail[]> {
  const response = await fetch(`${inject("stackUrls").mail}/api/emails?to=${encodeURIComponent(to)}`);
  return ((await response.json()) as { data: OutboxMail[] }).data;
}

/** Hands the mails queued in the outbox for `to` to the Queue consumer, as the cron and Queue would. */
async function deliverOutboxMailTo(to: string): Promise<number> {
  const rows = await db().select().from(schema.outbox).where(sql`${schema.outbox.payload}->>'to' = ${to}`);
  if (rows.length === 0) return 0;
  const batch = createMessageBatch(
    "admit-one-events",
    rows.map((row) => ({ id: `outbox-${row.id}`, timestamp: new Date(), attempts: 1, body: row.payload })),
  );
  const ctx = createExecutionContext();
  await entry.queue(batch, env, ctx);
  expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([]);
  return rows.length;
}

const bytesOf = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/**
 * A small RFC 5545 reader: checks CRLF endings and 75-octet lines, unfolds, and returns the
 * VEVENT's properties (name without parameters → unescaped value).
 */
function parseIcs(text: string): Record<string, string> {
  expect(text.endsWith("\r\n")).toBe(true);
  expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
  const physical = text.slice(0, -2).split("\r\n");
  for (const line of physical) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
  const lines = text.slice(0, -2).replace(/\r\n[ \t]/g, "").split("\r\n");
  expect(lines[0]).toBe("BEGIN:VCALENDAR");
  expect(lines.at(-1)).toBe("END:VCALENDAR");
  expect(lines).toContain("VERSION:2.0");
  const start = lines.indexOf("BEGIN:VEVENT");
  const end = lines.indexOf("END:VEVENT");
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  const props: Record<string, string> = {};
  for (const line of lines.slice(start + 1, end)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).split(";")[0]!;
    props[name] = line.slice(colon + 1).replace(/\\([\\;,nN])/g, (_, c: string) => (c === "n" || c === "N" ? "\n" : c));
  }
  return props;
}

const basicUtc = (iso: string) => new Date(iso).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");

async function paidOrder(venue = { name: "UX Theatre", city: "Porto", address: "Rua das Flores 12, 2º" }, quantity = 2) {
  const { organizer, eventId, tiers } = await publishedEvent([{ name: "Floor", price: 2500, capacity: 20, max_per_order: 4 }], { title: "Fado; night, live", venue });
  const email = `${uniqueName("fan")}@example.test`;
  const registered = await register(eventId, registration(tiers[0]!.tier_id, { quantity, attendee: { email, name: "Ada Fan" } }));
  expect(registered.status).toBe(201);
  const paid = await pay(registered.body.order_id, registered.body.order_token);
  expect(paid.status).toBe(200);
  return { organizer, eventId, email, orderId: registered.body.order_id as string, token: registered.body.order_token as string, tickets: paid.body.tickets as { token: string }[] };
}

describe("confirmation mail", () => {
  it("names the venue, gives the 5-character code, shows each ticket's QR inline and attaches an .ics that parses", async () => {
    const order = await paidOrder();
    expect(await deliverOutboxMailTo(order.email)).toBe(1);
    const [mail] = await mailsTo(order.email);
    expect(mail).toBeDefined();

    expect(mail!.html).toContain("UX Theatre, Rua das Flores 12, 2º, Porto");
    expect(mail!.text).toContain("Where: UX Theatre, Rua das Flores 12, 2º, Porto");
    // The organizer's name (sign-up's "shown to attendees on your events"), as on the event page.
    expect(mail!.text).toContain("Organizer: Org\n");
    expect(mail!.html).toContain("<td data-organizer>Org</td>");
    const shown = await call("GET", `/api/v1/events/${order.eventId}`);
    expect(shown.body.organizer).toEqual({ name: "Org" });
    const code = /Order: (\S+)/.exec(mail!.text)?.[1];
    expect(code).toMatch(CODE);
    expect(mail!.subject).toContain(code);
    const view = await getOrder(order.orderId, order.token);
    expect(view.body.order_code).toBe(code);

    const images = mail!.attachments.filter((a) => a.content_id);
    expect(images).toHaveLength(2);
    for (const image of images) {
      expect(mail!.html).toContain(`src="cid:${image.content_id}"`);
      expect(image.content_type).toBe("image/png");
      expect([...bytesOf(image.content).slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    }
    // The images are the tickets' QR PNGs, byte for byte, through workerd's base64 and back by atob.
    const pngs = await Promise.all(order.tickets.map((t) => ticketQrPng(t.token)));
    const key = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    expect(images.map((image) => key(bytesOf(image.content))).sort()).toEqual(pngs.map(key).sort());
    // Drawn from the masks pay's SVGs chose, carried in the message: the Queue consumer searched none.
    const [row] = await db().select().from(schema.outbox).where(eq(schema.outbox.dedupeKey, `order-confirmed:${order.orderId}`));
    const carried = (row!.payload as { attachments: { qr_png_of?: string; qr_mask?: number }[] }).attachments.filter((a) => a.qr_png_of);
    expect(carried.map((a) => [a.qr_png_of, a.qr_mask]).sort()).toEqual(order.tickets.map((t) => [t.token, ticketQrMatrix(t.token).mask]).sort());

    const ics = mail!.attachments.find((a) => a.filename.endsWith(".ics"));
    expect(ics?.content_type).toMatch(/^text\/calendar/);
    const event = (await call("GET", `/api/v1/events/${order.eventId}`)).body;
    const props = parseIcs(new TextDecoder().decode(bytesOf(ics!.content)));
    expect(props.UID).toBe(`order-${order.orderId}@admit-one`);
    expect(props.DTSTAMP).toMatch(/^\d{8}T\d{6}Z$/);
    expect(props.DTSTART).toBe(basicUtc(event.starts_at));
    expect(props.DTEND).toBe(basicUtc(event.ends_at));
    expect(props.SUMMARY).toBe("Fado; night, live");
    expect(props.LOCATION).toBe("UX Theatre, Rua das Flores 12, 2º, Porto");
    expect(props.URL).toMatch(new RegExp(`/event\\?id=${order.eventId}$`));
    // The calendar is shared and synced; the order link (a bearer credential) stays out of it.
    expect(JSON.stringify(props)).not.toContain(order.token);
  });

  it("leaves out empty parts of the venue", async () => {
    const order = await paidOrder({ name: "Warehouse", city: "Lisbon", address: "" }, 1);
    await deliverOutboxMailTo(order.email);
    const [mail] = await mailsTo(order.email);
    expect(mail!.text).toContain("Where: Warehouse, Lisbon\n");
    expect(mail!.html).toContain(">Warehouse, Lisbon<");
    expect(mail!.html).not.toMatch(/, ,/);
  });

  it("gives every order of an event its own code", async () => {
    const { eventId, tiers } = await publishedEvent([{ name: "Floor", price: 0, capacity: 50 }]);
    const codes = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const r = await register(eventId, registration(tiers[0]!.tier_id));
        const paid = await call("POST", `/api/v1/orders/${r.body.order_id}/pay`, {}, {}, { Authorization: `Bearer ${r.body.order_token}` });
        expect(paid.status).toBe(200);
        return paid.body.order_code as string;
      }),
    );
    for (const code of codes) expect(code).toMatch(CODE);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe("resend my tickets", () => {
  it("answers 202 alike for a buyer and a stranger, and mails only the buyer, with a link that opens the order", async () => {
    const order = await paidOrder();
    await deliverOutboxMailTo(order.email);
    const stranger = `${uniqueName("nobody")}@example.test`;
    const known = await call("POST", "/api/v1/ticket-links", { email: order.email.toUpperCase() }, {}, from(address()));
    const unknown = await call("POST", "/api/v1/ticket-links", { email: stranger }, {}, from(address()));
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);

    expect(await deliverOutboxMailTo(stranger)).toBe(0);
    await deliverOutboxMailTo(order.email);
    expect(await mailsTo(stranger)).toEqual([]);
    const links = (await mailsTo(order.email)).find((m) => m.text.includes("asked for the links"));
    expect(links).toBeDefined();
    const view = await getOrder(order.orderId, order.token);
    expect(links!.text).toContain(view.body.order_code);
    const token = new RegExp(`/order\\?order=${order.orderId}#token=(\\S+)`).exec(links!.text)?.[1];
    expect(token).toBeDefined();
    expect((await getOrder(order.orderId, token!)).status).toBe(200);
  });

  it("limits requests per client address (429) and mails per email (answered alike, nothing sent)", async () => {
    const order = await paidOrder(undefined, 1);
    const ip = address();
    const strangers = Array.from({ length: 11 }, () => `${uniqueName("probe")}@example.test`);
    const answers = [];
    for (const email of strangers) answers.push(await call("POST", "/api/v1/ticket-links", { email }, {}, from(ip)));
    expect(answers.slice(0, 10).map((a) => a.status)).toEqual(Array(10).fill(202));
    expect(answers[10]!.status).toBe(429);
    expect(answers[10]!.body.error.code).toBe("RATE_LIMITED");
    expect(Number(answers[10]!.headers.get("Retry-After"))).toBeGreaterThan(0);

    const queued = async () => (await db().select().from(schema.outbox).where(sql`${schema.outbox.payload}->>'to' = ${order.email} AND ${schema.outbox.dedupeKey} LIKE 'ticket-links:%'`)).length;
    for (let i = 0; i < 5; i++) expect((await call("POST", "/api/v1/ticket-links", { email: order.email }, {}, from(address()))).status).toBe(202);
    expect(await queued()).toBe(3);
  });
});

describe("order statuses for organizers", () => {
  it("shows a lapsed hold as expired at once, in the organizer's list and the order view", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "Floor", price: 2500, capacity: 20 }]);
    const held = await register(eventId, registration(tiers[0]!.tier_id));
    const lapsedAt = new Date(Date.now() - 5 * 60_000);
    await db().update(schema.orders).set({ holdExpiresAt: lapsedAt }).where(eq(schema.orders.id, held.body.order_id));

    const list = await call("GET", `/api/v1/events/${eventId}/orders`, undefined, organizer.key);
    const row = list.body.orders.find((o: { order_id: string }) => o.order_id === held.body.order_id);
    expect(row).toMatchObject({ status: "expired", expired_at: lapsedAt.toISOString().replace(/\.\d{3}Z$/, "Z") });
    const view = await getOrder(held.body.order_id, held.body.order_token);
    expect(view.body).toMatchObject({ status: "expired", expired_at: lapsedAt.toISOString() });
    // The ledger is the sweeper's to change: still pending underneath.
    const [stored] = await db().select().from(schema.orders).where(eq(schema.orders.id, held.body.order_id));
    expect(stored!.status).toBe("pending");
  });

  it("folds a buyer's replaced attempts into the attempt that replaced them", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "Floor", price: 2500, capacity: 20 }]);
    const attendee = { email: `${uniqueName("retry")}@example.test`, name: "Re Try" };
    const first = await register(eventId, registration(tiers[0]!.tier_id, { attendee }));
    await db().update(schema.orders).set({ status: "cancelled" }).where(eq(schema.orders.id, first.body.order_id));
    const second = await register(eventId, registration(tiers[0]!.tier_id, { attendee }));
    expect((await pay(second.body.order_id, second.body.order_token)).status).toBe(200);
    const other = await register(eventId, registration(tiers[0]!.tier_id));

    const shown = (await call("GET", `/api/v1/events/${eventId}/orders`, undefined, organizer.key)).body.orders as { order_id: string; superseded_by: string | null; status: string }[];
    expect(shown.map((o) => o.order_id)).toEqual([second.body.order_id, other.body.order_id]);
    const all = (await call("GET", `/api/v1/events/${eventId}/orders?include_superseded=true`, undefined, organizer.key)).body.orders as typeof shown;
    expect(all.map((o) => [o.order_id, o.superseded_by])).toEqual([
      [first.body.order_id, second.body.order_id],
      [second.body.order_id, null],
      [other.body.order_id, null],
    ]);
  });
});
