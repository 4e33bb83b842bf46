/**
 * Sending webhook deliveries, from the Queue consumer only: a purchase, a refund or a scan records
 * its event and returns; nothing here runs inside a request, so a receiver that is slow or down
 * never slows one.
 *
 * One attempt: take the delivery (claimDelivery: due, not in flight, first in its resource's line),
 * sign the body with the endpoint's secret, POST it with a timeout and no redirects, and log the
 * answer. A 2xx delivers it; anything else schedules the next attempt by the back-off rule, or gives
 * it up after 3 days. When a delivery ends (either way) the next one waiting behind it for the same
 * endpoint and resource is attempted straight after, so a recovered receiver catches up in order.
 * At-least-once: a crash after the POST but before the log leaves the delivery pending, and its
 * lease runs out, so it is sent again with the same event id for the receiver to dedupe.
 */
import type { HttpDatabase } from "../../db/client";
import { claimDelivery, recordAttempt, type ClaimedDelivery } from "../../db/queries/webhook-deliveries";
import { isDelivered, nextAttemptAt, responseExcerpt, RESPONSE_EXCERPT_CHARS, spreadSeedOf } from "../domain/webhook-delivery";
import { checkEndpointUrl } from "../domain/webhook-url";
import { signingSecrets } from "../domain/webhook-secret-rotation";
import { isLocal } from "../config";
import { decryptEndpointSecret } from "./endpoint-secret";
import { SIGNATURE_HEADER, signatureHeader } from "./signature";

const DEFAULT_TIMEOUT_MS = 10_000;
/** Deliveries chained behind one that just ended, per call: the rest wait for the sweep. */
const MAX_CHAIN = 25;

/** WEBHOOK_TIMEOUT_MS: optional (tests shorten it), so read outside the generated Env. */
export function webhookTimeoutMs(env: Env): number {
  const configured = Number((env as { WEBHOOK_TIMEOUT_MS?: string }).WEBHOOK_TIMEOUT_MS);
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_TIMEOUT_MS;
}

/** The body a receiver gets; the same bytes on every attempt. */
export function deliveryBody(event: ClaimedDelivery["event"], seq: number): string {
  return JSON.stringify({ id: event.id, type: event.type, created_at: event.createdAt.toISOString(), sequence: seq, organization_id: event.organizationId, data: event.data });
}

export type AttemptOutcome = "delivered" | "retrying" | "failed" | "not_taken";

async function readExcerpt(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < RESPONSE_EXCERPT_CHARS * 4) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
  }
  await reader.cancel().catch(() => undefined);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return responseExcerpt(new TextDecoder().decode(bytes));
}

export async function attemptDelivery(
  env: Env,
  db: HttpDatabase,
  deliveryId: string,
  now: Date,
  manual = false,
  outboxKey?: string,
): Promise<{ outcome: AttemptOutcome; claimed?: ClaimedDelivery; nextInLine?: string }> {
  const timeoutMs = webhookTimeoutMs(env);
  const claimed = await claimDelivery(db, deliveryId, now, timeoutMs + 20_000, outboxKey);
  if (!claimed) return { outcome: "not_taken" };
  const { delivery, endpoint, event } = claimed;
  const body = deliveryBody(event, delivery.seq);
  const started = Date.now();
  let status: number | null = null;
  let excerpt = "";
  let error: string | null = null;
  const allowed = checkEndpointUrl(endpoint.url, isLocal(env));
  if (!allowed.ok) {
    // The rules (or APP_ENV) changed since the endpoint was made: never send there.
    error = `endpoint URL refused: ${allowed.message}`;
  } else {
    try {
      // During a rotation's grace both secrets sign (workers/domain/webhook-secret-rotation.ts), decided at the attempt's `now`.
      const previous = endpoint.previousSecret && { secret: endpoint.previousSecret.ciphertext, expiresAt: endpoint.previousSecret.expiresAt.getTime() };
      const secrets = await Promise.all(
        signingSecrets(endpoint.secretCiphertext, previous, now.getTime()).map((sealed) => decryptEndpointSecret(env.SIGNING_MASTER_KEY, delivery.endpointId, sealed)),
      );
      const response = await fetch(allowed.url, {
        method: "POST",
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          "Content-Type": "application/json",
          "User-Agent": "AdmitOne-Webhooks/1",
          [SIGNATURE_HEADER]: await signatureHeader(secrets, body, Math.floor(Date.now() / 1000)),
          "Admit-One-Event-Id": event.id,
          "Admit-One-Event-Type": event.type,
          "Admit-One-Delivery-Id": delivery.id,
          "Admit-One-Attempt": String(delivery.attempts),
        },
        body,
      });
      status = response.status;
      excerpt = await readExcerpt(response).catch(() => "");
      if (!isDelivered(status)) error = status >= 300 && status < 400 ? `redirect to ${response.headers.get("Location") ?? "?"} not followed` : `HTTP ${status}`;
    } catch (cause) {
      const name = (cause as { name?: string }).name;
      error = name === "TimeoutError" || name === "AbortError" ? `no answer within ${timeoutMs} ms` : `could not connect: ${String(cause)}`.slice(0, 500);
    }
  }
  const delivered = status !== null && isDelivered(status);
  const next = delivered ? null : nextAttemptAt(delivery.attempts, now.getTime(), delivery.giveUpAt.getTime(), spreadSeedOf(delivery.id));
  const following = await recordAttempt(db, {
    deliveryId: delivery.id,
    attemptedAt: now,
    responseStatus: status,
    responseExcerpt: excerpt,
    durationMs: Math.max(0, Date.now() - started),
    error,
    manual,
    outcome: delivered ? { status: "succeeded" } : next !== null ? { status: "pending", nextAttemptAt: new Date(next) } : { status: "failed" },
  }, delivery);
  return { outcome: delivered ? "delivered" : next !== null ? "retrying" : "failed", claimed, nextInLine: following };
}

export interface DispatchSummary {
  delivered: number;
  retrying: number;
  failed: number;
  not_taken: number;
}

/**
 * Attempts these deliveries side by side (each line of one resource stays in order: a later one is
 * simply not taken while an earlier one waits), then whatever was waiting behind each that ended.
 * `outboxKey`: the dispatch message's key, whose outbox row the first claim marks published.
 */
export async function deliverWebhooks(env: Env, db: HttpDatabase, deliveryIds: readonly string[], now: Date, manual = false, outboxKey?: string): Promise<DispatchSummary> {
  const summary: DispatchSummary = { delivered: 0, retrying: 0, failed: 0, not_taken: 0 };
  await Promise.all(
    [...new Set(deliveryIds)].map(async (first, index) => {
      let id: string | undefined = first;
      for (let chained = 0; id && chained <= MAX_CHAIN; chained++) {
        const marking = index === 0 && chained === 0 ? outboxKey : undefined;
        const { outcome, claimed, nextInLine } = await attemptDelivery(env, db, id, now, manual && chained === 0, marking);
        summary[outcome]++;
        if (!claimed || outcome === "retrying") break;
        // Read with the attempt's record, in its round trip (db/queries/webhook-deliveries.ts).
        id = nextInLine === id ? undefined : nextInLine;
      }
    }),
  );
  return summary;
}
