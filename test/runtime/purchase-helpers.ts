/**
 * A published event ready to sell, and the attendee's register → pay steps, for purchase tests.
 */
import { call, eventBody, signUp } from "./http";
import { uniqueName } from "./fixtures";

export async function publishedEvent(tiers: unknown[], overrides: Record<string, unknown> = {}) {
  const organizer = await signUp();
  const created = await call("POST", "/api/v1/events", eventBody({ tiers, ...overrides }), organizer.key);
  if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  const published = await call("POST", `/api/v1/events/${created.body.event_id}/publish`, undefined, organizer.key);
  if (published.status !== 200) throw new Error(`publish failed: ${JSON.stringify(published.body)}`);
  return { organizer, eventId: created.body.event_id as string, tiers: published.body.tiers as { tier_id: string; name: string; capacity: number }[] };
}

export function seatRow(row: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ label: `${row}${i + 1}`, section: "Main", row, number: i + 1, x: i * 30, y: row.charCodeAt(0) * 30 }));
}

export function registration(tierId: string, extra: Record<string, unknown> = {}) {
  return {
    tier_id: tierId,
    quantity: 1,
    idempotency_key: uniqueName("idem"),
    attendee: { email: `${uniqueName("buyer")}@example.test`, name: "Ada Buyer" },
    ...extra,
  };
}

export async function register(eventId: string, body: unknown) {
  return call("POST", `/api/v1/events/${eventId}/register`, body);
}

export async function pay(orderId: string, token: string, paymentMethod = "pm_card_visa") {
  return call("POST", `/api/v1/orders/${orderId}/pay`, { payment_method: paymentMethod }, {}, { Authorization: `Bearer ${token}` });
}

export async function getOrder(orderId: string, token: string) {
  return call("GET", `/api/v1/orders/${orderId}`, undefined, {}, { Authorization: `Bearer ${token}` });
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inBatches<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}
