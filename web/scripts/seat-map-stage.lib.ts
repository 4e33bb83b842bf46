/**
 * The stage of a seat map as data, with no DOM use: a rectangle in the map's coordinates (x, y: its
 * top-left corner), as the API stores it (workers/domain/seat-map-stage.ts says why a rectangle).
 * The editor places it beside the seats with one click and then moves or resizes it; a map saved
 * without one gets `stageBeside(seats, "top")`, the stage the picker always drew above the front row.
 */
import { boundsOf, typicalSpacing, type Box, type Seat } from "./seat-map.lib";

/** The API's stage rectangle, the type the Worker validates (`workers/domain/seat-map-stage.ts`). */
import type { Stage } from "../../workers/domain/seat-map-stage";
export type { Stage };

export type StageSide = "top" | "bottom" | "left" | "right";
export const STAGE_SIDES: readonly StageSide[] = ["top", "bottom", "left", "right"];
export const DEFAULT_STAGE_LABEL = "Stage";
export const MAX_STAGE_LABEL = 40;
/** The smallest side a resize leaves, in map units. */
const MIN_STAGE_SIDE = 10;

const hasSections = (seats: readonly Seat[]) => seats.some((s) => s.section !== "");

/**
 * A stage beside the seats, clear of the labels drawn around them (section names above, row
 * letters to the left): 60 % as long as the hall is wide (or deep), at least four seats long.
 */
export function stageBeside(seats: readonly Seat[], side: StageSide, label = DEFAULT_STAGE_LABEL): Stage {
  const box = boundsOf(seats) ?? { minX: 0, minY: 0, maxX: 0, maxY: 0 };
  const p = typicalSpacing(seats);
  const thickness = Math.round(p * 0.9);
  const across = Math.round(Math.max((box.maxX - box.minX + p * 2.2) * 0.6, p * 4));
  const along = Math.round(Math.max((box.maxY - box.minY + p * 1.4) * 0.6, p * 4));
  const centreX = (box.minX + box.maxX) / 2;
  const centreY = (box.minY + box.maxY) / 2;
  const sectionBand = hasSections(seats) ? p * 0.9 : 0;
  switch (side) {
    case "top":
      return { x: Math.round(centreX - across / 2), y: Math.round(box.minY - p * 1.1 - sectionBand - thickness), width: across, height: thickness, label };
    case "bottom":
      return { x: Math.round(centreX - across / 2), y: Math.round(box.maxY + p * 1.1), width: across, height: thickness, label };
    case "left":
      return { x: Math.round(box.minX - p * 1.6 - thickness), y: Math.round(centreY - along / 2), width: thickness, height: along, label };
    case "right":
      return { x: Math.round(box.maxX + p * 1.1), y: Math.round(centreY - along / 2), width: thickness, height: along, label };
  }
}

/** Which side of the seats a stage is wholly on, if any (a stage among the seats is on none). */
export function sideOf(stage: Stage, seats: readonly Seat[]): StageSide | undefined {
  const box = boundsOf(seats);
  if (!box) return undefined;
  if (stage.y + stage.height < box.minY) return "top";
  if (stage.y > box.maxY) return "bottom";
  if (stage.x + stage.width < box.minX) return "left";
  if (stage.x > box.maxX) return "right";
  return undefined;
}

/** What the picker draws: the saved stage, or the one above the front row a map without one always had. */
export function stageOrDefault(stage: Stage | null | undefined, seats: readonly Seat[]): Stage {
  return stage ?? stageBeside(seats, "top");
}

export function moveStage(stage: Stage, dx: number, dy: number): Stage {
  return { ...stage, x: Math.round(stage.x + dx), y: Math.round(stage.y + dy) };
}

/** Drags the bottom-right corner; the top-left stays put and no side gets smaller than MIN_STAGE_SIDE. */
export function resizeStage(stage: Stage, dx: number, dy: number): Stage {
  return { ...stage, width: Math.max(MIN_STAGE_SIDE, Math.round(stage.width + dx)), height: Math.max(MIN_STAGE_SIDE, Math.round(stage.height + dy)) };
}

export function renameStage(stage: Stage, label: string): Stage {
  return { ...stage, label: label.trim().slice(0, MAX_STAGE_LABEL) || DEFAULT_STAGE_LABEL };
}

export function stageBox(stage: Stage): Box {
  return { minX: stage.x, minY: stage.y, maxX: stage.x + stage.width, maxY: stage.y + stage.height };
}

/** The smallest box holding both. */
export function unionBox(a: Box, b: Box): Box {
  return { minX: Math.min(a.minX, b.minX), minY: Math.min(a.minY, b.minY), maxX: Math.max(a.maxX, b.maxX), maxY: Math.max(a.maxY, b.maxY) };
}

const WHERE: Record<StageSide, string> = { top: "above the seats", bottom: "below the seats", left: "to the left of the seats", right: "to the right of the seats" };

/** "Main stage: below the seats.", for those who cannot see the map. */
export function stageSentence(label: string, side: StageSide | undefined): string {
  return `${label}: ${side ? WHERE[side] : "among the seats"}.`;
}
