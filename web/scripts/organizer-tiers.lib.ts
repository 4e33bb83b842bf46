/**
 * The tier list of the event editor: general-admission tiers with a capacity, seated tiers whose
 * capacity is the seat count of their seat map. Reads back to the API's tier shapes; an entry
 * keeps its `tier_id` so a PATCH updates it instead of replacing it.
 */
import type { FieldProblem } from "./api.lib";
import { askToConfirm } from "./confirm-dialog.lib";
import { h } from "./elements.lib";
import { parsePrice, priceInputValue } from "./money-input.lib";
import { isSeated, type OrganizerTier } from "./organizer-events.lib";
import { SeatMapEditor } from "./seat-map-editor.lib";
import type { Seat } from "./seat-map.lib";
import type { Stage } from "./seat-map-stage.lib";

export type TierInput =
  | { tier_id?: string; name: string; price: number | undefined; capacity: number | undefined; max_per_order: number | undefined }
  | { tier_id?: string; name: string; price: number | undefined; seats: Seat[]; stage: Stage | null; max_per_order: number | undefined };

interface TierCard {
  element: HTMLElement;
  tierId: string | undefined;
  sold: number;
  name: HTMLInputElement;
  price: HTMLInputElement;
  maxPerOrder: HTMLInputElement;
  capacity?: HTMLInputElement;
  seatMap?: SeatMapEditor;
  seatCount?: HTMLElement;
  suffix: HTMLElement;
}

let nextId = 0;

function field(label: string, input: HTMLElement, hint?: string, extra?: HTMLElement): HTMLElement {
  input.id ||= `tier-input-${++nextId}`;
  return h(
    "div",
    { className: "field" },
    h("label", { htmlFor: input.id }, label),
    extra ? h("div", { className: "input-with-suffix" }, input, extra) : input,
    hint ? h("p", { className: "hint" }, hint) : null,
  );
}

function seatsOf(tier: OrganizerTier): Seat[] {
  return (tier.seats ?? []).map(({ label, section, row, number, x, y, accessible }) => ({
    label,
    section: section ?? "",
    row: row ?? "",
    number,
    x,
    y,
    accessible: !!accessible,
  }));
}

export class TierList {
  private cards: TierCard[] = [];
  private currency = "EUR";
  private readOnly = false;

  constructor(
    private readonly container: HTMLElement,
    private readonly onChange: () => void,
  ) {}

  load(tiers: readonly OrganizerTier[], currency: string, readOnly: boolean): void {
    this.currency = currency;
    this.readOnly = readOnly;
    this.cards = [];
    this.container.replaceChildren();
    for (const tier of tiers) this.add(isSeated(tier) ? "seated" : "general_admission", tier);
    this.renderEmpty();
  }

  setCurrency(currency: string): void {
    this.currency = currency;
    for (const card of this.cards) card.suffix.textContent = currency;
  }

  add(kind: "general_admission" | "seated", tier?: OrganizerTier): void {
    const n = this.cards.length + 1;
    const name = h("input", { maxLength: 80, required: true, value: tier?.name ?? (kind === "seated" ? "Reserved seating" : "General admission") });
    const price = h("input", { inputMode: "decimal", value: tier ? priceInputValue(tier.price, this.currency) : "", placeholder: "0.00" });
    const suffix = h("span", { className: "suffix" }, this.currency);
    const maxPerOrder = h("input", { type: "number", min: "1", max: "50", step: "1", inputMode: "numeric", value: String(tier?.max_per_order ?? 10) });
    const sold = tier?.sold ?? 0;
    const remove = h("button", { type: "button", className: "link danger-text" }, "Remove tier");
    const header = h(
      "header",
      {},
      h("span", { className: "tier-kind" }, kind === "seated" ? "Seated" : "General admission"),
      sold > 0 ? h("span", { className: "meta" }, `${sold} sold`) : null,
      h("span", { className: "spacer" }),
      this.readOnly ? null : remove,
    );
    const grid = h("div", { className: "row-3" }, field("Tier name", name), field("Price", price, "0 for free tickets.", suffix), field("Max per order", maxPerOrder));
    const element = h("article", { className: `tier-card ${kind}`, "aria-label": `Tier ${n}` }, header, grid);
    const card: TierCard = { element, tierId: tier?.tier_id, sold, name, price, maxPerOrder, suffix };

    if (kind === "general_admission") {
      card.capacity = h("input", { type: "number", min: String(Math.max(1, sold)), step: "1", inputMode: "numeric", value: tier ? String(tier.capacity) : "100" });
      grid.append(field("Capacity", card.capacity, sold > 0 ? `At least ${sold}: tickets already sold.` : undefined));
    } else {
      card.seatCount = h("output", { className: "seat-total" });
      grid.append(h("div", { className: "field" }, h("span", { className: "label" }, "Capacity"), card.seatCount));
      card.seatMap = new SeatMapEditor({
        seats: tier ? seatsOf(tier) : [],
        stage: tier?.stage ?? null,
        takenElsewhere: () => this.labelsOutside(card),
        onChange: () => {
          this.showSeatCount(card);
          this.onChange();
        },
        readOnly: this.readOnly,
      });
      element.append(h("div", { className: "seatmap-host" }, card.seatMap.element));
      this.showSeatCount(card);
    }

    remove.addEventListener("click", () => void this.remove(card));
    this.cards.push(card);
    this.container.append(element);
    this.reindex();
    this.renderEmpty();
    if (!tier) {
      this.onChange();
      name.focus();
      name.select();
    }
  }

