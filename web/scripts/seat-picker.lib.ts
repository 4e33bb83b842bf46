/**
 * The attendee's seat map for one seated tier: seats drawn by the organizer's SeatMapCanvas,
 * coloured by live status, chosen and unchosen by click, tap or keyboard (arrows move between
 * seats, Space/Enter choose), at most `max_per_order` at once. Statuses are polled while the map is
 * on screen, and a seat someone else takes drops out of the selection with a sentence saying so.
 * Choosing holds nothing: the hold happens at register, which is the only place a seat is won.
 * Zoom, pan, the stage and the labels around the seats are SeatMapViewport's.
 */
import { answer, apiClient } from "./api-client.lib";
import { h } from "./elements.lib";
import { listSeats } from "./order-problems.lib";
import { SeatMapCanvas } from "./seat-map-canvas.lib";
import type { Seat } from "./seat-map.lib";
import { DEFAULT_STAGE_LABEL, stageSentence, type Stage } from "./seat-map-stage.lib";
import { SeatMapViewport } from "./seat-map-viewport.lib";
import { nearestSeatToward } from "./seat-picker-keys.lib";

export type SeatStatus = "available" | "held" | "sold";
export interface PickerSeat extends Seat {
  status: SeatStatus;
}

/** Often enough that a taken seat rarely surprises anyone, rarely enough to be cheap. */
const REFRESH_MS = 4000;

export interface SeatPickerOptions {
  eventId: string;
  tierId: string;
  tierName: string;
  maxPerOrder: number;
  /** How long a hold lasts: a seat register called taken is shown taken at least that long. */
  holdMinutes: number;
  onChange: (chosen: string[]) => void;
}

const STATUS_WORDS: Record<SeatStatus, string> = { available: "available", held: "on hold for someone else", sold: "sold" };

export class SeatPicker {
  readonly element: HTMLElement;
  private seats = new Map<string, PickerSeat>();
  private chosen: string[] = [];
  private layoutKey = "";
  private focusLabel: string | undefined;
  private timer: number | undefined;
  private failures = 0;
  /** Seats register refused as taken, with when to stop believing that over the seats endpoint. */
  private readonly takenLocally = new Map<string, number>();
  private loaded: Promise<void> | undefined;
  private readonly canvas: SeatMapCanvas;
  private readonly viewport: SeatMapViewport;
  private readonly scroller: HTMLElement;
  private readonly legendAccessible: HTMLElement;
  private readonly legendStage: HTMLElement;
  /** Where the stage is, for those who cannot see the map (drawing and legend are hidden from them). */
  private readonly stageNote: HTMLElement;
  /** How the last press began: a finger on a map too small to tap precisely zooms instead. */
  private pointerType = "mouse";
  private readonly message: HTMLElement;
  private readonly stale: HTMLElement;

  constructor(private readonly options: SeatPickerOptions) {
    this.canvas = new SeatMapCanvas(`Seat map of ${options.tierName}`);
    const svg = this.canvas.svg;
    svg.setAttribute("role", "group");
    svg.removeAttribute("tabindex");
    svg.classList.add("picker");
    this.viewport = new SeatMapViewport(svg, `seat map of ${options.tierName}`);
    svg.addEventListener("pointerdown", (event) => (this.pointerType = event.pointerType));
    svg.addEventListener("click", (event) => {
      if (this.pointerType !== "mouse" && !this.viewport.comfortable) {
        this.viewport.zoomToward(event.clientX, event.clientY);
        return;
      }
      const label = this.canvas.seatAt(event.target);
      if (label) this.toggle(label);
    });
    svg.addEventListener("keydown", (event) => this.onKey(event));
    this.scroller = this.viewport.scroller;
    this.scroller.setAttribute("aria-busy", "true");
    this.scroller.append(h("p", { className: "seatmap-empty" }, "Loading the seat map…"));
    this.legendAccessible = h("span", { hidden: true }, h("span", { className: "key key-accessible" }), "Wheelchair accessible");
    this.legendStage = h("span", { className: "legend-stage-name" }, DEFAULT_STAGE_LABEL);
    this.stageNote = h("p", { className: "sr-only stage-note" });
    this.message = h("p", { className: "seat-picker-message", role: "status", "aria-live": "polite" });
    this.stale = h("p", { className: "hint", hidden: true }, "Seat availability could not be refreshed. Retrying…");
    this.element = h(
      "div",
      { className: "seat-picker", "data-field": "seats" },
      h("p", { className: "hint" }, `Tap seats to choose up to ${options.maxPerOrder}. Tap again to let one go.`),
      this.stageNote,
      this.viewport.element,
      h(
        "div",
        { className: "seatmap-legend picker-legend", "aria-hidden": "true" },
        h("span", {}, h("span", { className: "key key-available" }), "Available"),
        h("span", {}, h("span", { className: "key key-chosen" }), "Your seats"),
        h("span", {}, h("span", { className: "key key-held" }), "On hold"),
        h("span", {}, h("span", { className: "key key-sold" }), "Sold"),
        this.legendAccessible,
        h("span", {}, h("span", { className: "key key-stage" }), this.legendStage),
      ),
      this.message,
      this.stale,
    );
    document.addEventListener("visibilitychange", () => {
      if (this.timer === undefined) return;
      if (document.visibilityState === "visible") void this.refresh();
    });
  }

