/** The organizer view of an event (docs/organizer-api.md), as the dashboard pages read it. */
import type { Seat } from "./seat-map.lib";
import type { Stage } from "./seat-map-stage.lib";

export type EventStatus = "draft" | "published" | "cancelled";

export interface OrganizerTier {
  tier_id: string;
  name: string;
  kind?: "general_admission" | "seated";
  price: number;
  currency?: string;
  capacity: number;
  available?: number;
  max_per_order: number;
  sold?: number;
  seats?: Seat[];
  /** A seated tier's stage; null when none is set. */
  stage?: Stage | null;
}

export interface RefundStep {
  until_hours_before_start: number;
  percent: number;
}

export interface WaitingRoom {
  enabled: boolean;
  opens_minutes_before: number;
  admit_per_minute: number;
  max_active_shoppers: number;
  session_minutes: number;
}

export interface Waitlist {
  enabled: boolean;
  offer_minutes: number;
}

export interface OrganizerEvent {
  event_id: string;
  title: string;
  description: string;
  category: string;
  venue: { name: string; city: string; address: string };
  starts_at: string;
  ends_at: string;
  timezone: string;
  currency: string;
  status: EventStatus;
  sales_start_at: string | null;
  sales_end_at: string | null;
  hold_minutes: number;
  refund_policy: { schedule: RefundStep[] };
  waiting_room: Partial<WaitingRoom>;
  waitlist: Partial<Waitlist>;
  tiers: OrganizerTier[];
  created_at?: string;
  updated_at?: string;
  published_at?: string | null;
  cancelled_at?: string | null;
}

export const WAITING_ROOM_DEFAULTS: WaitingRoom = {
  enabled: false,
  opens_minutes_before: 30,
  admit_per_minute: 600,
  max_active_shoppers: 1000,
  session_minutes: 10,
};

export const WAITLIST_DEFAULTS: Waitlist = { enabled: false, offer_minutes: 30 };

export const STATUS_LABEL: Record<EventStatus, string> = { draft: "Draft", published: "Published", cancelled: "Cancelled" };

export function isSeated(tier: OrganizerTier): boolean {
  return tier.kind === "seated" || Array.isArray(tier.seats);
}

/** Tickets sold and places offered across all tiers. */
export function salesTotals(event: OrganizerEvent): { sold: number; capacity: number } {
  return event.tiers.reduce(
    (sum, tier) => ({ sold: sum.sold + (tier.sold ?? 0), capacity: sum.capacity + tier.capacity }),
    { sold: 0, capacity: 0 },
  );
}

export function statusBadge(status: EventStatus): HTMLElement {
  const badge = document.createElement("span");
  badge.className = `badge ${status}`;
  badge.textContent = STATUS_LABEL[status] ?? status;
  return badge;
}
