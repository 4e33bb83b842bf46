/**
 * The seat-map editor of one seated tier: the organizer's tools to lay seats out (generate a grid,
 * select, move, rename, delete, mark accessible, add one seat) and to place the stage, around the
 * SVG canvas. Every decision about seats is made by seat-map.lib (the stage's by seat-map-stage.lib)
 * and every pixel is drawn by seat-map-canvas.lib; this file turns buttons, pointer and keys into
 * those calls and says what happened.
 */
import {
  addSeats,
  boxFrom,
  checkGrid,
  deleteSeats,
  DEFAULT_SPACING,
  duplicateLabels,
  generateGrid,
  labelsInBox,
  moveSeats,
  originBelow,
  parseRows,
  renameSeat,
  selectSeat,
  suggestSeat,
  toggleAccessible,
  typicalSpacing,
  type Seat,
} from "./seat-map.lib";
import { h } from "./elements.lib";
import { SeatMapCanvas } from "./seat-map-canvas.lib";
import { editorHint, editorLegend, gridTool, SeatInspector, type GridRequest } from "./seat-map-editor-tools.lib";
import { moveStage, resizeStage, type Stage } from "./seat-map-stage.lib";
import { StageTool } from "./seat-map-stage-tool.lib";

/** Screen pixels a pointer must travel before a press becomes a drag. */
const DRAG_THRESHOLD = 4;

export interface SeatMapOptions {
  seats: Seat[];
  /** The stage as saved (null: none set). */
  stage?: Stage | null;
  /** Labels used by the event's other seated tiers: labels are unique across the whole event. */
  takenElsewhere: () => Set<string>;
  onChange: (seats: Seat[]) => void;
  /** Seats already sold cannot be deleted or renamed by the API; shown for information. */
  readOnly?: boolean;
}

type Drag =
  | { kind: "move"; pointerId: number; startClient: { x: number; y: number }; start: { x: number; y: number }; before: Seat[]; moved: boolean }
  | { kind: "box"; pointerId: number; startClient: { x: number; y: number }; start: { x: number; y: number }; base: Set<string>; moved: boolean }
  | { kind: "stage"; part: "move" | "resize"; pointerId: number; startClient: { x: number; y: number }; start: { x: number; y: number }; before: Stage; now: Stage; moved: boolean };

export class SeatMapEditor {
  readonly element: HTMLElement;
  private seats: Seat[];
  private selection = new Set<string>();
  private spacing = DEFAULT_SPACING;
  private drag: Drag | undefined;
  private readonly canvas = new SeatMapCanvas("Seat map editor");
  private readonly empty: HTMLElement;
  private readonly count: HTMLElement;
  private readonly message: HTMLElement;
  private readonly inspector: SeatInspector;
  private readonly gridTool: HTMLDetailsElement;
  readonly stage: StageTool;

  constructor(private readonly options: SeatMapOptions) {
    this.seats = options.seats.map((s) => ({ ...s }));
    this.spacing = Math.round(typicalSpacing(this.seats));
    this.gridTool = gridTool(this.seats.length === 0, (request) => this.generate(request));
    this.inspector = new SeatInspector({
      rename: (to) => this.renameSelected(to),
      toggleAccessible: () => this.toggleAccessibleSelected(),
      delete: () => this.deleteSelected(),
    });
    this.empty = h("p", { className: "seatmap-empty" }, "No seats yet. Generate a grid or add a seat.");
    this.count = h("strong", { className: "seat-count" });
    const selectAll = h("button", { type: "button", className: "secondary small" }, "Select all");
    selectAll.addEventListener("click", () => this.select(new Set(this.seats.map((s) => s.label))));
    const addSeat = h("button", { type: "button", className: "secondary small" }, "Add seat");
    addSeat.addEventListener("click", () => this.addOne());
    this.message = h("p", { className: "seatmap-message", role: "status", "aria-live": "polite" });
    this.stage = new StageTool(options.stage ?? null, () => this.seats, (said) => this.stageChanged(said), !!options.readOnly);

    this.element = h(
      "div",
      { className: "seatmap-editor" },
      this.gridTool,
      h("div", { className: "seatmap-toolbar" }, this.count, h("span", { className: "spacer" }), selectAll, addSeat),
      h("div", { className: "seatmap-canvas" }, this.canvas.svg, this.empty),
      this.stage.element,
      this.inspector.element,
      this.message,
      editorHint(),
      editorLegend(),
    );
    if (!options.readOnly) this.canvas.focusableStage();
    this.listen();
    this.redraw();
    const repeated = duplicateLabels(this.seats);
    if (repeated.length > 0) this.say(`These labels are used twice; rename them before saving: ${repeated.join(", ")}.`, true);
  }