  /** The chosen seats in map order (row by row), as the summary and the API get them. */
  get selection(): string[] {
    const order = (label: string) => {
      const seat = this.seats.get(label);
      return seat ? [seat.y, seat.x] : [0, 0];
    };
    return [...this.chosen].sort((a, b) => order(a)[0]! - order(b)[0]! || order(a)[1]! - order(b)[1]!);
  }

  /** Shows the map and keeps it fresh until `stop()`; loads it the first time. */
  start(): Promise<void> {
    this.loaded ??= this.refresh();
    if (this.timer === undefined) {
      this.timer = window.setInterval(() => {
        if (document.visibilityState === "visible") void this.refresh();
      }, REFRESH_MS);
    }
    return this.loaded;
  }

  stop(): void {
    if (this.timer !== undefined) window.clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Chooses seats (e.g. those of a declined order), keeping only ones still available. */
  preselect(labels: readonly string[]): void {
    const free = labels.filter((l) => this.seats.get(l)?.status === "available").slice(0, this.options.maxPerOrder);
    this.setChosen(free);
    const lost = labels.filter((l) => !free.includes(l));
    if (free.length > 0) {
      this.say(`Your seats ${listSeats(free)} are selected again.${lost.length > 0 ? ` ${listSeats(lost)} ${lost.length === 1 ? "is" : "are"} no longer available.` : ""}`);
    } else if (lost.length > 0) {
      this.say(`${listSeats(lost)} ${lost.length === 1 ? "is" : "are"} no longer available. Please pick other seats.`);
    }
  }

  /** Best available's proposal: these seats chosen, shown on the map and listed, nothing held yet. */
  propose(labels: readonly string[]): void {
    this.setChosen(labels.filter((l) => this.seats.has(l)));
    this.say(`We picked ${listSeats(this.selection)} for you. Check them on the map; tap a seat to change it.`);
    const first = this.selection[0];
    if (first) this.viewport.reveal(this.canvas.svg.querySelector<SVGGElement>(`g.seat[data-label="${CSS.escape(first)}"]`));
  }

  clear(): void {
    this.setChosen([]);
  }

  /** After SEAT_UNAVAILABLE: those seats are gone whatever the last poll said; then look again. */
  markTaken(labels: readonly string[]): Promise<void> {
    const until = Date.now() + this.options.holdMinutes * 60_000;
    for (const label of labels) {
      this.takenLocally.set(label, until);
      const seat = this.seats.get(label);
      if (seat && seat.status === "available") seat.status = "held";
    }
    this.setChosen(this.chosen.filter((l) => !labels.includes(l)));
    this.decorate();
    return this.refresh();
  }

  async refresh(): Promise<void> {
    const { eventId, tierId } = this.options;
    try {
      const { seats, stage } = await answer(apiClient.events[":eventId"].tiers[":tierId"].seats.$get({ param: { eventId, tierId } }));
      this.failures = 0;
      this.stale.hidden = true;
      this.apply(seats, stage);
    } catch {
      this.failures++;
      if (this.seats.size === 0) this.showEmpty("The seat map could not be loaded. Check your connection; we will keep trying.");
      else this.stale.hidden = this.failures < 2;
    }
  }

  private apply(seats: PickerSeat[], stage: Stage | null): void {
    // The endpoint may lag behind a hold it does not report; register's word wins until it catches up.
    const now = Date.now();
    for (const seat of seats) {
      const until = this.takenLocally.get(seat.label);
      if (until === undefined) continue;
      if (seat.status !== "available" || until <= now) this.takenLocally.delete(seat.label);
      else seat.status = "held";
    }
    this.seats = new Map(seats.map((s) => [s.label, s]));
    const layoutKey = seats.map((s) => `${s.label}@${s.x},${s.y}${s.accessible ? "*" : ""}`).join("|") + JSON.stringify(stage);
    if (layoutKey !== this.layoutKey) {
      this.layoutKey = layoutKey;
      this.canvas.draw(seats);
      this.viewport.frame(seats, stage);
      this.legendStage.textContent = stage?.label ?? DEFAULT_STAGE_LABEL;
      this.stageNote.textContent = stageSentence(stage?.label ?? DEFAULT_STAGE_LABEL, this.viewport.stageSide);
      this.legendAccessible.hidden = !seats.some((s) => s.accessible);
    }
    this.scroller.removeAttribute("aria-busy");
    if (seats.length === 0) this.showEmpty("This tier has no seats on its map yet.");
    else this.scroller.querySelector(".seatmap-empty")?.remove();
    const lost = this.chosen.filter((l) => this.seats.get(l)?.status !== "available");
    if (lost.length > 0) {
      this.setChosen(this.chosen.filter((l) => !lost.includes(l)));
      this.say(`${listSeats(lost)} ${lost.length === 1 ? "was" : "were"} just taken by someone else and removed from your selection.`, true);
    }
    this.decorate();
  }

  private showEmpty(text: string): void {
    this.scroller.removeAttribute("aria-busy");
    const empty = this.scroller.querySelector(".seatmap-empty") ?? this.scroller.appendChild(h("p", { className: "seatmap-empty" }));
    empty.textContent = text;
  }

  /** Status classes, a hit area that fills the gap between seats, and each seat's accessible name. */
  private decorate(): void {
    const groups = this.canvas.svg.querySelectorAll<SVGGElement>("g.seat");
    const radius = Number(this.canvas.svg.querySelector(".dot")?.getAttribute("r") ?? 10);
    if (!this.focusLabel || !this.seats.has(this.focusLabel)) this.focusLabel = [...this.seats.values()].find((s) => s.status === "available")?.label;
    for (const group of groups) {
      const label = group.dataset.label ?? "";
      const seat = this.seats.get(label);
      if (!seat) continue;
      const chosen = this.chosen.includes(label);
      const status = seat.status;
      group.classList.toggle("is-held", status === "held");
      group.classList.toggle("is-sold", status === "sold");
      group.classList.toggle("is-available", status === "available");
      if (!group.querySelector(".hit")) {
        const hit = document.createElementNS("http://www.w3.org/2000/svg", "circle");
        hit.setAttribute("class", "hit");
        hit.setAttribute("r", String(radius * 1.2));
        group.prepend(hit);
      }
      group.setAttribute("role", "checkbox");
      group.setAttribute("aria-checked", String(chosen));
      group.setAttribute("aria-disabled", String(status !== "available" && !chosen));
      group.setAttribute("tabindex", label === this.focusLabel ? "0" : "-1");
      const words = `Seat ${label}${seat.section ? `, ${seat.section}` : ""}${seat.accessible ? ", wheelchair accessible" : ""}, ${chosen ? "chosen" : STATUS_WORDS[status]}`;
      group.setAttribute("aria-label", words);
      const title = group.querySelector("title");
      if (title) title.textContent = words;
    }
    this.canvas.paint(new Set(this.chosen));
  }

  private toggle(label: string): void {
    const seat = this.seats.get(label);
    if (!seat) return;
    this.focusLabel = label;
    if (this.chosen.includes(label)) {
      this.setChosen(this.chosen.filter((l) => l !== label));
      this.say("");
    } else if (seat.status !== "available") {
      this.say(`Seat ${label} is ${STATUS_WORDS[seat.status]}. Please choose another.`, true);
    } else if (this.chosen.length >= this.options.maxPerOrder) {
      this.say(`You can choose up to ${this.options.maxPerOrder} seats in one order. Tap a chosen seat to let it go first.`, true);
    } else {
      this.setChosen([...this.chosen, label]);
      this.say("");
    }
    this.decorate();
  }

  private setChosen(labels: string[]): void {
    const changed = labels.length !== this.chosen.length || labels.some((l) => !this.chosen.includes(l));
    this.chosen = labels;
    this.decorate();
    if (changed) this.options.onChange(this.selection);
  }

  private say(text: string, problem = false): void {
    this.message.textContent = text;
    this.message.classList.toggle("problem", problem);
  }

  private onKey(event: KeyboardEvent): void {
    const label = this.canvas.seatAt(event.target);
    if (!label) return;
    if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      this.toggle(label);
      return;
    }
    const step = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
    if (!step) return;
    event.preventDefault();
    const next = nearestSeatToward(this.seats.values(), label, step[0]!, step[1]!);
    if (!next) return;
    this.focusLabel = next;
    this.decorate();
    this.canvas.svg.querySelector<SVGGElement>(`g.seat[data-label="${CSS.escape(next)}"]`)?.focus();
  }
}
