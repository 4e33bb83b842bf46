/**
 * How long an order link (the order token) opens its order: until 30 days after the event ends.
 * Long enough for a refund question or a receipt after the event; after that the link, which also
 * authorizes refunds, stops being a standing credential in someone's inbox.
 */
export const ORDER_LINK_DAYS_AFTER_EVENT = 30;

const DAY_MS = 86_400_000;

export function orderLinkExpiresAt(eventEndsAtMs: number): number {
  return eventEndsAtMs + ORDER_LINK_DAYS_AFTER_EVENT * DAY_MS;
}

export function isOrderLinkExpired(eventEndsAtMs: number, nowMs: number): boolean {
  return nowMs >= orderLinkExpiresAt(eventEndsAtMs);
}
