/**
 * The organizer's live socket in workerd: refused before the upgrade unless the event's organizer
 * asks; a snapshot on connect; a purchase, a refund, an admission from the waiting room and a scan
 * at the door each reach a connected dashboard as a `stats` message with the right numbers; a
 * reconnect starts from a fresh snapshot. Messages are awaited by content, never by sleeping.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { EventLive } from "../../durable-objects/event-live";
import { call, fetchWorker, signUp, type Caller } from "./http";
import { pay, publishedEvent, register, registration } from "./purchase-helpers";

const HOUR = 3_600_000;

interface LiveSocket {
  messages: any[];
  /** The first message (already received or still to come) that satisfies `matches`. */
  next(matches: (message: any) => boolean, what: string): Promise<any>;
  close(): void;
}

async function openLive(eventId: string, headers: Record<string, string>): Promise<LiveSocket> {
  const response = await fetchWorker(`http://127.0.0.1/api/v1/events/${eventId}/live`, { headers: { Upgrade: "websocket", ...headers } });
  if (response.status !== 101) throw new Error(`no upgrade: ${response.status} ${await response.text()}`);
  const socket = response.webSocket!;
  socket.accept();
  const messages: any[] = [];
  const waiters: { matches: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data as string);
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.matches(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  return {
    messages,
    next(matches, what) {
      const seen = messages.find(matches);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no live message with ${what} in 20 s; last: ${JSON.stringify(messages.at(-1))}`)), 20_000);
        waiters.push({ matches, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    close: () => socket.close(1000, "done"),
  };
}

const withKey = (caller: Caller) => ({ Authorization: `Bearer ${caller.apiKey}` });

describe("the live dashboard socket", () => {
  it("refuses anyone but the event's organizer before the upgrade", async () => {
    const { organizer, eventId } = await publishedEvent([{ name: "GA", price: 1000, capacity: 10 }]);
    const stranger = await signUp();
    const attempt = (headers: Record<string, string>) => fetchWorker(`http://127.0.0.1/api/v1/events/${eventId}/live`, { headers: { Upgrade: "websocket", ...headers } });

    const anonymous = await attempt({});
    expect(anonymous.status).toBe(401);
    expect(anonymous.webSocket).toBeNull();
    const other = await attempt(withKey(stranger.key));
    expect(other.status).toBe(404);
    expect(other.webSocket).toBeNull();
    const crossSite = await attempt({ Cookie: organizer.session.cookie!, Origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
    expect(crossSite.webSocket).toBeNull();
    const notAnUpgrade = await fetchWorker(`http://127.0.0.1/api/v1/events/${eventId}/live`, { headers: withKey(organizer.key) });
    expect(notAnUpgrade.status).toBe(426);
    expect((await notAnUpgrade.json<any>()).error.code).toBe("UPGRADE_REQUIRED");
    // The organizer's own browser session (same origin) gets in.
    const own = await openLive(eventId, { Cookie: organizer.session.cookie!, Origin: "http://127.0.0.1" });
    expect((await own.next((m) => m.type === "stats", "a first snapshot")).event_id).toBe(eventId);
    own.close();
  });

  it("pushes a purchase, a refund and a scan with the right numbers, and a reconnect starts from a snapshot", async () => {
    const startsAt = new Date(Date.now() + 2 * HOUR);
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 2500, capacity: 50, max_per_order: 4 }], {
      starts_at: startsAt.toISOString(),
      ends_at: new Date(startsAt.getTime() + 4 * HOUR).toISOString(),
      refund_policy: { schedule: [] },
    });
    const tierId = tiers[0]!.tier_id;
    const live = await openLive(eventId, withKey(organizer.key));
    const first = await live.next((m) => m.type === "stats", "a first snapshot");
    expect(first).toMatchObject({ type: "stats", revenue: 0, refunded: 0, checked_in: 0, tiers: [{ tier_id: tierId, sold: 0, held: 0, available: 50 }] });
    expect(first.rates).toEqual({ orders_per_minute: 0, admitted_per_minute: 0, scans_per_minute: 0 });
    expect(first.gates).toEqual([]);
    expect(first.reconciliation).toEqual({ ok: true, findings: [] });

    const registered = await register(eventId, registration(tierId, { quantity: 3 }));
    expect(registered.status).toBe(201);
    await live.next((m) => m.tiers[0].held === 3, "3 held");
    const paid = await pay(registered.body.order_id, registered.body.order_token);
    expect(paid.status).toBe(200);
    const sold = await live.next((m) => m.tiers[0].sold === 3, "3 sold");
    expect(sold).toMatchObject({ revenue: 7500, tiers: [{ sold: 3, held: 0, available: 47, revenue: 7500 }] });
    expect(sold.rates.orders_per_minute).toBe(1);
    expect(sold.seq).toBeGreaterThan(first.seq);

    const ticketIds = paid.body.tickets.map((t: { ticket_id: string }) => t.ticket_id);
    const refunded = await call("POST", `/api/v1/orders/${registered.body.order_id}/refund`, { ticket_ids: [ticketIds[0]] }, organizer.key);
    expect(refunded.status, JSON.stringify(refunded.body)).toBe(200);
    const afterRefund = await live.next((m) => m.refunded === 2500, "2500 refunded");
    expect(afterRefund.tiers[0]).toMatchObject({ sold: 2, available: 48 });

    const device = await call("POST", `/api/v1/events/${eventId}/devices`, { name: "Gate 1" }, organizer.key);
    const scanned = await call("POST", "/api/v1/checkin/scan", { token: paid.body.tickets[1].token, nonce: `live-${crypto.randomUUID()}` }, {}, { Authorization: `Bearer ${device.body.device_token}` });
    expect(scanned.body.valid).toBe(true);
    const atTheDoor = await live.next((m) => m.checked_in === 1, "1 checked in");
    expect(atTheDoor.gates).toEqual([{ device_id: device.body.device_id, name: "Gate 1", scans: 1, admitted: 1, conflicts: 0, scans_per_minute: 1 }]);
    expect(atTheDoor.rates.scans_per_minute).toBe(1);
    // Every message is a whole snapshot, numbered in order.
    const seqs = live.messages.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    live.close();

    const again = await openLive(eventId, withKey(organizer.key));
    const snapshot = await again.next((m) => m.type === "stats", "a snapshot on reconnect");
    expect(snapshot).toMatchObject({ revenue: 7500, refunded: 2500, checked_in: 1, tiers: [{ sold: 2 }] });
    expect(snapshot.seq).toBeGreaterThan(atTheDoor.seq);
    again.close();
  });

  it("schedules no push while no dashboard is open, and the next dashboard's snapshot has what happened meanwhile", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 10 }]);
    const registered = await register(eventId, registration(tiers[0]!.tier_id, { quantity: 2 }));
    expect(registered.status).toBe(201);
    const stub = (env.EVENT_LIVE as unknown as DurableObjectNamespace<EventLive>).getByName(eventId);
    await runInDurableObject(stub, async (instance: EventLive, state) => {
      // A push just went out, so one scheduled now would wait PUSH_INTERVAL_MS: an alarm would still be set below.
      (instance as unknown as { lastPushAt: number }).lastPushAt = Date.now();
      await instance.changed(eventId);
      expect(await state.storage.getAlarm()).toBeNull();
    });
    const live = await openLive(eventId, withKey(organizer.key));
    const snapshot = await live.next((m) => m.type === "stats", "a first snapshot");
    expect(snapshot.tiers[0]).toMatchObject({ held: 2, available: 8 });
    live.close();
  });

  it("pushes an admission from the waiting room", async () => {
    const { organizer, eventId } = await publishedEvent([{ name: "GA", price: 1000, capacity: 100 }], {
      sales_start_at: new Date(Date.now() - 60_000).toISOString(),
      waiting_room: { enabled: true, opens_minutes_before: 120, admit_per_minute: 600, max_active_shoppers: 1000, session_minutes: 10 },
    });
    const live = await openLive(eventId, withKey(organizer.key));
    await live.next((m) => m.type === "stats", "a first snapshot");
    const joined = await call("POST", `/api/v1/events/${eventId}/queue`, {}, {}, { "CF-Connecting-IP": "203.0.113.77" });
    expect(joined.status).toBe(201);
    await expect
      .poll(async () => (await call("GET", `/api/v1/events/${eventId}/queue/status`, undefined, {}, { Authorization: `Bearer ${joined.body.queue_token}` })).body.state, { timeout: 15_000, interval: 250 })
      .toBe("admitted");
    const admitted = await live.next((m) => m.queue.admitted === 1, "1 admitted");
    expect(admitted.rates.admitted_per_minute).toBe(1);
    live.close();
  });
});