  private showSeatCount(card: TierCard): void {
    const count = card.seatMap?.currentSeats.length ?? 0;
    card.seatCount!.textContent = `${count} seat${count === 1 ? "" : "s"}, from the seat map`;
  }

  private labelsOutside(card: TierCard): Set<string> {
    return new Set(this.cards.filter((c) => c !== card && c.seatMap).flatMap((c) => c.seatMap!.currentSeats.map((s) => s.label)));
  }

  private async remove(card: TierCard): Promise<void> {
    if (card.sold > 0) {
      await askToConfirm({
        title: "This tier has sales",
        text: `${card.sold} tickets of “${card.name.value}” are sold, so it cannot be removed. You can stop selling it by setting its capacity to what is sold.`,
        confirm: "OK",
        cancel: "Close",
      });
      return;
    }
    const hasWork = card.tierId !== undefined || (card.seatMap?.currentSeats.length ?? 0) > 0;
    if (hasWork) {
      const sure = await askToConfirm({
        title: `Remove “${card.name.value || "this tier"}”?`,
        text: card.seatMap ? "Its seat map goes with it. The tier is deleted when you save." : "The tier is deleted when you save.",
        confirm: "Remove tier",
        cancel: "Keep it",
        danger: true,
      });
      if (!sure) return;
    }
    this.cards = this.cards.filter((c) => c !== card);
    card.element.remove();
    this.reindex();
    this.renderEmpty();
    this.onChange();
  }

  /** Field paths follow list positions, so the API's `tiers.1.price` lands on the second card. */
  private reindex(): void {
    this.cards.forEach((card, i) => {
      card.element.dataset.field = `tiers.${i}`;
      card.element.setAttribute("aria-label", `Tier ${i + 1}: ${card.name.value || "unnamed"}`);
      card.name.dataset.field = `tiers.${i}.name`;
      card.price.dataset.field = `tiers.${i}.price`;
      card.maxPerOrder.dataset.field = `tiers.${i}.max_per_order`;
      if (card.capacity) card.capacity.dataset.field = `tiers.${i}.capacity`;
      if (card.seatCount) card.seatCount.dataset.field = `tiers.${i}.capacity`;
      if (card.seatMap) card.seatMap.element.dataset.field = `tiers.${i}.seats`;
      if (card.seatMap) card.seatMap.stage.field = `tiers.${i}.stage`;
    });
  }

  private renderEmpty(): void {
    this.container.querySelector(".tiers-empty")?.remove();
    if (this.cards.length > 0) {
      for (const note of this.container.querySelectorAll(":scope > .field-error")) note.remove();
      this.container.classList.remove("has-error");
    }
    if (this.cards.length === 0) {
      this.container.append(h("p", { className: "tiers-empty meta" }, "No tiers yet. An event needs at least one tier before it can be published."));
    }
  }

  /** The tiers as the API takes them, plus problems that stop a body from being built at all. */
  read(): { tiers: TierInput[]; problems: FieldProblem[] } {
    const problems: FieldProblem[] = [];
    const tiers = this.cards.map((card, i): TierInput => {
      const priceText = card.price.value.trim();
      const price = priceText === "" ? undefined : parsePrice(priceText, this.currency);
      if (priceText !== "" && price === undefined) {
        problems.push({ field: `tiers.${i}.price`, message: `Enter a price like 25 or 25.50 (${this.currency}).` });
      } else if (priceText === "") {
        problems.push({ field: `tiers.${i}.price`, message: "Enter a price, or 0 for free tickets." });
      }
      const maxPerOrder = wholeNumber(card.maxPerOrder.value);
      if (maxPerOrder === null) problems.push({ field: `tiers.${i}.max_per_order`, message: "Enter a whole number." });
      const base = {
        ...(card.tierId ? { tier_id: card.tierId } : {}),
        name: card.name.value.trim(),
        price,
        max_per_order: maxPerOrder ?? undefined,
      };
      if (card.seatMap) return { ...base, seats: card.seatMap.currentSeats, stage: card.seatMap.currentStage };
      const capacity = wholeNumber(card.capacity!.value);
      if (capacity === null) problems.push({ field: `tiers.${i}.capacity`, message: "Enter a whole number of tickets." });
      return { ...base, capacity: capacity ?? undefined };
    });
    return { tiers, problems };
  }
}

/** undefined for an empty box (the API then says what it needs), null for something unreadable. */
export function wholeNumber(text: string): number | undefined | null {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : null;
}
