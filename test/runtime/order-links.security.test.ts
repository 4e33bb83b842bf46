/**
 * Order links (order tokens) in workerd: they name the master key they were made with, open their
 * order while that key is configured (current, or previous during a rotation) and not once it is
 * gone, and stop opening it 30 days after the event ends.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { isOrderToken, orderToken, orderTokenKeyId } from "../../workers/auth/order-tokens";
import { db } from "./fixtures";
import { call } from "./http";
import { getOrder, pay, publishedEvent, register, registration } from "./purchase-helpers";

const DAY = 86_400_000;
const previousKey = () => (env as unknown as { SIGNING_MASTER_KEY_PREVIOUS: string }).SIGNING_MASTER_KEY_PREVIOUS;
const randomMasterKey = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

async function pendingOrder() {
  const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 1500, capacity: 5 }]);
  const registered = await register(eventId, registration(tiers[0]!.tier_id));
  expect(registered.status).toBe(201);
  return { eventId, orderId: registered.body.order_id as string, token: registered.body.order_token as string };
}

describe("order links name their key", () => {
  it("are issued under the current key, with its id", async () => {
    const { orderId, token } = await pendingOrder();
    expect(token).toBe(`ot_${await orderTokenKeyId(env.SIGNING_MASTER_KEY)}.${token.split(".")[1]}`);
    expect(token).toBe(await orderToken(env.SIGNING_MASTER_KEY, orderId));
  });

  it("a link of the rotated-out key opens its order while that key is configured as the previous one, and not after", async () => {
    const { orderId } = await pendingOrder();
    const oldLink = await orderToken(previousKey(), orderId);
    expect(oldLink.startsWith(`ot_${await orderTokenKeyId(previousKey())}.`)).toBe(true);
    // Configured here (the runtime Worker runs mid-rotation): the old link still opens the order.
    const open = await getOrder(orderId, oldLink);
    expect(open.status).toBe(200);
    expect(open.body.order_id).toBe(orderId);

    // Once the previous key is removed, the same link opens nothing.
    const current = env.SIGNING_MASTER_KEY;
    expect(await isOrderToken([current, previousKey()], orderId, oldLink)).toBe(true);
    expect(await isOrderToken([current], orderId, oldLink)).toBe(false);
    // A key that is no longer configured at all (rotated out two rotations ago): refused over HTTP.
    const gone = await getOrder(orderId, await orderToken(randomMasterKey(), orderId));
    expect(gone.status).toBe(401);
    expect(gone.body.error.code).toBe("UNAUTHENTICATED");
  });

  it("a link that names one key but was signed with another, or opens another order, is refused", async () => {
    const { orderId } = await pendingOrder();
    const other = await pendingOrder();
    const signature = (await orderToken(previousKey(), orderId)).split(".")[1];
    const relabelled = `ot_${await orderTokenKeyId(env.SIGNING_MASTER_KEY)}.${signature}`;
    expect((await getOrder(orderId, relabelled)).status).toBe(401);
    expect((await getOrder(orderId, other.token)).status).toBe(401);
  });

  it("links issued before key ids (ot_<signature>) still open their order under a configured key", async () => {
    const { orderId, token } = await pendingOrder();
    const legacy = `ot_${token.split(".")[1]}`;
    expect((await getOrder(orderId, legacy)).status).toBe(200);
  });
});

describe("order links end", () => {
  it("30 days after the event ends: 401 UNAUTHENTICATED saying the link expired, for reading, paying and refunding", async () => {
    const { eventId, orderId, token } = await pendingOrder();
    expect((await getOrder(orderId, token)).status).toBe(200);

    const endsAt = new Date(Date.now() - 30 * DAY - 60_000);
    await db().update(schema.events).set({ startsAt: new Date(endsAt.getTime() - 3 * 3_600_000), endsAt }).where(eq(schema.events.id, eventId));

    const read = await getOrder(orderId, token);
    expect(read.status).toBe(401);
    expect(read.body.error.code).toBe("UNAUTHENTICATED");
    expect(read.body.error.message).toMatch(/expired/);
    expect((await pay(orderId, token)).status).toBe(401);
    const refund = await call("POST", `/api/v1/orders/${orderId}/refund`, {}, {}, { Authorization: `Bearer ${token}` });
    expect(refund.status).toBe(401);
    expect(refund.body.error.message).toMatch(/expired/);
  });

  it("still opens the order until then", async () => {
    const { eventId, orderId, token } = await pendingOrder();
    const endsAt = new Date(Date.now() - 29 * DAY);
    await db().update(schema.events).set({ startsAt: new Date(endsAt.getTime() - 3 * 3_600_000), endsAt }).where(eq(schema.events.id, eventId));
    expect((await getOrder(orderId, token)).status).toBe(200);
  });
});
