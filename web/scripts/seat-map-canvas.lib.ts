/**
 * The seat map drawn as SVG: one group per seat (a dot, a ring when wheelchair accessible, its
 * label), framed to fit, with a selection box, and the mapping from pointer to map coordinates.
 * It draws what it is given and decides nothing about seats.
 */
import { boundsOf, DEFAULT_SPACING, typicalSpacing, type Box, type Seat } from "./seat-map.lib";

const SVG = "http://www.w3.org/2000/svg";

function svgElement<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

export class SeatMapCanvas {
  readonly svg: SVGSVGElement;
  private readonly layer: SVGGElement;
  private readonly marquee: SVGRectElement;
  private readonly drawn = new Map<string, SVGGElement>();
  private radius = 12;

  constructor(label: string) {
    this.svg = svgElement("svg", { tabindex: 0, role: "application", class: "seatmap", "aria-label": label });
    this.layer = svgElement("g");
    this.marquee = svgElement("rect", { class: "marquee", visibility: "hidden" });
    this.svg.append(this.layer, this.marquee);
  }

  /** Redraws every seat; seats are sized from their typical spacing so neighbours never overlap. */
  draw(seats: readonly Seat[], spacing = DEFAULT_SPACING): void {
    this.radius = Math.max(3, Math.min(20, typicalSpacing(seats) * 0.42));
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
    this.fit(seats, spacing);
    this.svg.classList.toggle("blank", seats.length === 0);
  }

  /** Moves the drawn seats to their positions without redrawing (cheap enough for every drag step). */
  place(seats: readonly Seat[]): void {
    for (const seat of seats) this.drawn.get(seat.label)?.setAttribute("transform", `translate(${seat.x} ${seat.y})`);
  }

  paint(selection: ReadonlySet<string>): void {
    for (const [label, group] of this.drawn) group.classList.toggle("selected", selection.has(label));
  }

  /** Frames the seats with a margin; a handful of seats is not blown up to fill the whole canvas. */
  private fit(seats: readonly Seat[], spacing: number): void {
    const box = boundsOf(seats) ?? { minX: 0, minY: 0, maxX: 0, maxY: 0 };
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
