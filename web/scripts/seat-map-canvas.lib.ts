/**
 * The seat map drawn as SVG: one group per seat (a dot, a ring when wheelchair accessible, its
 * label), the stage with a corner to resize it by (the editor's), framed to fit, with a selection
 * box, and the mapping from pointer to map coordinates. It draws what it is given and decides
 * nothing about seats.
 */
import { boundsOf, DEFAULT_SPACING, typicalSpacing, type Box, type Seat } from "./seat-map.lib";
import { stageBox, unionBox, type Stage } from "./seat-map-stage.lib";

const SVG = "http://www.w3.org/2000/svg";

function svgElement<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/**
 * The stage as a rounded rectangle with its name in capitals, turned upright on a stage deeper than
 * it is wide (one at the side of the hall), sized to fit inside it.
 */
export function stageShape(stage: Stage, pitch: number): SVGGElement {
  const group = svgElement("g", { class: "stage-shape" });
  const { x, y, width, height } = stage;
  group.append(svgElement("rect", { class: "stage", x, y, width, height, rx: Math.min(pitch * 0.2, Math.min(width, height) / 4) }));
  const upright = height > width * 1.5;
  const [short, long] = upright ? [width, height] : [height, width];
  const text = stage.label.toUpperCase();
  const size = Math.max(2, Math.min(pitch * 0.42, short * 0.5, (long * 0.85) / (Math.max(4, text.length) * 0.8)));
  const cx = x + width / 2;
  const cy = y + height / 2;
  const label = svgElement("text", { class: "stage-label", x: cx, y: cy, "text-anchor": "middle", "dominant-baseline": "central", "font-size": size });
  if (upright) label.setAttribute("transform", `rotate(-90 ${cx} ${cy})`);
  label.textContent = text;
  group.append(label);
  return group;
}

export class SeatMapCanvas {
  readonly svg: SVGSVGElement;
  private readonly stageLayer: SVGGElement;
  private readonly layer: SVGGElement;
  private readonly marquee: SVGRectElement;
  private readonly drawn = new Map<string, SVGGElement>();
  private radius = 12;
  private pitch = DEFAULT_SPACING;
  private stage: Stage | undefined;

  constructor(label: string) {
    this.svg = svgElement("svg", { tabindex: 0, role: "application", class: "seatmap", "aria-label": label });
    this.stageLayer = svgElement("g", { class: "map-decor" });
    this.layer = svgElement("g");
    this.marquee = svgElement("rect", { class: "marquee", visibility: "hidden" });
    this.svg.append(this.stageLayer, this.layer, this.marquee);
  }

  /**
   * Redraws every seat, and the stage when one is given (the editor's; the picker's viewport draws
   * its own around the seats); seats are sized from their typical spacing so neighbours never overlap.
   */
  draw(seats: readonly Seat[], spacing = DEFAULT_SPACING, stage?: Stage): void {
    this.pitch = typicalSpacing(seats);
    this.radius = Math.max(3, Math.min(20, this.pitch * 0.42));
    this.layer.replaceChildren();
    this.drawn.clear();
    for (const seat of seats) {
      const group = svgElement("g", { class: seat.accessible ? "seat accessible" : "seat" });
      group.dataset.label = seat.label;
      if (seat.accessible) group.append(svgElement("circle", { class: "ring", r: this.radius + 3 }));
      group.append(svgElement("circle", { class: "dot", r: this.radius }));
      const text = svgElement("text", { "text-anchor": "middle", "dominant-baseline": "central" });
      text.setAttribute("font-size", String(Math.min(this.radius * 0.8, (this.radius * 2.6) / Math.max(2, seat.label.length))));
      text.textContent = seat.label;
      const title = svgElement("title");
      title.textContent = `${seat.label}${seat.section ? ` · ${seat.section}` : ""}${seat.accessible ? " · wheelchair accessible" : ""}`;
      group.append(text, title);
      this.layer.append(group);
      this.drawn.set(seat.label, group);
    }
    this.place(seats);
    this.showStage(stage);
    this.fit(seats, spacing);
    this.svg.classList.toggle("blank", seats.length === 0);
  }

