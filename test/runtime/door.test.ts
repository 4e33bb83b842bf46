/**
 * The door in workerd against the real ledger: scanner devices, online scans admitted once per
 * check-in list whatever the concurrency, the same nonce answered byte for byte, every refusal with its
 * reason, offline scans synced with their conflicts, undo, and attendance in the stats and reports.
 */
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { db } from "./fixtures";
import { call, fetchWorker, type Caller } from "./http";
import { inBatches, pay, publishedEvent, register, registration } from "./purchase-helpers";

const HOUR = 3_600_000;

/** An event whose doors are open now (it starts in two hours), with a GA and a VIP tier. */
async function eventAtTheDoor(startsInHours = 2) {
  const startsAt = new Date(Date.now() + startsInHours * HOUR);
  return publishedEvent(
    [
      { name: "GA", price: 2000, capacity: 300, max_per_order: 50 },
      { name: "VIP", price: 9000, capacity: 20, max_per_order: 4 },
    ],
    { starts_at: startsAt.toISOString(), ends_at: new Date(startsAt.getTime() + 6 * HOUR).toISOString(), refund_policy: { schedule: [] } },
  );
}

type Ticket = { ticket_id: string; token: string; seat: string | null };

async function buy(eventId: string, tierId: string, quantity = 1): Promise<{ orderId: string; tickets: Ticket[] }> {
  const registered = await register(eventId, registration(tierId, { quantity }));
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const paid = await pay(registered.body.order_id, registered.body.order_token);
  expect(paid.status, JSON.stringify(paid.body)).toBe(200);
  return { orderId: registered.body.order_id, tickets: paid.body.tickets };
}

async function addDevice(eventId: string, organizer: Caller, body: Record<string, unknown> = { name: "North gate" }) {
  const created = await call("POST", `/api/v1/events/${eventId}/devices`, body, organizer);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { device_id: string; device_token: string; enroll_url: string; checkin_list_id: string };
}

let nonces = 0;
const newNonce = () => `n${Date.now().toString(36)}${(nonces++).toString(36)}x${crypto.randomUUID().slice(0, 8)}`;

