/**
 * The purchase form's parts for one tier: its radio, availability, quantity, and for a seated tier
 * the seat map and best available; and the notice of tickets this tab already holds.
 */
import type { SaleEvent } from "./api-client.lib";
import type { Tier } from "./catalog.lib";
import { bestAvailableControl } from "./checkout-selection-best.lib";
import { h } from "./elements.lib";
import { formatMoney } from "./format.lib";
import { pendingOrderOf } from "./order-access.lib";
import { SeatPicker } from "./seat-picker.lib";
import type { WaitlistChoice } from "./waitlist-join.lib";

export const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

export interface TierControls {
  tier: Tier;
  item: HTMLLIElement;
  radio: HTMLInputElement;
  meta: HTMLElement;
  options: HTMLElement;
  /** GA: how many tickets; seated: how many seats "Best available" asks for. */
  quantity: HTMLSelectElement;
  picker?: SeatPicker;
  bestButton?: HTMLButtonElement;
  /** What buying needs (quantity or seat map), hidden while the tier is sold out and waitlisted. */
  buying: HTMLElement;
  waitlist?: WaitlistChoice;
}

export function fillQuantities(select: HTMLSelectElement, tier: Tier): void {
  const most = Math.max(0, Math.min(tier.max_per_order, tier.available));
  const current = Number(select.value) || 1;
  select.replaceChildren(...Array.from({ length: most }, (_, i) => h("option", { value: String(i + 1) }, String(i + 1))));
  select.value = String(Math.min(Math.max(1, current), Math.max(1, most)));
  select.disabled = most === 0;
}

export function availabilityText(tier: Tier, waitlistOpen: boolean): string {
  if (tier.available === 0) return waitlistOpen ? "Sold out · waitlist open" : "Sold out";
  return `${tier.available} left${tier.kind === "seated" ? " · reserved seating" : ""}`;
}

export interface TierControlOptions {
  onSale: boolean;
  waitlistOpen: boolean;
  onChange: () => void;
  /** Holds what is chosen (the form's Continue), for best available's "Hold these seats". */
  hold: () => void;
}

export function tierControl(tier: Tier, event: SaleEvent, { onSale, waitlistOpen, onChange, hold }: TierControlOptions): TierControls {
  const id = `tier-${tier.tier_id}`;
  const radio = h("input", { type: "radio", name: "tier", value: tier.tier_id, id, disabled: !onSale || (tier.available === 0 && !waitlistOpen) });
  const meta = h("span", { className: "meta" }, availabilityText(tier, waitlistOpen));
  const quantity = h("select", { id: `${id}-quantity`, "data-field": "quantity" });
  fillQuantities(quantity, tier);
  const options = h("div", { className: "tier-options", hidden: true });
  const buying = h("div", { className: "tier-buying" });
  const item = h(
    "li",
    { className: "tier" },
    h("label", { className: "tier-choice", htmlFor: id }, radio, h("span", { className: "tier-name" }, h("strong", {}, tier.name), meta), h("span", { className: "price" }, formatMoney(tier.price, tier.currency))),
    options,
  );
  const control: TierControls = { tier, item, radio, meta, options, quantity, buying };
  if (tier.kind === "seated") {
    control.picker = new SeatPicker({ eventId: event.event_id, tierId: tier.tier_id, tierName: tier.name, maxPerOrder: tier.max_per_order, holdMinutes: event.hold_minutes ?? 10, onChange });
    const best = bestAvailableControl({ eventId: event.event_id, tierId: tier.tier_id, picker: control.picker, quantity, hold });
    control.bestButton = best.button;
    buying.append(control.picker.element, best.element);
  } else {
    quantity.addEventListener("change", onChange);
    buying.append(h("div", { className: "field narrow" }, h("label", { htmlFor: quantity.id }, "Number of tickets"), quantity));
  }
  options.append(buying);
  return control;
}

export function showPendingOrder(eventId: string): void {
  const pending = pendingOrderOf(eventId);
  if (!pending) return;
  const until = new Date(pending.hold_expires_at).toLocaleTimeString(undefined, { timeStyle: "short" });
  $("#pending-order").replaceChildren(
    h("div", { className: "notice" }, `You have tickets on hold for this event until ${until}. `, h("a", { href: `/checkout?order=${encodeURIComponent(pending.order_id)}` }, "Finish checkout")),
  );
}
