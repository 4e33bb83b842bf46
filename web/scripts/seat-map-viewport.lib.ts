/**
 * The attendee's view of a seat map: fitted to the box it sits in, zoomed with buttons, a pinch or
 * ctrl+wheel, panned by scrolling (a finger drag on a phone), with the stage, section names and row
 * letters drawn around the seats. A seat is "comfortable" to tap when neighbouring seats are at
 * least 44 CSS px apart (the touch-target guideline); below that the toolbar says so and a touch
 * on the map zooms in there instead of choosing a seat it may have missed.
 *
 * The stage is where the organizer put it (a rectangle in the map's coordinates); a map saved
 * without one has it above the front row (smallest y), where the picker always drew it.
 */
import { h } from "./elements.lib";
import { stageShape } from "./seat-map-canvas.lib";
import { boundsOf, typicalSpacing, type Seat } from "./seat-map.lib";
import { sideOf, stageBox, stageOrDefault, STAGE_SIDES, unionBox, type Stage, type StageSide } from "./seat-map-stage.lib";

const SVG = "http://www.w3.org/2000/svg";
/** Apple and WCAG 2.5.5: a touch target of at least 44 × 44 CSS px. */
export const TOUCH_TARGET_PX = 44;
/** A small hall on a wide screen is not blown up past this seat pitch. */
const MAX_PITCH_PX = 56;
const ZOOM_STEP = 1.6;

function svgElement<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

export class SeatMapViewport {
  readonly element: HTMLElement;
  readonly scroller: HTMLElement;
  private readonly toolbar: HTMLElement;
  private readonly zoomHint: HTMLElement;
  private readonly zoomIn: HTMLButtonElement;
  private readonly zoomOut: HTMLButtonElement;
  private readonly fitButton: HTMLButtonElement;
  private readonly decor: SVGGElement;
  /** Map units across the drawing, and between neighbouring seats. */
  private width = 0;
  private pitch = 30;
  /** CSS px per map unit now, and when the whole map fits. */
  private scale = 1;
  private fitScale = 1;
  private readonly pointers = new Map<number, { x: number; y: number }>();
  private pinch: { distance: number; scale: number } | undefined;

  constructor(private readonly svg: SVGSVGElement, label: string) {
    this.decor = svgElement("g", { class: "map-decor", "aria-hidden": "true" });
    svg.prepend(this.decor);
    this.zoomOut = h("button", { type: "button", className: "secondary zoom-out", "aria-label": "Zoom out" }, "−");
    this.zoomIn = h("button", { type: "button", className: "secondary zoom-in", "aria-label": "Zoom in" }, "+");
    this.fitButton = h("button", { type: "button", className: "secondary zoom-fit" }, "Whole map");
    this.zoomHint = h("span", { className: "hint zoom-hint", role: "status" });
    this.toolbar = h("div", { className: "seat-zoom", role: "group", "aria-label": `Zoom the ${label}` }, this.zoomOut, this.zoomIn, this.fitButton, this.zoomHint);
    this.scroller = h("div", { className: "seat-picker-map" }, svg);
    this.element = h("div", { className: "seat-viewport" }, this.toolbar, this.scroller);
    this.zoomIn.addEventListener("click", () => this.zoomBy(ZOOM_STEP));
    this.zoomOut.addEventListener("click", () => this.zoomBy(1 / ZOOM_STEP));
    this.fitButton.addEventListener("click", () => this.setScale(this.fitScale));
    this.scroller.addEventListener("wheel", (event) => this.onWheel(event), { passive: false });
    this.scroller.addEventListener("pointerdown", (event) => this.onPointer(event));
    this.scroller.addEventListener("pointermove", (event) => this.onPointer(event));
    for (const type of ["pointerup", "pointercancel", "pointerleave"] as const) {
      this.scroller.addEventListener(type, (event) => {
        this.pointers.delete(event.pointerId);
        if (this.pointers.size < 2) this.pinch = undefined;
      });
    }
    new ResizeObserver(() => this.refit()).observe(this.scroller);
  }

  /** Which side of the seats the stage drawn last is on (undefined: among them). */
  get stageSide(): StageSide | undefined {
    return STAGE_SIDES.find((side) => side === this.svg.dataset.stageSide);
  }

  /** Whether a tap lands on a seat big enough to be the one meant. */
  get comfortable(): boolean {
    return this.pitch * this.scale >= TOUCH_TARGET_PX - 0.5;
  }

