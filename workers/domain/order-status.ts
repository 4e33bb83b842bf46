/**
 * An order's status as people are shown it. A pending order whose hold ran out is expired from that
 * moment, whether or not the sweeper has done the bookkeeping yet (it runs each minute, and under a
 * backlog later): an organizer should never read "awaiting payment" for seats back on sale.
 */
export type StoredOrderStatus = "pending" | "confirmed" | "expired" | "cancelled" | "refunded" | "partially_refunded";

export interface PresentedStatus {
  status: StoredOrderStatus;
  /** When the hold ran out, for an expired order whose expiry time is known. */
  expired_at: string | null;
}

export function presentOrderStatus(status: StoredOrderStatus, holdExpiresAt: Date | null, now: Date): PresentedStatus {
  const lapsed = holdExpiresAt !== null && holdExpiresAt.getTime() <= now.getTime();
  if (status === "pending" && lapsed) return { status: "expired", expired_at: holdExpiresAt.toISOString() };
  if (status === "expired") return { status, expired_at: holdExpiresAt?.toISOString() ?? null };
  return { status, expired_at: null };
}