  /** Redraws the stage alone (every step of a drag) with a handle at its bottom-right corner to resize it by. */
  showStage(stage: Stage | undefined): void {
    this.stage = stage;
    this.stageLayer.replaceChildren();
    if (!stage) return;
    const shape = stageShape(stage, this.pitch);
    const handle = Math.max(6, this.pitch * 0.35);
    shape.append(svgElement("rect", { class: "stage-handle", x: stage.x + stage.width - handle / 2, y: stage.y + stage.height - handle / 2, width: handle, height: handle }));
    this.stageLayer.append(shape);
    if (this.stageLayer.hasAttribute("tabindex")) {
      this.stageLayer.setAttribute("aria-label", `${stage.label}: the arrow keys move it, shift and the arrow keys resize it`);
    }
  }

  /** The editor's stage takes the keyboard focus (Tab, or pressing it): its arrow keys move or resize it. */
  focusableStage(): void {
    this.stageLayer.setAttribute("tabindex", "0");
    this.stageLayer.setAttribute("role", "button");
  }

  /** Focuses the stage (when focusable) or else the map, without scrolling. */
  focus(stage: boolean): void {
    (stage && this.stageLayer.hasAttribute("tabindex") ? this.stageLayer : this.svg).focus({ preventScroll: true });
  }

  /** Whether a key's target is the focused stage. */
  isStage(target: EventTarget | null): boolean {
    return target === this.stageLayer && this.stageLayer.hasAttribute("tabindex");
  }

  /** Whether an event's target is the stage (`"move"`) or its corner (`"resize"`). */
  stageAt(target: EventTarget | null): "move" | "resize" | undefined {
    if (!(target instanceof Element) || !target.closest(".stage-shape")) return undefined;
    return target.closest(".stage-handle") ? "resize" : "move";
  }

  /** Moves the drawn seats to their positions without redrawing (cheap enough for every drag step). */
  place(seats: readonly Seat[]): void {
    for (const seat of seats) this.drawn.get(seat.label)?.setAttribute("transform", `translate(${seat.x} ${seat.y})`);
  }

  paint(selection: ReadonlySet<string>): void {
    for (const [label, group] of this.drawn) group.classList.toggle("selected", selection.has(label));
  }

  /** Frames the seats and the stage with a margin; a handful of seats is not blown up to fill the whole canvas. */
  private fit(seats: readonly Seat[], spacing: number): void {
    const seatBox = boundsOf(seats);
    const box = this.stage ? (seatBox ? unionBox(seatBox, stageBox(this.stage)) : stageBox(this.stage)) : (seatBox ?? { minX: 0, minY: 0, maxX: 0, maxY: 0 });
    const pad = this.radius * 2 + 8;
    const unit = Math.max(spacing, this.radius * 2.4);
    const width = Math.max(box.maxX - box.minX + pad * 2, unit * 8);
    const height = Math.max(box.maxY - box.minY + pad * 2, unit * 3);
    const x = (box.minX + box.maxX) / 2 - width / 2;
    const y = (box.minY + box.maxY) / 2 - height / 2;
    this.svg.setAttribute("viewBox", `${x} ${y} ${width} ${height}`);
  }

  showBox(box: Box | undefined): void {
    if (!box) {
      this.marquee.setAttribute("visibility", "hidden");
      return;
    }
    this.marquee.setAttribute("x", String(box.minX));
    this.marquee.setAttribute("y", String(box.minY));
    this.marquee.setAttribute("width", String(box.maxX - box.minX));
    this.marquee.setAttribute("height", String(box.maxY - box.minY));
    this.marquee.setAttribute("visibility", "visible");
  }

  /** A pointer position in map coordinates, whatever the canvas's current scale. */
  pointAt(event: { clientX: number; clientY: number }): { x: number; y: number } {
    const matrix = this.svg.getScreenCTM();
    if (!matrix) return { x: 0, y: 0 };
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
    return { x: point.x, y: point.y };
  }

  /** The label of the seat under an event's target, if any. */
  seatAt(target: EventTarget | null): string | undefined {
    return target instanceof Element ? target.closest<SVGGElement>(".seat")?.dataset.label : undefined;
  }
}
