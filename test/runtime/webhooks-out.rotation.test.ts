/**
 * Rotating an endpoint's signing secret, as Stripe rolls one: the new secret is shown once; for the
 * grace (a day by default, 0 to 7 days asked) deliveries carry a `v1=` for the new and the old
 * secret, so a receiver verifying with either accepts them; after it only the new one signs. Time is
 * the delivery attempt's `now` (the tests move it; nothing waits for the clock), and a receiver
 * failing with 500s keeps the Queue's own attempt (at the real time) from delivering first.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { decryptEndpointSecret } from "../../workers/webhooks-out/endpoint-secret";
import { db } from "./fixtures";
import { call, signUp, type Caller } from "./http";
import { pay, publishedEvent, register, registration } from "./purchase-helpers";
import { clearFaults, inboxEndpoint, receivedBy, setFault, settled, verified, type Received } from "./webhooks-out-helpers";

const HOUR = 3_600_000;

function rotate(endpointId: string, caller: Caller, body?: unknown, headers: Record<string, string> = {}) {
  return call("POST", `/api/v1/webhook-endpoints/${endpointId}/rotate-secret`, body, caller, headers);
}

const signatures = (delivery: Received) => delivery.signature.split(",").filter((p) => p.startsWith("v1="));

/** Waits until the inbox has received `count` deliveries (polling the inbox, not the clock). */
async function received(inbox: string, count: number): Promise<Received[]> {
  for (let round = 0; round < 400; round++) {
    const got = await receivedBy(inbox);
    if (got.length >= count) return got;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the inbox has not received ${count} deliveries`);
}

describe("rotating a webhook endpoint's secret", () => {
  it("signs with the old and the new secret through the grace, then with the new one only", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 1500, capacity: 10 }]);
    const hook = await inboxEndpoint(organizer.key, ["order.paid", "order.refunded"]);
    const before = Date.now();
    const rotated = await rotate(hook.endpointId, organizer.key);
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.headers.get("Cache-Control")).toBe("no-store");
    const fresh = rotated.body.secret as string;
    expect(fresh).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(fresh).not.toBe(hook.secret);
    const graceEnd = Date.parse(rotated.body.previous_secret_expires_at);
    expect(graceEnd).toBeGreaterThanOrEqual(before + 24 * HOUR);
    expect(graceEnd).toBeLessThanOrEqual(Date.now() + 24 * HOUR);
    // Shown once: the endpoint tells when the old secret stops, never either secret.
    const shown = await call("GET", `/api/v1/webhook-endpoints/${hook.endpointId}`, undefined, organizer.key);
    expect(shown.body.previous_secret_expires_at).toBe(rotated.body.previous_secret_expires_at);
    expect(JSON.stringify(shown.body)).not.toContain(fresh);
    const audit = await call("GET", "/api/v1/organizations/current/audit-log", undefined, organizer.key);
    expect(audit.body.entries).toContainEqual(expect.objectContaining({ action: "webhook_endpoint.secret_rotated" }));
    expect(JSON.stringify(audit.body)).not.toContain(fresh);

    // In the grace: both signatures; a receiver with either secret accepts.
    const registered = await register(eventId, registration(tiers[0]!.tier_id));
    expect((await pay(registered.body.order_id, registered.body.order_token)).status).toBe(200);
    await settled([hook.endpointId], new Date());
    const [paid] = await received(hook.inbox, 1);
    expect(signatures(paid!)).toHaveLength(2);
    expect(await verified(paid!, hook.secret)).toBe(true);
    expect(await verified(paid!, fresh)).toBe(true);
    expect(await verified(paid!, "whsec_someone_elses")).toBe(false);

    // After the grace: the refund's delivery, first failing (so no attempt at the real time delivers
    // it), then attempted an hour past the grace's end.
    await setFault(hook.inbox, "error_500", 10_000);
    expect((await call("POST", `/api/v1/orders/${registered.body.order_id}/refund`, {}, organizer.key)).status).toBe(200);
    await settled([hook.endpointId], new Date());
    await clearFaults(hook.inbox);
    await settled([hook.endpointId], new Date(graceEnd + HOUR));
    const [, refunded] = await received(hook.inbox, 2);
    expect(JSON.parse(refunded!.body).type).toBe("order.refunded");
    expect(signatures(refunded!)).toHaveLength(1);
    expect(await verified(refunded!, fresh)).toBe(true);
    expect(await verified(refunded!, hook.secret)).toBe(false);
    expect((await call("GET", `/api/v1/webhook-endpoints/${hook.endpointId}`, undefined, organizer.key)).body.previous_secret_expires_at).not.toBeNull();
  });

  it("takes a grace from 0 (the old secret stops at once) to 7 days; a second rotation drops the secret before the last", async () => {
    const { organizer, eventId, tiers } = await publishedEvent([{ name: "GA", price: 1500, capacity: 10 }]);
    const hook = await inboxEndpoint(organizer.key, ["order.paid"]);
    const week = await rotate(hook.endpointId, organizer.key, { expires_in_seconds: 7 * 24 * 3600 });
    expect(week.status, JSON.stringify(week.body)).toBe(200);
    expect(Date.parse(week.body.previous_secret_expires_at)).toBeGreaterThan(Date.now() + 7 * 24 * HOUR - 60_000);
    const now = await rotate(hook.endpointId, organizer.key, { expires_in_seconds: 0 }, {});
    expect(now.status, JSON.stringify(now.body)).toBe(200);
    expect((await call("GET", `/api/v1/webhook-endpoints/${hook.endpointId}`, undefined, organizer.key)).body.previous_secret_expires_at).toBeNull();

    const registered = await register(eventId, registration(tiers[0]!.tier_id));
    expect((await pay(registered.body.order_id, registered.body.order_token)).status).toBe(200);
    await settled([hook.endpointId], new Date());
    const [paid] = await received(hook.inbox, 1);
    expect(signatures(paid!)).toHaveLength(1);
    expect(await verified(paid!, now.body.secret)).toBe(true);
    expect(await verified(paid!, week.body.secret)).toBe(false);
    expect(await verified(paid!, hook.secret)).toBe(false);
  });

  it("refuses bad input, other organizations and deleted endpoints; concurrent rotations leave one secret that was handed out", async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const { endpointId } = await inboxEndpoint(owner.key, ["order.paid"]);
    const bad = async (body: unknown, field: string) => {
      const answer = await rotate(endpointId, owner.key, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe("VALIDATION_FAILED");
      expect(answer.body.details.map((d: { field: string }) => d.field)).toContain(field);
    };
    await bad({ expires_in_seconds: -1 }, "expires_in_seconds");
    await bad({ expires_in_seconds: 7 * 24 * 3600 + 1 }, "expires_in_seconds");
    await bad({ expires_in_seconds: 1.5 }, "expires_in_seconds");
    await bad({ expires_in_seconds: "3600" }, "expires_in_seconds");
    await bad({ expires_in_seconds: 1e300 }, "expires_in_seconds");
    await bad({ secret: "whsec_mine" }, "secret");
    await bad("[1,", "body");
    expect((await rotate(endpointId, owner.key, "expires_in_seconds=5", { "Content-Type": "text/plain" })).body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect((await rotate("not-a-uuid", owner.key, {})).status).toBe(400);
    expect((await rotate(endpointId, stranger.key, {})).status).toBe(404);
    expect((await rotate(crypto.randomUUID(), owner.key, {})).status).toBe(404);
    expect((await rotate(endpointId, {}, {})).status).toBe(401);
    // A cookie write without the session's CSRF token changes nothing.
    expect((await rotate(endpointId, { cookie: owner.session.cookie }, {})).status).toBe(403);

    // Four at once: each answer is a new secret or 409 CONFLICT, and the endpoint ends with one of them.
    const answers = await Promise.all(Array.from({ length: 4 }, () => rotate(endpointId, owner.key)));
    expect(answers.filter((a) => a.status !== 200 && !(a.status === 409 && a.body.error.code === "CONFLICT")).map((a) => [a.status, a.body])).toEqual([]);
    const handedOut = answers.filter((a) => a.status === 200).map((a) => a.body.secret as string);
    expect(handedOut.length).toBeGreaterThanOrEqual(1);
    const [row] = await db().select().from(schema.webhookEndpoints).where(eq(schema.webhookEndpoints.id, endpointId));
    expect(handedOut).toContain(await decryptEndpointSecret(env.SIGNING_MASTER_KEY, endpointId, row!.secretCiphertext));

    expect((await call("DELETE", `/api/v1/webhook-endpoints/${endpointId}`, undefined, owner.key)).status).toBe(200);
    expect((await rotate(endpointId, owner.key)).status).toBe(404);
  });
});
