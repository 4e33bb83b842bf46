/**
 * When a webhook delivery is tried again, when it is given up, and which answers count as received.
 *
 * The rule, in a sentence: a delivery is retried with exponential back-off — 30 s after the first
 * failure, doubling to at most 6 hours apart — until it has been failing for 3 days, then it is
 * marked failed (it can still be re-sent by hand). About 20 attempts in all, the last ones spread
 * over days, so a receiver that is down over a weekend still gets everything once it is back.
 *
 * Only a 2xx answer is a delivery; a redirect is a failure (deliveries never follow redirects, so a
 * receiver cannot bounce them into a private network).
 */

export const WEBHOOK_EVENT_TYPES = ["order.paid", "order.refunded", "event.cancelled", "checkin.created", "waitlist.offered"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const FIRST_RETRY_SECONDS = 30;
export const MAX_RETRY_SECONDS = 6 * 3600;
export const RETRY_FOR_MS = 3 * 24 * 3600_000;

/**
 * After `attempts` failed attempts (1 = the first one failed): when to try next, or null when the
 * delivery is given up. `giveUpAt` is creation + 3 days (or, for a re-send by hand, the re-send
 * itself: one attempt). The spread (up to +10 %) comes from the delivery's own id, so the retries
 * of many deliveries that failed together do not arrive together, and the schedule is repeatable.
 */
export function nextAttemptAt(attempts: number, failedAt: number, giveUpAt: number, spreadSeed: number): number | null {
  const base = Math.min(FIRST_RETRY_SECONDS * 2 ** Math.max(0, attempts - 1), MAX_RETRY_SECONDS);
  const spread = 1 + (Math.abs(spreadSeed) % 1000) / 10_000;
  const next = failedAt + Math.round(base * spread * 1000);
  return next > giveUpAt ? null : next;
}

export function isDelivered(status: number): boolean {
  return status >= 200 && status < 300;
}

/** A small number from an id, for nextAttemptAt's spread. */
export function spreadSeedOf(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The resource a delivery is ordered within. Deliveries to one endpoint about one resource are
 * sent one at a time in the order their events happened: an order's `order.refunded` is not
 * attempted while its `order.paid` is still being retried (a given-up delivery stops blocking).
 */
export function resourceKey(type: WebhookEventType, ids: { orderId?: string; eventId?: string; ticketId?: string; entryId?: string }): string {
  switch (type) {
    case "order.paid":
    case "order.refunded":
      return `order:${ids.orderId}`;
    case "event.cancelled":
      return `event:${ids.eventId}`;
    case "checkin.created":
      return `ticket:${ids.ticketId}`;
    case "waitlist.offered":
      return `waitlist_entry:${ids.entryId}`;
  }
}

/** The first part of a receiver's answer kept in the delivery log. */
export const RESPONSE_EXCERPT_CHARS = 1024;

export function responseExcerpt(body: string): string {
  return body.length > RESPONSE_EXCERPT_CHARS ? `${body.slice(0, RESPONSE_EXCERPT_CHARS)}…` : body;
}