/** The raw answer text, to compare replays byte for byte. */
async function scanRaw(deviceToken: string, token: string, nonce = newNonce(), extra: Record<string, unknown> = {}) {
  const response = await fetchWorker("http://127.0.0.1/api/v1/checkin/scan", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${deviceToken}` },
    body: JSON.stringify({ token, nonce, ...extra }),
  });
  return { status: response.status, text: await response.text() };
}

async function scan(deviceToken: string, token: string, nonce = newNonce()) {
  const { status, text } = await scanRaw(deviceToken, token, nonce);
  expect(status, text).toBe(200);
  return JSON.parse(text);
}

function asDevice(deviceToken: string) {
  return { Authorization: `Bearer ${deviceToken}` };
}

async function logRows(eventId: string) {
  return db().select().from(schema.checkins).where(eq(schema.checkins.eventId, eventId));
}

describe("door: scanner devices", () => {
  it("an organizer adds, lists and revokes scanners; a revoked or unknown one cannot scan, another organizer sees none", async () => {
    const { organizer, eventId, tiers } = await eventAtTheDoor();
    const { tickets } = await buy(eventId, tiers[0]!.tier_id);
    const device = await addDevice(eventId, organizer.key);
    expect(device.enroll_url).toMatch(/\/scan#device_token=ao_dev_/);
    expect(device.enroll_url.endsWith(device.device_token)).toBe(true);

    expect((await scan(device.device_token, tickets[0]!.token)).valid).toBe(true);
    const listed = await call("GET", `/api/v1/events/${eventId}/devices`, undefined, organizer.key);
    expect(listed.status).toBe(200);
    expect(listed.body.devices).toHaveLength(1);
    expect(listed.body.devices[0]).toMatchObject({ device_id: device.device_id, name: "North gate", scans: 1, admitted: 1, rejected: 0, conflicts: 0, revoked_at: null, checkin_list_name: "Main entrance" });
    expect(listed.body.devices[0].last_seen_at).not.toBeNull();
    expect(listed.body.devices[0].device_token).toBe(device.device_token);

    const stranger = await eventAtTheDoor();
    expect((await call("GET", `/api/v1/events/${eventId}/devices`, undefined, stranger.organizer.key)).status).toBe(404);
    expect((await call("DELETE", `/api/v1/events/${eventId}/devices/${device.device_id}`, undefined, stranger.organizer.key)).status).toBe(404);

    const revoked = await call("DELETE", `/api/v1/events/${eventId}/devices/${device.device_id}`, undefined, organizer.key);
    expect(revoked.status).toBe(200);
    const again = await call("DELETE", `/api/v1/events/${eventId}/devices/${device.device_id}`, undefined, organizer.key);
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);

    const refused = await scanRaw(device.device_token, tickets[0]!.token);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text).error.code).toBe("DEVICE_REVOKED");
    expect((await call("GET", "/api/v1/checkin/bundle", undefined, {}, asDevice(device.device_token))).body.error.code).toBe("DEVICE_REVOKED");

    const forgedToken = device.device_token.slice(0, -3) + (device.device_token.endsWith("AAA") ? "BBB" : "AAA");
    const unknown = await scanRaw(forgedToken, tickets[0]!.token);
    expect(unknown.status).toBe(401);
    expect(JSON.parse(unknown.text).error.code).toBe("UNAUTHENTICATED");
    expect((await call("POST", "/api/v1/checkin/scan", { token: "x", nonce: newNonce() }, organizer.key)).status).toBe(401);
  });

  it("a draft has no scanners, and bad device input is a 400 naming the field", async () => {
    const { organizer, eventId } = await eventAtTheDoor();
    const bad = await call("POST", `/api/v1/events/${eventId}/devices`, { name: "" }, organizer.key);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("VALIDATION_FAILED");
    const foreignList = await call("POST", `/api/v1/events/${eventId}/devices`, { name: "Gate", checkin_list_id: crypto.randomUUID() }, organizer.key);
    expect(foreignList.status).toBe(400);
    expect(foreignList.body.details[0].field).toBe("checkin_list_id");
  });
});

describe("door: online scans", () => {
  it("admits once, answers a repeated nonce byte for byte, and refuses revoked, foreign, forged and early tickets with their reasons", async () => {
    const { organizer, eventId, tiers } = await eventAtTheDoor();
    const first = await buy(eventId, tiers[0]!.tier_id, 3);
    const device = await addDevice(eventId, organizer.key, { name: "Door A" });
    const other = await addDevice(eventId, organizer.key, { name: "Door B" });
    const [t1, t2, t3] = first.tickets as [Ticket, Ticket, Ticket];

    const nonce = newNonce();
    const admitted = await scanRaw(device.device_token, t1.token, nonce);
    const verdict = JSON.parse(admitted.text);
    expect(verdict).toMatchObject({ valid: true, already_used: false, ticket_id: t1.ticket_id, attendee_name: "Ada Buyer", tier: "GA", seat: null });
    expect(verdict.reason).toBeUndefined();
    const replay = await scanRaw(device.device_token, t1.token, nonce);
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(admitted.text);

    const rescan = await scan(other.device_token, t1.token);
    expect(rescan).toMatchObject({ valid: false, already_used: true, reason: "already_used", ticket_id: t1.ticket_id, first_device: { device_id: device.device_id, name: "Door A" } });
    expect(Date.parse(rescan.first_checked_in_at)).toBeGreaterThan(0);

    // Refunded (revoked) before anyone scanned it.
    const refunded = await call("POST", `/api/v1/orders/${first.orderId}/refund`, { ticket_ids: [t2.ticket_id] }, organizer.key);
    expect(refunded.status, JSON.stringify(refunded.body)).toBe(200);
    expect(await scan(device.device_token, t2.token)).toMatchObject({ valid: false, reason: "revoked", ticket_id: t2.ticket_id });

    // Forged: a flipped signature, a token of our own shape with nonsense, and not a token at all.
    const [header, payload, signature] = t3.token.split(".") as [string, string, string];
    const flipped = `${header}.${payload}.${signature[0] === "A" ? "B" : "A"}${signature.slice(1)}`;
    expect(await scan(device.device_token, flipped)).toMatchObject({ valid: false, reason: "bad_signature", ticket_id: null });
    expect(await scan(device.device_token, `${header}.${btoa('{"tid":"x"}').replace(/=+$/, "")}.${signature}`)).toMatchObject({ valid: false, reason: "bad_signature" });
    expect(await scan(device.device_token, "HELLO-NOT-A-TICKET")).toMatchObject({ valid: false, reason: "bad_signature" });
    // The real ticket still gets in after all that.
    expect((await scan(device.device_token, t3.token)).valid).toBe(true);

    // A real ticket of another event: signed, but not by this event's keys.
    const elsewhere = await eventAtTheDoor();
    const foreign = await buy(elsewhere.eventId, elsewhere.tiers[0]!.tier_id);
    expect(await scan(device.device_token, foreign.tickets[0]!.token)).toMatchObject({ valid: false, reason: "wrong_event" });

    // Doors open 6 hours before the start by default: a ticket for next month is not valid yet.
    const later = await eventAtTheDoor(24 * 30);
    const early = await buy(later.eventId, later.tiers[0]!.tier_id);
    const laterDevice = await addDevice(later.eventId, later.organizer.key);
    expect(await scan(laterDevice.device_token, early.tickets[0]!.token)).toMatchObject({ valid: false, reason: "not_yet_valid", ticket_id: early.tickets[0]!.ticket_id });
    const opened = await call("PATCH", `/api/v1/events/${later.eventId}`, { doors_open_minutes_before: 10_080 }, later.organizer.key);
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);

    const rows = await logRows(eventId);
    expect(rows.filter((r) => r.result === "admitted")).toHaveLength(2);
    expect(rows.filter((r) => r.result === "duplicate")).toHaveLength(1);
    expect(rows.filter((r) => r.result === "rejected").map((r) => r.reason).sort()).toEqual(["bad_signature", "bad_signature", "bad_signature", "revoked", "wrong_event"]);
    // The replayed nonce is one scan, not two.
    expect(rows.filter((r) => r.nonce === nonce)).toHaveLength(1);
  });

  it("admits a ticket once per check-in list: a second list admits it once more, a list for other tiers refuses it", async () => {
    const { organizer, eventId, tiers } = await eventAtTheDoor();
    const [ga, vip] = [tiers[0]!.tier_id, tiers[1]!.tier_id];
    const { tickets } = await buy(eventId, ga, 1);
    const gaTicket = tickets[0]!;
    const vipTicket = (await buy(eventId, vip, 1)).tickets[0]!;

    const workshop = await call("POST", `/api/v1/events/${eventId}/checkin-lists`, { name: "Workshop room" }, organizer.key);
    expect(workshop.status, JSON.stringify(workshop.body)).toBe(201);
    const lounge = await call("POST", `/api/v1/events/${eventId}/checkin-lists`, { name: "VIP lounge", tier_ids: [vip] }, organizer.key);
    expect(lounge.body).toMatchObject({ name: "VIP lounge", tier_ids: [vip], main: false });
    const badList = await call("POST", `/api/v1/events/${eventId}/checkin-lists`, { name: "Nope", tier_ids: [crypto.randomUUID()] }, organizer.key);
    expect(badList.status).toBe(400);

    const entrance = await addDevice(eventId, organizer.key, { name: "Entrance" });
    const room = await addDevice(eventId, organizer.key, { name: "Room", checkin_list_id: workshop.body.checkin_list_id });
    const loungeDoor = await addDevice(eventId, organizer.key, { name: "Lounge", checkin_list_id: lounge.body.checkin_list_id });

    expect((await scan(entrance.device_token, gaTicket.token)).valid).toBe(true);
    expect((await scan(entrance.device_token, gaTicket.token)).reason).toBe("already_used");
    const inRoom = await scan(room.device_token, gaTicket.token);
    expect(inRoom).toMatchObject({ valid: true, checkin_list: { checkin_list_id: workshop.body.checkin_list_id, name: "Workshop room" } });
    expect((await scan(room.device_token, gaTicket.token)).reason).toBe("already_used");
    expect(await scan(loungeDoor.device_token, gaTicket.token)).toMatchObject({ valid: false, reason: "wrong_list", attendee_name: "Ada Buyer" });
    expect((await scan(loungeDoor.device_token, vipTicket.token)).valid).toBe(true);

    const lists = await call("GET", `/api/v1/events/${eventId}/checkin-lists`, undefined, organizer.key);
    const counts = Object.fromEntries(lists.body.checkin_lists.map((l: { name: string; checked_in: number }) => [l.name, l.checked_in]));
    expect(counts).toEqual({ "Main entrance": 1, "Workshop room": 1, "VIP lounge": 1 });
    const stats = await call("GET", `/api/v1/events/${eventId}/stats`, undefined, organizer.key);
    expect(stats.body.checked_in).toBe(1);
    expect(stats.body.tiers.map((t: { checked_in: number }) => t.checked_in)).toEqual([1, 0]);
  });

  it("20 scanners scanning one ticket at once admit it exactly once; 200 tickets scanned at once are 200 admits and 200 log rows", async () => {
    const { organizer, eventId, tiers } = await eventAtTheDoor();
    const tierId = tiers[0]!.tier_id;
    const orders = await inBatches(Array.from({ length: 4 }, (_, i) => i), 2, () => buy(eventId, tierId, 50));
    const tickets = orders.flatMap((o) => o.tickets);
    expect(tickets).toHaveLength(200);
    const devices = await Promise.all(Array.from({ length: 4 }, (_, i) => addDevice(eventId, organizer.key, { name: `Gate ${i + 1}` })));

    const same = await Promise.all(Array.from({ length: 20 }, (_, i) => scan(devices[i % 4]!.device_token, tickets[0]!.token)));
    expect(same.filter((v) => v.valid)).toHaveLength(1);
    expect(same.filter((v) => v.reason === "already_used")).toHaveLength(19);

    const rest = tickets.slice(1);
    const verdicts = await Promise.all(rest.map((t, i) => scan(devices[i % 4]!.device_token, t.token)));
    expect(verdicts.filter((v) => v.valid)).toHaveLength(199);

    const rows = await logRows(eventId);
    expect(rows).toHaveLength(20 + 199);
    const admittedTickets = new Set(rows.filter((r) => r.result === "admitted").map((r) => r.ticketId));
    expect(admittedTickets.size).toBe(200);
    expect(rows.filter((r) => r.result === "admitted")).toHaveLength(200);
    const stats = await call("GET", `/api/v1/events/${eventId}/stats`, undefined, organizer.key);
    expect(stats.body.checked_in).toBe(200);
    expect(stats.body.gates.reduce((s: number, g: { admitted: number }) => s + g.admitted, 0)).toBe(200);
  }, 180_000);

  it("staff can undo a mistaken admit within seconds; the ticket then scans again, and the log keeps both", async () => {
    const { organizer, eventId, tiers } = await eventAtTheDoor();
    const ticket = (await buy(eventId, tiers[0]!.tier_id)).tickets[0]!;
    const device = await addDevice(eventId, organizer.key);
    const nonce = newNonce();
    expect((await scan(device.device_token, ticket.token, nonce)).valid).toBe(true);
    const undone = await call("POST", "/api/v1/checkin/undo", { nonce }, {}, asDevice(device.device_token));
    expect(undone.status, JSON.stringify(undone.body)).toBe(200);
    expect(undone.body).toEqual({ undone: true, ticket_id: ticket.ticket_id });
    expect((await call("POST", "/api/v1/checkin/undo", { nonce }, {}, asDevice(device.device_token))).status).toBe(200);
    expect((await call("GET", `/api/v1/events/${eventId}/stats`, undefined, organizer.key)).body.checked_in).toBe(0);
    expect((await scan(device.device_token, ticket.token)).valid).toBe(true);

    const notAnAdmit = await call("POST", "/api/v1/checkin/undo", { nonce: newNonce() }, {}, asDevice(device.device_token));
    expect(notAnAdmit.status).toBe(409);
    expect(notAnAdmit.body).toMatchObject({ error: { code: "UNDO_NOT_ALLOWED" }, reason: "not_admitted" });
    const rows = await logRows(eventId);
    expect(rows.map((r) => r.result).sort()).toEqual(["admitted", "admitted", "undone"]);
  });
});

describe("door: offline bundle and sync", () => {
  it("the bundle carries the event, keys, revocations and the device's list", async () => {
    const { organizer, eventId, tiers } = await eventAtTheDoor();
    const { orderId, tickets } = await buy(eventId, tiers[0]!.tier_id, 2);
    await call("POST", `/api/v1/orders/${orderId}/refund`, { ticket_ids: [tickets[0]!.ticket_id] }, organizer.key);
    const device = await addDevice(eventId, organizer.key);
    const bundle = await call("GET", "/api/v1/checkin/bundle", undefined, {}, asDevice(device.device_token));
    expect(bundle.status).toBe(200);
    expect(bundle.body.event).toMatchObject({ event_id: eventId });
    expect(Date.parse(bundle.body.event.doors_open_at)).toBe(Date.parse(bundle.body.event.starts_at) - 360 * 60_000);
    expect(bundle.body.keys.keys.length).toBeGreaterThan(0);
    expect(bundle.body.keys.keys[0]).not.toHaveProperty("d");
    expect(bundle.body.revocations).toEqual([tickets[0]!.ticket_id]);
    expect(bundle.body.checkin_list).toMatchObject({ name: "Main entrance", tier_ids: null, main: true });
    expect(bundle.body.tiers.map((t: { name: string }) => t.name)).toEqual(["GA", "VIP"]);
    const delta = await call("GET", `/api/v1/checkin/bundle?since=${encodeURIComponent(bundle.body.revocations_cursor)}`, undefined, {}, asDevice(device.device_token));
    expect(delta.body.revocations).toEqual([]);
  });

  it("sync records every offline scan in order: a ticket admitted elsewhere first is a conflict, a repeat in the upload is refused, a replayed upload answers the same", async () => {
    const { organizer, eventId, tiers } = await eventAtTheDoor();
    const tickets = (await buy(eventId, tiers[0]!.tier_id, 3)).tickets;
    const online = await addDevice(eventId, organizer.key, { name: "Online gate" });
    const offline = await addDevice(eventId, organizer.key, { name: "Offline gate" });
    expect((await scan(online.device_token, tickets[0]!.token)).valid).toBe(true);

    const at = new Date(Date.now() - 60_000).toISOString();
    const scans = [
      { token: tickets[0]!.token, nonce: newNonce(), scanned_at: at, offline_verdict: "admit" },
      { token: tickets[1]!.token, nonce: newNonce(), scanned_at: at, offline_verdict: "admit" },
      { token: tickets[1]!.token, nonce: newNonce(), scanned_at: at, offline_verdict: "reject" },
      { token: "forged.token.here", nonce: newNonce(), scanned_at: at, offline_verdict: "reject" },
      { token: tickets[2]!.token, nonce: newNonce(), scanned_at: at, offline_verdict: "admit" },
    ];
    const synced = await call("POST", "/api/v1/checkin/sync", { scans }, {}, asDevice(offline.device_token));
    expect(synced.status, JSON.stringify(synced.body)).toBe(200);
    const results = synced.body.results as { nonce: string; valid: boolean; already_used: boolean; reason?: string; conflict: boolean; first_device?: { name: string } }[];
    expect(results.map((r) => r.nonce)).toEqual(scans.map((s) => s.nonce));
    expect(results.map((r) => [r.valid, r.reason ?? null, r.conflict])).toEqual([
      [false, "already_used", true],
      [true, null, false],
      // The phone refused its own repeat: recorded as refused at the door, nothing to claim.
      [false, null, false],
      [false, "bad_signature", false],
      [true, null, false],
    ]);
    // A ticket the phone turned away offline is not let in after the fact.
    const turnedAway = (await buy(eventId, tiers[0]!.tier_id, 1)).tickets[0]!;
    const refusedSync = await call("POST", "/api/v1/checkin/sync", { scans: [{ token: turnedAway.token, nonce: newNonce(), scanned_at: at, offline_verdict: "reject" }] }, {}, asDevice(offline.device_token));
    expect(refusedSync.body.results[0]).toMatchObject({ valid: false, refused_offline: true, conflict: false });
    expect((await scan(online.device_token, turnedAway.token)).valid).toBe(true);
    expect(results[0]!.first_device?.name).toBe("Online gate");
    expect(results[2]).toMatchObject({ refused_offline: true });

    const again = await call("POST", "/api/v1/checkin/sync", { scans }, {}, asDevice(offline.device_token));
    expect(again.body).toEqual(synced.body);

    const rows = await logRows(eventId);
    expect(rows).toHaveLength(1 + scans.length + 2);
    expect(rows.filter((r) => r.conflict)).toHaveLength(1);
    expect(rows.filter((r) => r.offline)).toHaveLength(scans.length + 1);
    const devices = await call("GET", `/api/v1/events/${eventId}/devices`, undefined, organizer.key);
    expect(devices.body.devices.find((d: { name: string }) => d.name === "Offline gate")).toMatchObject({ conflicts: 1, admitted: 2, scans: 6 });

    const report = await call("GET", `/api/v1/events/${eventId}/reports/checkins?bucket=hour`, undefined, organizer.key);
    expect(report.status).toBe(200);
    expect(report.body.totals).toEqual({ admitted: 4, rejected: 4, conflicts: 1 });
    const csv = await fetchWorker(`http://127.0.0.1/api/v1/events/${eventId}/reports/attendees.csv`, { headers: { Authorization: `Bearer ${organizer.key.apiKey}` } });
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toContain("checked_in_at");
    expect(lines.slice(1).filter((l) => /\d{4}-\d\d-\d\dT/.test(l.split(",").at(-1) ?? ""))).toHaveLength(4);
  });

  it("rejects malformed scans and uploads with a 400 naming the field", async () => {
    const { organizer, eventId } = await eventAtTheDoor();
    const device = await addDevice(eventId, organizer.key);
    const headers = asDevice(device.device_token);
    expect((await call("POST", "/api/v1/checkin/scan", { token: "x", nonce: "short" }, {}, headers)).body.details[0].field).toBe("nonce");
    expect((await call("POST", "/api/v1/checkin/scan", { token: "x".repeat(5000), nonce: newNonce() }, {}, headers)).body.details[0].field).toBe("token");
    expect((await call("POST", "/api/v1/checkin/sync", { scans: [] }, {}, headers)).status).toBe(400);
    const badDate = await call("POST", "/api/v1/checkin/sync", { scans: [{ token: "x", nonce: newNonce(), scanned_at: "0000-01-01T00:00:00Z", offline_verdict: "admit" }] }, {}, headers);
    expect(badDate.status).toBe(400);
    const rows = await db().select().from(schema.checkins).where(and(eq(schema.checkins.eventId, eventId)));
    expect(rows).toHaveLength(0);
  });
});
