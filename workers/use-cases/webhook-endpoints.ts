/**
 * An organization's webhook endpoints: register one (its secret is shown this once), list them,
 * delete one, rotate its secret (the new one shown this once), read its delivery log and re-send a
 * delivery by hand.
 */
import type { HttpDatabase } from "../../db/client";
import { findDeliveryOfEndpoint, rearmDelivery } from "../../db/queries/webhook-deliveries";
import { MAX_ENDPOINTS_PER_ORGANIZATION, countLiveEndpoints, findEndpoint, insertEndpoint, rotateEndpointSecret, type EndpointRow } from "../../db/queries/webhook-endpoints";
import { isLocal } from "../config";
import { checkEndpointUrl } from "../domain/webhook-url";
import { graceEndsAt, graceShown } from "../domain/webhook-secret-rotation";
import type { WebhookEventType } from "../domain/webhook-delivery";
import { ApiError, validationFailed } from "../errors";
import { encryptEndpointSecret, newEndpointSecret } from "../webhooks-out/endpoint-secret";
import { dispatchMessage } from "../webhooks-out/sweep";

export interface NewEndpoint {
  url: string;
  events: WebhookEventType[];
  description?: string;
}

export function presentEndpoint(row: EndpointRow, counts?: { pending: number; failed: number; succeeded: number }, now = Date.now()) {
  return {
    endpoint_id: row.id,
    url: row.url,
    events: row.eventTypes,
    description: row.description,
    created_at: row.createdAt.toISOString(),
    /** While a rotated-out secret still signs deliveries beside the current one: until when. */
    previous_secret_expires_at: graceShown(row.previousSecretExpiresAt, now)?.toISOString() ?? null,
    ...(counts ? { deliveries: counts } : {}),
  };
}

export async function registerEndpoint(env: Env, db: HttpDatabase, organizationId: string, createdBy: string, input: NewEndpoint) {
  const verdict = checkEndpointUrl(input.url, isLocal(env));
  if (!verdict.ok) throw validationFailed([{ field: "url", message: verdict.message }], `This endpoint URL is not allowed: ${verdict.message}`);
  if ((await countLiveEndpoints(db, organizationId)) >= MAX_ENDPOINTS_PER_ORGANIZATION) {
    throw new ApiError("CONFLICT", `An organization has at most ${MAX_ENDPOINTS_PER_ORGANIZATION} webhook endpoints. Delete one first.`);
  }
  const id = crypto.randomUUID();
  const secret = newEndpointSecret();
  const row = await insertEndpoint(db, {
    id,
    organizationId,
    url: verdict.url,
    eventTypes: [...new Set(input.events)],
    description: input.description ?? "",
    secretCiphertext: await encryptEndpointSecret(env.SIGNING_MASTER_KEY, id, secret),
    createdBy,
  });
  return { ...presentEndpoint(row), secret };
}

/**
 * Rotates the endpoint's secret: a new one signs from now on, shown this once; the old one signs
 * too until the grace ends (`expiresInSeconds`, default a day). 404 for another organization's or a
 * deleted endpoint; 409 when another rotation of it won the race.
 */
export async function rotateSecret(env: Env, db: HttpDatabase, organizationId: string, endpointId: string, expiresInSeconds: number | undefined, now: Date) {
  const endpoint = await findEndpoint(db, organizationId, endpointId);
  if (!endpoint) throw new ApiError("NOT_FOUND", "Your organization has no webhook endpoint with this id.");
  const secret = newEndpointSecret();
  const rotated = await rotateEndpointSecret(db, organizationId, endpoint.id, {
    expected: endpoint.secretCiphertext,
    next: await encryptEndpointSecret(env.SIGNING_MASTER_KEY, endpoint.id, secret),
    previousExpiresAt: new Date(graceEndsAt(now.getTime(), expiresInSeconds)),
  });
  if (!rotated) {
    if (!(await findEndpoint(db, organizationId, endpoint.id))) throw new ApiError("NOT_FOUND", "Your organization has no webhook endpoint with this id.");
    throw new ApiError("CONFLICT", "This endpoint's secret was rotated by another request just now; look at the endpoint and rotate again if you still need to.");
  }
  return { ...presentEndpoint(rotated, undefined, now.getTime()), secret, previous_secret_expires_at: rotated.previousSecretExpiresAt!.toISOString() };
}

/** A re-send by hand: one attempt now, from the Queue, logged as manual; 404 for another's delivery. */
export async function resendDelivery(env: Env, db: HttpDatabase, endpointId: string, deliveryId: string, now: Date) {
  const delivery = await findDeliveryOfEndpoint(db, endpointId, deliveryId);
  if (!delivery) throw new ApiError("NOT_FOUND", "This endpoint has no delivery with this id.");
  if (delivery.status === "pending" && delivery.leasedUntil && delivery.leasedUntil > now) {
    throw new ApiError("CONFLICT", "This delivery is being attempted right now; look at its log in a few seconds.");
  }
  await rearmDelivery(db, delivery.id, now);
  await env.EVENTS_QUEUE.send(dispatchMessage([delivery.id], `webhook-resend:${delivery.id}:${now.getTime()}`, true), { contentType: "json" });
  return { delivery_id: delivery.id, status: "pending" as const, resend_requested_at: now.toISOString() };
}