  get currentSeats(): Seat[] {
    return this.seats.map((s) => ({ ...s }));
  }

  get currentStage(): Stage | null {
    return this.stage.current;
  }

  private stageChanged(said: string): void {
    this.redraw();
    this.options.onChange(this.currentSeats);
    this.say(said);
  }

  // ------------------------------------------------------------------ edits

  private generate({ section, rows: rowSpec, seatsPerRow, spacing }: GridRequest): void {
    const rows = parseRows(rowSpec);
    if (!rows.ok) return this.say(rows.message, true);
    const spec = { section, rows: rows.value, seatsPerRow, spacing, origin: originBelow(this.seats, spacing) };
    const problem = checkGrid(spec);
    if (problem) return this.say(problem, true);
    const grid = generateGrid(spec);
    const result = addSeats(this.seats, grid, this.options.takenElsewhere());
    if (!result.ok) return this.say(result.message, true);
    this.spacing = spacing;
    this.selection = new Set();
    this.commit(result.value);
    this.gridTool.open = false;
    this.say(`Added ${grid.length} seats in ${rows.value.length} row${rows.value.length === 1 ? "" : "s"}.`);
  }

  private addOne(): void {
    const near = this.selection.size === 1 ? this.seats.find((s) => this.selection.has(s.label)) : undefined;
    const seat = suggestSeat(this.seats, near, this.spacing, this.options.takenElsewhere());
    const result = addSeats(this.seats, [seat], this.options.takenElsewhere());
    if (!result.ok) return this.say(result.message, true);
    this.selection = new Set([seat.label]);
    this.commit(result.value);
    this.say(`Added seat ${seat.label}. Type a new label to rename it.`);
    this.inspector.labelInput.focus();
    this.inspector.labelInput.select();
  }

  private renameSelected(to: string): void {
    const [from] = [...this.selection];
    if (from === undefined || this.selection.size !== 1) return;
    const result = renameSeat(this.seats, from, to, this.options.takenElsewhere());
    if (!result.ok) {
      this.say(result.message, true);
      this.inspector.labelInput.focus();
      return;
    }
    this.selection = new Set([to]);
    this.commit(result.value);
    if (to !== from) this.say(`Renamed ${from} to ${to}.`);
  }

  private toggleAccessibleSelected(): void {
    const seats = toggleAccessible(this.seats, this.selection);
    const names = this.namesOfSelection();
    this.commit(seats);
    const marked = seats.some((s) => this.selection.has(s.label) && s.accessible);
    this.say(marked ? `Marked ${names} wheelchair accessible.` : `${names}: no longer marked accessible.`);
  }

  private namesOfSelection(): string {
    const labels = [...this.selection];
    return labels.length <= 3 ? labels.join(", ") : `${labels.length} seats`;
  }

  private deleteSelected(): void {
    if (this.selection.size === 0) return;
    const names = this.namesOfSelection();
    this.commit(deleteSeats(this.seats, this.selection));
    this.say(`Deleted ${names}.`);
  }

  /** Takes a new seat list and redraws; the action that made it says what happened afterwards. */
  private commit(seats: Seat[]): void {
    this.seats = seats;
    const labels = new Set(seats.map((s) => s.label));
    this.selection = new Set([...this.selection].filter((l) => labels.has(l)));
    this.say("");
    this.stage.seatsChanged();
    this.redraw();
    this.options.onChange(this.currentSeats);
  }

  private select(selection: Set<string>): void {
    this.selection = selection;
    this.say("");
    this.paintSelection();
  }

  private say(text: string, problem = false): void {
    this.message.textContent = text;
    this.message.classList.toggle("problem", problem);
  }

  // ------------------------------------------------------------------ input

