/**
 * The Worker's side of EventLive: the stub for an event, and a "the figures moved" call that never
 * holds up (or fails) the request that moved them.
 */
import type { EventLive } from "../durable-objects/event-live";

/** At most one ping per event per isolate this often: a burst of sales is one ping, not hundreds. */
const PING_INTERVAL_MS = 250;
const pending = new Set<string>();
const lastPingAt = new Map<string, number>();

export function liveOf(env: Env, eventId: string): DurableObjectStub<EventLive> {
  return (env.EVENT_LIVE as unknown as DurableObjectNamespace<EventLive>).getByName(eventId);
}

/**
 * Called after the step that changed the figures has committed. A ping still waiting to be sent
 * covers this change as well (it leaves after it, and the push reads the figures after the ping), so
 * nothing is skipped, only merged. A lost ping is repaired by the next one or EventLive's heartbeat.
 */
export function announceChange(env: Env, ctx: { waitUntil(promise: Promise<unknown>): void }, eventId: string): void {
  // The bench's classic design runs these routes without the live dashboard.
  if (!env.EVENT_LIVE || pending.has(eventId)) return;
  pending.add(eventId);
  const delay = Math.max(0, (lastPingAt.get(eventId) ?? 0) + PING_INTERVAL_MS - Date.now());
  const ping = (async () => {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    pending.delete(eventId);
    lastPingAt.set(eventId, Date.now());
    await liveOf(env, eventId).changed(eventId);
  })().catch((error: unknown) => {
    pending.delete(eventId);
    console.warn(JSON.stringify({ level: "warn", where: "event-live", event_id: eventId, error: String(error) }));
  });
  ctx.waitUntil(ping);
}