  /**
   * Frames freshly drawn seats: the stage where the map has it (above the front row when it has
   * none), section names, row letters to the left, and the whole map, stage included, fitted to the
   * box (at most MAX_PITCH_PX between seats).
   */
  frame(seats: readonly Seat[], savedStage?: Stage | null): void {
    const box = boundsOf(seats);
    this.decor.replaceChildren();
    if (!box) return;
    this.pitch = typicalSpacing(seats);
    const p = this.pitch;
    const stage = stageOrDefault(savedStage, seats);
    const sections = [...new Set(seats.map((s) => s.section).filter(Boolean))];
    const sectionBand = sections.length > 0 ? p * 0.9 : 0;
    this.decor.append(stageShape(stage, p));
    this.svg.dataset.stageSide = sideOf(stage, seats) ?? "among";
    for (const section of sections) {
      const own = boundsOf(seats.filter((s) => s.section === section))!;
      this.decor.append(svgElement("text", { class: "section-label", x: (own.minX + own.maxX) / 2, y: own.minY - p * 0.75, "text-anchor": "middle", "font-size": p * 0.4 }, section));
    }
    const rows = new Map<string, Seat>();
    for (const seat of seats) {
      const key = `${seat.section}\u0000${seat.row}`;
      const first = rows.get(key);
      if (!first || seat.x < first.x) rows.set(key, seat);
    }
    for (const first of rows.values()) {
      this.decor.append(svgElement("text", { class: "row-label", x: first.x - p * 0.85, y: first.y, "text-anchor": "middle", "dominant-baseline": "central", "font-size": p * 0.36 }, first.row));
    }
    // The seats with their labels around them, and the stage wherever it is.
    const labelled = { minX: box.minX - p * 1.4, minY: box.minY - p * 0.7 - sectionBand, maxX: box.maxX + p * 0.8, maxY: box.maxY + p * 0.7 };
    const drawn = unionBox(labelled, stageBox(stage));
    const margin = p * 0.3;
    this.width = drawn.maxX - drawn.minX + margin * 2;
    this.svg.setAttribute("viewBox", `${drawn.minX - margin} ${drawn.minY - margin} ${this.width} ${drawn.maxY - drawn.minY + margin * 2}`);
    this.refit(true);
  }

  /** Scrolls so that a seat is in view (after best available picks seats off screen). */
  reveal(group: SVGGElement | null): void {
    group?.scrollIntoView({ block: "nearest", inline: "center" });
  }

  /** A touch on a map too small to tap precisely: zoom in to a comfortable size around that point. */
  zoomToward(clientX: number, clientY: number): void {
    this.setScale(Math.max(this.scale * ZOOM_STEP, TOUCH_TARGET_PX / this.pitch), { clientX, clientY });
  }

  private refit(first = false): void {
    const available = this.scroller.clientWidth;
    if (available <= 0 || this.width <= 0) return;
    const wasFitted = first || Math.abs(this.scale - this.fitScale) < 1e-6;
    this.fitScale = Math.min(available / this.width, MAX_PITCH_PX / this.pitch);
    if (wasFitted) this.setScale(this.fitScale);
    else this.setScale(this.scale);
  }

  private get maxScale(): number {
    return Math.max(this.fitScale, (TOUCH_TARGET_PX * 2) / this.pitch);
  }

  private zoomBy(factor: number): void {
    const box = this.scroller.getBoundingClientRect();
    this.setScale(this.scale * factor, { clientX: box.left + box.width / 2, clientY: box.top + box.height / 2 });
  }

  /** Sets the zoom, keeping the map point under `anchor` (client coordinates) where it was. */
  private setScale(next: number, anchor?: { clientX: number; clientY: number }): void {
    const scale = Math.min(this.maxScale, Math.max(this.fitScale, next));
    const box = this.scroller.getBoundingClientRect();
    const ax = anchor ? anchor.clientX - box.left : 0;
    const ay = anchor ? anchor.clientY - box.top : 0;
    const ratio = scale / this.scale;
    const scrollLeft = (this.scroller.scrollLeft + ax) * ratio - ax;
    const scrollTop = (this.scroller.scrollTop + ay) * ratio - ay;
    this.scale = scale;
    this.svg.style.width = `${Math.round(this.width * scale)}px`;
    if (anchor) this.scroller.scrollTo({ left: scrollLeft, top: scrollTop });
    this.zoomIn.disabled = scale >= this.maxScale - 1e-6;
    this.zoomOut.disabled = this.fitButton.disabled = scale <= this.fitScale + 1e-6;
    this.scroller.classList.toggle("zoomed", scale > this.fitScale + 1e-6);
    this.zoomHint.textContent = this.comfortable ? "" : "Seats are small here: zoom in (+ or pinch) to choose them.";
    this.svg.dataset.comfortable = String(this.comfortable);
  }

  private onWheel(event: WheelEvent): void {
    if (!event.ctrlKey) return; // a plain wheel scrolls the page; ctrl+wheel (and trackpad pinch) zooms
    event.preventDefault();
    this.setScale(this.scale * Math.exp(-event.deltaY / 300), event);
  }

  private onPointer(event: PointerEvent): void {
    if (event.pointerType !== "touch") return;
    this.pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    if (this.pointers.size !== 2) return;
    const [a, b] = [...this.pointers.values()] as [{ x: number; y: number }, { x: number; y: number }];
    const distance = Math.hypot(a.x - b.x, a.y - b.y);
    if (!this.pinch) {
      this.pinch = { distance, scale: this.scale };
      return;
    }
    event.preventDefault();
    this.setScale((this.pinch.scale * distance) / this.pinch.distance, { clientX: (a.x + b.x) / 2, clientY: (a.y + b.y) / 2 });
  }
}
