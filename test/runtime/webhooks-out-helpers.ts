/**
 * Webhook tests' shared steps: an endpoint pointed at the dev stack's webhook inbox, the inbox's
 * view of what arrived, and draining due deliveries at a chosen time (retries are scheduled hours
 * and days ahead; the tests move `now` instead of waiting).
 */
import { env } from "cloudflare:workers";
import { eq, inArray } from "drizzle-orm";
import { expect, inject } from "vitest";
import * as schema from "../../db/schema";
import { dueDeliveries } from "../../db/queries/webhook-deliveries";
import { deliverWebhooks } from "../../workers/webhooks-out/deliver";
import { verifySignature } from "../../workers/webhooks-out/signature";
import { db, uniqueName } from "./fixtures";
import { call, type Caller } from "./http";

export const ALL_TYPES = ["order.paid", "order.refunded", "event.cancelled", "checkin.created", "waitlist.offered"];

export async function inboxEndpoint(caller: Caller, events = ALL_TYPES) {
  const inbox = uniqueName("hook");
  const url = `${inject("stackUrls").mail}/webhooks/in/${inbox}`;
  const created = await call("POST", "/api/v1/webhook-endpoints", { url, events }, caller);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const secret = created.body.secret as string;
  await fetch(`${inject("stackUrls").mail}/webhooks/inboxes/${inbox}/secret`, { method: "PUT", body: JSON.stringify({ secret }) });
  return { inbox, url, secret, endpointId: created.body.endpoint_id as string };
}

export interface Received {
  event_id: string;
  event_type: string;
  body: string;
  signature: string;
  received_at: string;
  verdict: string;
}

/** What the inbox received, oldest first. */
export async function receivedBy(inbox: string): Promise<Received[]> {
  const response = await fetch(`${inject("stackUrls").mail}/webhooks/api/deliveries?inbox=${inbox}`);
  return ((await response.json()) as { data: Received[] }).data.reverse();
}

export async function setFault(inbox: string, mode: "error_500" | "hang" | "drop", times: number) {
  await fetch(`${inject("stackUrls").mail}/webhooks/inboxes/${inbox}/faults`, { method: "POST", body: JSON.stringify({ mode, times }) });
}

export async function clearFaults(inbox: string) {
  await fetch(`${inject("stackUrls").mail}/webhooks/inboxes/${inbox}/faults`, { method: "DELETE" });
}

/**
 * Attempts every delivery of these endpoints that is due at `now` (and what it unblocks), until
 * none is left due. The real Queue consumer may take some at the same time: each is taken by one.
 */
export async function drain(endpointIds: string[], now: Date): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const due = new Set(await dueDeliveries(db(), now, 1000));
    const mine = (await db().select({ id: schema.webhookDeliveries.id }).from(schema.webhookDeliveries).where(inArray(schema.webhookDeliveries.endpointId, endpointIds)))
      .map((r) => r.id)
      .filter((id) => due.has(id));
    if (mine.length === 0) return;
    await deliverWebhooks(env, db(), mine, now);
  }
  throw new Error("deliveries kept coming due");
}

/** Deliveries of an endpoint, with their event's type and resource. */
export async function deliveriesOf(endpointId: string) {
  return db()
    .select({ delivery: schema.webhookDeliveries, type: schema.webhookEvents.type })
    .from(schema.webhookDeliveries)
    .innerJoin(schema.webhookEvents, eq(schema.webhookEvents.id, schema.webhookDeliveries.eventId))
    .where(eq(schema.webhookDeliveries.endpointId, endpointId));
}

/** Waits (by polling the ledger, not the clock) until no delivery of the endpoint is in flight. */
export async function settled(endpointIds: string[], now: Date): Promise<void> {
  for (let round = 0; round < 200; round++) {
    await drain(endpointIds, now);
    const rows = await db().select().from(schema.webhookDeliveries).where(inArray(schema.webhookDeliveries.endpointId, endpointIds));
    const inFlight = rows.filter((r) => r.status === "pending" && r.leasedUntil && r.leasedUntil > now);
    // Due and first in its line (one waiting behind an earlier delivery is not due yet).
    const headsDue = new Set(await dueDeliveries(db(), now, 1000));
    if (inFlight.length === 0 && !rows.some((r) => headsDue.has(r.id))) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("deliveries still in flight");
}

export async function verified(delivery: Received, secret: string): Promise<boolean> {
  return (await verifySignature(secret, delivery.body, delivery.signature, Math.floor(Date.parse(delivery.received_at) / 1000))).ok;
}
