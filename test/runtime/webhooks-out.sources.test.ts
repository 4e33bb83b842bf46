/**
 * The other two sources of webhook events: an admitting scan (`checkin.created`, one per scan
 * however often the phone retries it; a refused or repeated scan tells nothing) and a waitlist
 * offer (`waitlist.offered`, one per offer however often its Queue notice is delivered).
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import entry from "../../workers/index";
import { uniqueName } from "./fixtures";
import { call, fetchWorker } from "./http";
import { pay, publishedEvent, register, registration } from "./purchase-helpers";
import { deliveriesOf, inboxEndpoint, receivedBy, settled, verified } from "./webhooks-out-helpers";

const HOUR = 3_600_000;

async function scan(deviceToken: string, token: string, nonce: string) {
  const response = await fetchWorker("http://127.0.0.1/api/v1/checkin/scan", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${deviceToken}` },
    body: JSON.stringify({ token, nonce }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { valid: boolean };
}

describe("webhook sources", () => {
  it("an admitting scan is one checkin.created, however often it is sent; a repeat admission is none", async () => {
    const startsAt = new Date(Date.now() + HOUR);
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 5 }], {
      starts_at: startsAt.toISOString(),
      ends_at: new Date(startsAt.getTime() + 4 * HOUR).toISOString(),
      refund_policy: { schedule: [] },
    });
    const hook = await inboxEndpoint(organizer.key, ["checkin.created"]);
    const registered = await register(eventId, registration(tiers[0]!.tier_id));
    const paid = await pay(registered.body.order_id, registered.body.order_token);
    const ticket = paid.body.tickets[0] as { ticket_id: string; token: string };
    const device = await call("POST", `/api/v1/events/${eventId}/devices`, { name: "Gate" }, organizer.key);
    expect(device.status).toBe(201);
    const nonce = uniqueName("n");
    expect((await scan(device.body.device_token, ticket.token, nonce)).valid).toBe(true);
    expect((await scan(device.body.device_token, ticket.token, nonce)).valid).toBe(true); // the phone's retry
    expect((await scan(device.body.device_token, ticket.token, uniqueName("n"))).valid).toBe(false); // already used
    await settled([hook.endpointId], new Date());
    const got = await receivedBy(hook.inbox);
    expect(got).toHaveLength(1);
    expect(await verified(got[0]!, hook.secret)).toBe(true);
    expect(JSON.parse(got[0]!.body)).toMatchObject({ type: "checkin.created", data: { event_id: eventId, ticket_id: ticket.ticket_id, device_id: device.body.device_id, offline: false } });
  });

  it("a waitlist offer is one waitlist.offered, however often its notice is delivered", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 2000, capacity: 1, max_per_order: 2 }], { waitlist: { enabled: true, offer_minutes: 30 } });
    const tierId = tiers[0]!.tier_id;
    const hook = await inboxEndpoint(organizer.key, ["waitlist.offered"]);
    const joined = await call("POST", `/api/v1/events/${eventId}/waitlist`, { tier_id: tierId, quantity: 1, attendee: { email: `${uniqueName("w")}@example.test`, name: "Wai Ting" } });
    expect(joined.status).toBe(201);
    const notice = {
      type: "waitlist.offered",
      notice_seq: 77,
      event_id: eventId,
      tier_id: tierId,
      entry_id: joined.body.entry_id,
      hold_id: `offer_${joined.body.entry_id}`,
      quantity: 1,
      seats: [],
      offer_expires_at: new Date(Date.now() + 1_800_000).toISOString(),
    };
    for (const copies of [2, 1]) {
      const batch = createMessageBatch("admit-one-events", Array.from({ length: copies }, (_, i) => ({ id: uniqueName(`m${i}`), timestamp: new Date(), attempts: 1, body: notice })));
      const ctx = createExecutionContext();
      await entry.queue(batch, env, ctx);
      expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([]);
    }
    await settled([hook.endpointId], new Date());
    expect(await deliveriesOf(hook.endpointId)).toHaveLength(1);
    const got = await receivedBy(hook.inbox);
    expect(got.map((d) => JSON.parse(d.body))).toEqual([
      expect.objectContaining({ type: "waitlist.offered", data: expect.objectContaining({ entry_id: joined.body.entry_id, tier_id: tierId, quantity: 1 }) }),
    ]);
  });
});
