/**
 * Rows → the API's snake_case shapes. Kept apart from the routes so every endpoint that shows an
 * event (catalog, organizer views) shows the same fields.
 */
import type { EventRow, TierRow } from "../../db/queries/catalog";
import type { SeatRow } from "../../db/queries/organizer-events";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function presentTier(tier: TierRow) {
  return {
    tier_id: tier.id,
    name: tier.name,
    kind: tier.kind,
    price: tier.price,
    currency: tier.currency,
    capacity: tier.capacity,
    // Until TierInventory owns live holds (the purchase issue), sold_count is the best figure we have.
    available: Math.max(0, tier.capacity - tier.soldCount),
    max_per_order: tier.maxPerOrder,
    // A seated tier's stage (null: none set; the picker draws it above the front row).
    ...(tier.kind === "seated" ? { stage: presentStage(tier) } : {}),
  };
}

export function presentStage(tier: Pick<TierRow, "stage">) {
  const stage = tier.stage;
  return stage ? { x: stage.x, y: stage.y, width: stage.width, height: stage.height, label: stage.label } : null;
}

export function presentEvent(event: EventRow & { organizerName?: string }, tiers: TierRow[], now: Date) {
  const presentedTiers = tiers.map(presentTier);
  const prices = presentedTiers.map((t) => t.price);
  const salesOpen =
    event.status === "published" &&
    (!event.salesStartAt || event.salesStartAt <= now) &&
    (!event.salesEndAt || event.salesEndAt > now) &&
    event.endsAt > now;
  return {
    event_id: event.id,
    title: event.title,
    description: event.description,
    category: event.category,
    // Who runs it, as attendees see it on the event page, at checkout and in the mail.
    organizer: event.organizerName === undefined ? undefined : { name: event.organizerName },
    venue: { name: event.venueName, city: event.venueCity, address: event.venueAddress },
    starts_at: event.startsAt.toISOString(),
    ends_at: event.endsAt.toISOString(),
    timezone: event.timezone,
    currency: event.currency,
    status: event.status,
    sales_start_at: iso(event.salesStartAt),
    sales_end_at: iso(event.salesEndAt),
    on_sale: salesOpen,
    sold_out: presentedTiers.length > 0 && presentedTiers.every((t) => t.available === 0),
    price_from: prices.length > 0 ? Math.min(...prices) : null,
    hold_minutes: event.holdMinutes,
    doors_open_minutes_before: event.doorsOpenMinutesBefore,
    refund_policy: event.refundPolicy,
    waiting_room: event.waitingRoom,
    waitlist: event.waitlist,
    purchase_limits: event.purchaseLimits,
    tiers: presentedTiers,
  };
}

/** What the owner sees: the public view plus bookkeeping, sold counts and the seat maps. */
export function presentOrganizerEvent(event: EventRow, tiers: TierRow[], seats: SeatRow[], now: Date) {
  const base = presentEvent(event, tiers, now);
  return {
    ...base,
    tiers: base.tiers.map((tier, i) => {
      const row = tiers[i]!;
      return {
        ...tier,
        sold: row.soldCount,
        ...(row.kind === "seated" ? { seats: seats.filter((s) => s.tierId === row.id).map(presentSeat) } : {}),
      };
    }),
    created_at: event.createdAt.toISOString(),
    updated_at: event.updatedAt.toISOString(),
    published_at: iso(event.publishedAt),
    cancelled_at: iso(event.cancelledAt),
  };
}

export function presentSeat(seat: SeatRow) {
  return { label: seat.label, section: seat.section, row: seat.row, number: seat.number, x: seat.x, y: seat.y, accessible: seat.accessible };
}
