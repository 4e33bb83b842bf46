/** The API's event shapes, as the pages read them. */
export interface Tier {
  tier_id: string;
  name: string;
  kind: "general_admission" | "seated";
  price: number;
  currency: string;
  capacity: number;
  available: number;
  max_per_order: number;
}

export interface CatalogEvent {
  event_id: string;
  title: string;
  description: string;
  category: string;
  /** Who runs the event (absent only in organizer views). */
  organizer?: { name: string };
  venue: { name: string; city: string; address: string };
  starts_at: string;
  ends_at: string;
  timezone: string;
  currency: string;
  status: string;
  on_sale: boolean;
  sold_out: boolean;
  price_from: number | null;
  tiers: Tier[];
}

export interface EventPage {
  events: CatalogEvent[];
  next_cursor: string | null;
}
