/**
 * The seat-map editor's stage: where it is (one click puts it beside the seats, top, bottom, left
 * or right; a drag on the map moves it or, by its corner, resizes it) and its name. Keeps the
 * stage the organizer set; a map with none shows the stage above the front row, as attendees see it.
 * A stage put beside the seats with a click stays beside them when seats are added or moved; one
 * dragged by hand stays where it was put. On the keyboard, the focused stage moves by one grid step
 * (the seats' spacing) per arrow key and grows or shrinks by one with shift. "Remove stage" takes the
 * organizer's stage away again: the map is saved without one (null), as before one was set.
 */
import { h } from "./elements.lib";
import { typicalSpacing, type Seat } from "./seat-map.lib";
import {
  DEFAULT_STAGE_LABEL,
  MAX_STAGE_LABEL,
  moveStage,
  renameStage,
  resizeStage,
  sideOf,
  stageBeside,
  stageOrDefault,
  STAGE_SIDES,
  type Stage,
  type StageSide,
} from "./seat-map-stage.lib";

const SIDE_WORDS: Record<StageSide, string> = { top: "Top", bottom: "Bottom", left: "Left", right: "Right" };
/** An arrow key's direction, and the word for it. */
const ARROWS: Record<string, [number, number, string]> = { ArrowLeft: [-1, 0, "left"], ArrowRight: [1, 0, "right"], ArrowUp: [0, -1, "up"], ArrowDown: [0, 1, "down"] };

export class StageTool {
  readonly element: HTMLElement;
  private saved: Stage | null;
  /** The side a click put the stage on, until it is dragged. */
  private side: StageSide | undefined;
  private readonly buttons = new Map<StageSide, HTMLButtonElement>();
  private readonly name: HTMLInputElement;
  private readonly where: HTMLElement;
  private readonly remove: HTMLButtonElement;

  constructor(
    stage: Stage | null,
    private readonly seats: () => readonly Seat[],
    private readonly changed: (said: string) => void,
    readOnly: boolean,
  ) {
    this.saved = stage;
    const group = h("div", { className: "stage-sides", role: "group", "aria-label": "Where the stage is" });
    for (const side of STAGE_SIDES) {
      const button = h("button", { type: "button", className: "secondary small", "aria-pressed": "false", disabled: readOnly }, SIDE_WORDS[side]);
      button.dataset.side = side;
      button.addEventListener("click", () => this.place(side));
      this.buttons.set(side, button);
      group.append(button);
    }
    this.name = h("input", { className: "stage-name", maxLength: MAX_STAGE_LABEL, value: stage?.label ?? DEFAULT_STAGE_LABEL, "aria-label": "Stage name", disabled: readOnly });
    this.name.addEventListener("change", () => this.rename(this.name.value));
    this.name.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault(); // Enter names the stage; it does not submit the event form
      this.rename(this.name.value);
    });
    this.remove = h("button", { type: "button", className: "secondary small danger-text remove-stage", disabled: readOnly }, "Remove stage");
    this.remove.addEventListener("click", () => this.removeStage());
    this.where = h("span", { className: "stage-where hint" });
    this.element = h(
      "div",
      { className: "stage-tool" },
      h("span", { className: "label" }, "Stage"),
      group,
      h("label", { className: "stage-name-field" }, "Name ", this.name),
      this.remove,
      this.where,
    );
    this.render();
  }

  /** The stage to save: null while the organizer has not set one. */
  get current(): Stage | null {
    return this.saved ? { ...this.saved } : null;
  }

  /** The stage to draw: the one set, or the one above the front row. */
  shown(): Stage {
    return stageOrDefault(this.saved, this.seats());
  }

  /** Where the API's field errors about the stage (`tiers.N.stage`) are shown. */
  set field(path: string) {
    this.element.dataset.field = path;
  }

  /** A drag put the stage here by hand. */
  set(stage: Stage): void {
    this.byHand(stage, `Stage moved to ${Math.round(stage.x)}, ${Math.round(stage.y)}, ${Math.round(stage.width)} × ${Math.round(stage.height)}.`);
  }

  /**
   * A key pressed on the focused stage: an arrow moves it one grid step (the seats' spacing), with
   * shift it resizes it by one (right and down grow it, left and up shrink it). Whether it was such a key.
   */
  key(event: KeyboardEvent): boolean {
    const arrow = ARROWS[event.key];
    if (!arrow || event.altKey || event.ctrlKey || event.metaKey) return false;
    const step = Math.max(1, Math.round(typicalSpacing(this.seats())));
    const [dx, dy] = [arrow[0] * step, arrow[1] * step];
    if (event.shiftKey) {
      const stage = resizeStage(this.shown(), dx, dy);
      this.byHand(stage, `Stage resized to ${stage.width} × ${stage.height}.`);
    } else {
      const stage = moveStage(this.shown(), dx, dy);
      this.byHand(stage, `Stage moved ${arrow[2]} to ${stage.x}, ${stage.y}.`);
    }
    return true;
  }

  private byHand(stage: Stage, said: string): void {
    this.saved = stage;
    this.side = undefined;
    this.render();
    this.changed(said);
  }

  /** Back to no stage of the organizer's: saved as null, drawn above the front row as attendees will see it. */
  private removeStage(): void {
    if (!this.saved) return;
    this.saved = null;
    this.side = undefined;
    this.name.value = DEFAULT_STAGE_LABEL;
    this.render();
    this.buttons.get("top")?.focus(); // the button pressed is hidden now
    this.changed("Stage removed: attendees see it above the front row until you place it again.");
  }

  /** Seats changed: a stage put beside them by a click follows them. */
  seatsChanged(): void {
    if (this.saved && this.side && this.seats().length > 0) this.saved = stageBeside(this.seats(), this.side, this.saved.label);
    this.render();
  }

  private place(side: StageSide): void {
    this.saved = stageBeside(this.seats(), side, this.shown().label);
    this.side = side;
    this.render();
    this.changed(`The stage is now at the ${side} of the map.`);
  }

  private rename(label: string): void {
    const next = renameStage(this.shown(), label);
    if (this.saved && next.label === this.saved.label) return;
    if (!this.saved) this.side = "top";
    this.saved = next;
    this.name.value = next.label;
    this.render();
    this.changed(`The stage is called ${next.label}.`);
  }

  private render(): void {
    const at = sideOf(this.shown(), this.seats());
    for (const [side, button] of this.buttons) button.setAttribute("aria-pressed", String(side === at));
    this.remove.hidden = !this.saved;
    this.where.textContent = !this.saved
      ? "Not set: attendees see it above the front row."
      : at
        ? `At the ${at}. Drag it on the map to move it, or its corner to resize it.`
        : "Among the seats. Drag it on the map to move it, or its corner to resize it.";
  }
}
