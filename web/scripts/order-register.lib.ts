/**
 * Registering without ever holding twice. One attempt — one tier, one set of seats or a quantity,
 * one attendee — gets one random idempotency key, kept in sessionStorage until the attempt changes:
 * a double click, a retry after a lost answer, or Back-then-Continue all send the same key, and the
 * API answers with the same order instead of a second hold.
 */
import type { InferRequestType } from "hono/client";
import { ApiProblem } from "./api.lib";
import { answer, apiClient, type PendingOrder } from "./api-client.lib";

/** Register's body as the route reads it, without the key this module adds per attempt. */
export type RegisterRequest = Omit<InferRequestType<(typeof apiClient.events)[":eventId"]["register"]["$post"]>["json"], "idempotency_key">;

interface Attempt {
  fingerprint: string;
  key: string;
}

const ATTEMPT_KEY = "admit-one.register-attempt.";
const inFlight = new Map<string, Promise<PendingOrder>>();

function fingerprintOf(request: RegisterRequest): string {
  return JSON.stringify([
    request.tier_id,
    request.quantity,
    [...(request.seats ?? [])].sort(),
    Boolean(request.best_available),
    request.attendee.email.trim().toLowerCase(),
    request.attendee.name.trim(),
    (request.promo_code ?? "").trim().toUpperCase(),
  ]);
}

function storedAttempt(eventId: string): Attempt | undefined {
  try {
    const raw = sessionStorage.getItem(ATTEMPT_KEY + eventId);
    return raw ? (JSON.parse(raw) as Attempt) : undefined;
  } catch {
    return undefined;
  }
}

function storeAttempt(eventId: string, attempt: Attempt | undefined): void {
  try {
    if (attempt) sessionStorage.setItem(ATTEMPT_KEY + eventId, JSON.stringify(attempt));
    else sessionStorage.removeItem(ATTEMPT_KEY + eventId);
  } catch {
    // without storage a key still covers double clicks within this page (see inFlight)
  }
}

function keyFor(eventId: string, fingerprint: string, fresh: boolean): string {
  const stored = storedAttempt(eventId);
  if (!fresh && stored?.fingerprint === fingerprint) return stored.key;
  const attempt = { fingerprint, key: crypto.randomUUID() };
  storeAttempt(eventId, attempt);
  return attempt.key;
}

/** Forgets the attempt once its order is paid, declined or expired: the next purchase is new. */
export function forgetRegisterAttempt(eventId: string): void {
  storeAttempt(eventId, undefined);
}

async function send(eventId: string, request: RegisterRequest, key: string): Promise<PendingOrder> {
  return answer(apiClient.events[":eventId"].register.$post({ param: { eventId }, json: { ...request, idempotency_key: key } }));
}

async function register(eventId: string, request: RegisterRequest, fingerprint: string): Promise<PendingOrder> {
  try {
    const order = await send(eventId, request, keyFor(eventId, fingerprint, false));
    // A replayed key whose order already ended (declined, expired) must not block a new try.
    const lapsed = order.status === "pending" && order.hold_expires_at !== null && Date.parse(order.hold_expires_at) <= Date.now();
    if (order.status === "cancelled" || order.status === "expired" || lapsed) {
      return await send(eventId, request, keyFor(eventId, fingerprint, true));
    }
    return order;
  } catch (error) {
    // A key whose hold lapsed before its order was written is spent; a fresh one starts over.
    if (error instanceof ApiProblem && (error.code === "IDEMPOTENCY_KEY_REUSED" || error.code === "HOLD_EXPIRED")) {
      return send(eventId, request, keyFor(eventId, fingerprint, true));
    }
    throw error;
  }
}

/**
 * Holds the units and opens a pending order. Returns an order that may already be paid when the
 * same attempt was completed earlier in this tab; the caller routes on its status.
 */
export function registerOrder(eventId: string, request: RegisterRequest): Promise<PendingOrder> {
  const fingerprint = fingerprintOf(request);
  const running = inFlight.get(fingerprint);
  if (running) return running;
  const attempt = register(eventId, request, fingerprint).finally(() => inFlight.delete(fingerprint));
  inFlight.set(fingerprint, attempt);
  return attempt;
}
