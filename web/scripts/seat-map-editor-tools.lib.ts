/**
 * The seat-map editor's tool widgets: the grid generator, the inspector of the selected seats and
 * the legend. They only build controls and report what was asked; SeatMapEditor decides and draws.
 */
import { h } from "./elements.lib";
import { DEFAULT_SPACING, type Seat } from "./seat-map.lib";

export interface GridRequest {
  section: string;
  rows: string;
  seatsPerRow: number;
  spacing: number;
}

function numberInput(label: string, value: number, min: number, max: number): { field: HTMLElement; input: HTMLInputElement } {
  const input = h("input", { type: "number", min: String(min), max: String(max), step: "1", value: String(value), inputMode: "numeric" });
  return { field: h("label", { className: "field" }, label, input), input };
}

/** Enter inside a tool runs the tool instead of submitting the event form around it. */
export function enterTriggers(container: HTMLElement, button: HTMLButtonElement): void {
  container.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target instanceof HTMLInputElement) {
      event.preventDefault();
      button.click();
    }
  });
}

/** "Generate grid": section, rows (`A–H`), seats per row and spacing; open while the map is empty. */
export function gridTool(open: boolean, onGenerate: (request: GridRequest) => void): HTMLDetailsElement {
  const section = h("input", { value: "Main", maxLength: 60, "aria-label": "Section name" });
  const rows = h("input", { value: "A–H", maxLength: 100, "aria-label": "Rows", placeholder: "A–H" });
  const perRow = numberInput("Seats per row", 10, 1, 500);
  const spacing = numberInput("Spacing", DEFAULT_SPACING, 5, 500);
  const generate = h("button", { type: "button", className: "secondary" }, "Generate grid");
  generate.addEventListener("click", () =>
    onGenerate({ section: section.value.trim(), rows: rows.value, seatsPerRow: Number(perRow.input.value), spacing: Number(spacing.input.value) }),
  );
  const tool = h(
    "details",
    { className: "grid-tool", open },
    h("summary", {}, "Generate grid"),
    h(
      "div",
      { className: "grid-form" },
      h("label", { className: "field" }, "Section", section),
      h("label", { className: "field" }, "Rows", rows),
      perRow.field,
      spacing.field,
      generate,
    ),
    h("p", { className: "hint" }, "Seats are labelled row + number (A1, A2, …) and added below any seats already on the map."),
  );
  enterTriggers(tool, generate);
  return tool;
}

export interface InspectorActions {
  rename: (to: string) => void;
  toggleAccessible: () => void;
  delete: () => void;
}

/** What is selected, with rename (one seat), mark accessible and delete. */
export class SeatInspector {
  readonly element: HTMLElement;
  readonly labelInput: HTMLInputElement;
  private readonly summary: HTMLElement;
  private readonly renameButton: HTMLButtonElement;
  private readonly accessibleButton: HTMLButtonElement;
  private readonly deleteButton: HTMLButtonElement;

  constructor(actions: InspectorActions) {
    this.summary = h("span", { className: "selection-summary" });
    this.labelInput = h("input", { className: "seat-label", maxLength: 20, "aria-label": "Seat label", disabled: true });
    this.renameButton = h("button", { type: "button", className: "secondary small", disabled: true }, "Rename");
    this.renameButton.addEventListener("click", () => actions.rename(this.labelInput.value.trim()));
    this.accessibleButton = h("button", { type: "button", className: "secondary small", disabled: true, "aria-pressed": "false" }, "Accessible");
    this.accessibleButton.addEventListener("click", () => actions.toggleAccessible());
    this.deleteButton = h("button", { type: "button", className: "danger small", disabled: true }, "Delete");
    this.deleteButton.addEventListener("click", () => actions.delete());
    this.element = h(
      "div",
      { className: "seat-inspector" },
      this.summary,
      h("span", { className: "rename" }, this.labelInput, this.renameButton),
      this.accessibleButton,
      this.deleteButton,
    );
    enterTriggers(this.element, this.renameButton);
  }

  show(chosen: readonly Seat[], readOnly: boolean): void {
    const n = chosen.length;
    const names = chosen.slice(0, 6).map((s) => s.label).join(", ") + (n > 6 ? ", …" : "");
    this.summary.textContent = n === 0 ? "No seats selected" : `${n} selected: ${names}`;
    const one = n === 1 ? chosen[0] : undefined;
    this.labelInput.disabled = !one || readOnly;
    this.renameButton.disabled = this.labelInput.disabled;
    this.labelInput.value = one?.label ?? "";
    const allAccessible = n > 0 && chosen.every((s) => s.accessible);
    this.accessibleButton.disabled = n === 0 || readOnly;
    this.accessibleButton.setAttribute("aria-pressed", String(allAccessible));
    this.accessibleButton.textContent = allAccessible ? "Accessible ✓" : "Mark accessible";
    this.deleteButton.disabled = n === 0 || readOnly;
    this.deleteButton.textContent = n > 1 ? `Delete ${n} seats` : "Delete";
  }
}

export function editorLegend(): HTMLElement {
  return h(
    "div",
    { className: "seatmap-legend", "aria-hidden": "true" },
    h("span", {}, h("span", { className: "key key-seat" }), "Seat"),
    h("span", {}, h("span", { className: "key key-accessible" }), "Wheelchair accessible"),
    h("span", {}, h("span", { className: "key key-selected" }), "Selected"),
  );
}

/** How to work the editor with a mouse and with the keyboard. */
export function editorHint(): HTMLElement {
  return h(
    "p",
    { className: "hint" },
    "Click a seat to select it, shift-click to add to the selection, or drag across empty space to select an area. " +
      "Drag selected seats or use the arrow keys (shift: 10×) to move them; Delete removes them. " +
      "Tab to the stage to move it with the arrow keys, one grid step at a time; shift and the arrow keys resize it.",
  );
}