  private listen(): void {
    this.canvas.svg.addEventListener("pointerdown", (event) => {
      if (event.button !== 0 || this.options.readOnly) return;
      const stagePart = this.canvas.stageAt(event.target);
      this.canvas.focus(stagePart !== undefined); // a pressed stage takes the keys, as a tabbed-to one does
      const start = this.canvas.pointAt(event);
      const startClient = { x: event.clientX, y: event.clientY };
      const seat = this.canvas.seatAt(event.target);
      if (stagePart) {
        const before = this.stage.shown();
        this.drag = { kind: "stage", part: stagePart, pointerId: event.pointerId, startClient, start, before, now: before, moved: false };
      } else if (seat !== undefined) {
        if (event.shiftKey || !this.selection.has(seat)) this.select(selectSeat(this.selection, seat, event.shiftKey));
        if (!this.selection.has(seat)) return;
        this.drag = { kind: "move", pointerId: event.pointerId, startClient, start, before: this.seats, moved: false };
      } else {
        const base = event.shiftKey ? new Set(this.selection) : new Set<string>();
        this.drag = { kind: "box", pointerId: event.pointerId, startClient, start, base, moved: false };
      }
      this.canvas.svg.setPointerCapture(event.pointerId);
      event.preventDefault();
    });
    this.canvas.svg.addEventListener("pointermove", (event) => {
      const drag = this.drag;
      if (!drag || drag.pointerId !== event.pointerId) return;
      if (!drag.moved && Math.hypot(event.clientX - drag.startClient.x, event.clientY - drag.startClient.y) < DRAG_THRESHOLD) return;
      drag.moved = true;
      const point = this.canvas.pointAt(event);
      const [dx, dy] = [point.x - drag.start.x, point.y - drag.start.y];
      if (drag.kind === "move") {
        this.seats = moveSeats(drag.before, this.selection, dx, dy);
        this.canvas.place(this.seats);
      } else if (drag.kind === "stage") {
        drag.now = drag.part === "move" ? moveStage(drag.before, dx, dy) : resizeStage(drag.before, dx, dy);
        this.canvas.showStage(drag.now);
      } else {
        const box = boxFrom(drag.start, point);
        this.canvas.showBox(box);
        this.select(new Set([...drag.base, ...labelsInBox(this.seats, box)]));
      }
    });
    const finish = (event: PointerEvent) => {
      const drag = this.drag;
      if (!drag || drag.pointerId !== event.pointerId) return;
      this.drag = undefined;
      this.canvas.showBox(undefined);
      if (drag.kind === "move" && drag.moved) this.commit(this.seats);
      if (drag.kind === "box" && !drag.moved) this.select(drag.base);
      if (drag.kind === "stage" && drag.moved) this.stage.set(drag.now);
    };
    this.canvas.svg.addEventListener("pointerup", finish);
    this.canvas.svg.addEventListener("pointercancel", finish);
    this.canvas.svg.addEventListener("keydown", (event) => this.onKey(event));
  }

  private onKey(event: KeyboardEvent): void {
    if (this.options.readOnly) return;
    if (this.canvas.isStage(event.target)) return void (this.stage.key(event) && event.preventDefault());
    const steps: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const step = steps[event.key];
    if (step && this.selection.size > 0) {
      const size = event.shiftKey ? 10 : 1;
      this.commit(moveSeats(this.seats, this.selection, step[0] * size, step[1] * size));
    } else if ((event.key === "Delete" || event.key === "Backspace") && this.selection.size > 0) {
      this.deleteSelected();
    } else if (event.key === "Escape") {
      this.select(new Set());
    } else if (event.key.toLowerCase() === "a" && (event.ctrlKey || event.metaKey)) {
      this.select(new Set(this.seats.map((s) => s.label)));
    } else {
      return;
    }
    event.preventDefault();
  }

  // ------------------------------------------------------------------ drawing

  private redraw(): void {
    this.canvas.draw(this.seats, this.spacing, this.stage.shown());
    this.paintSelection();
    const accessible = this.seats.filter((s) => s.accessible).length;
    this.count.textContent = `${this.seats.length} seat${this.seats.length === 1 ? "" : "s"}${accessible ? ` · ${accessible} accessible` : ""}`;
    this.empty.hidden = this.seats.length > 0;
  }

  private paintSelection(): void {
    this.canvas.paint(this.selection);
    this.inspector.show(this.seats.filter((s) => this.selection.has(s.label)), !!this.options.readOnly);
  }
}
