/**
 * Where a seated tier's stage may be: a rectangle in the seat map's own coordinates (x, y: its
 * top-left corner), beside the seats and not over them. A rectangle rather than a side of the map
 * because halls are not all fronted on one side: a festival stage in the middle of a field, a ring
 * in the round, a thrust stage with seats on three sides are all one rectangle. The organizer's
 * editor places it beside the seats with one click (top, bottom, left, right) and drags it from there.
 */
export interface Stage {
  x: number;
  y: number;
  width: number;
  height: number;
  label: string;
}

export interface PlacedSeat {
  label: string;
  x: number;
  y: number;
}

/** However small the map, a stage may sit this far (map units) from its seats' outer box. */
export const STAGE_MIN_REACH = 300;

/** Seats whose centre lies on or inside the stage: nobody can sit on it. */
export function seatsUnderStage(stage: Stage, seats: readonly PlacedSeat[]): string[] {
  return seats
    .filter((s) => s.x >= stage.x && s.x <= stage.x + stage.width && s.y >= stage.y && s.y <= stage.y + stage.height)
    .map((s) => s.label);
}

/**
 * What is wrong with a stage over these seats, as sentences for the organizer (empty: nothing).
 * Besides covering no seat, the stage stays within reach of the seats (their outer box grown by
 * its larger side, or STAGE_MIN_REACH): the attendee's map is fitted to seats and stage together,
 * so a stage far away would shrink every seat to a dot.
 */
export function stageProblems(stage: Stage, seats: readonly PlacedSeat[]): string[] {
  const problems: string[] = [];
  const covered = seatsUnderStage(stage, seats);
  if (covered.length > 0) {
    const shown = covered.slice(0, 5).join(", ") + (covered.length > 5 ? ` and ${covered.length - 5} more` : "");
    problems.push(`The stage covers seat${covered.length === 1 ? "" : "s"} ${shown}; move it off the seats.`);
  }
  if (seats.length > 0) {
    const minX = Math.min(...seats.map((s) => s.x));
    const maxX = Math.max(...seats.map((s) => s.x));
    const minY = Math.min(...seats.map((s) => s.y));
    const maxY = Math.max(...seats.map((s) => s.y));
    const reach = Math.max(maxX - minX, maxY - minY, STAGE_MIN_REACH);
    const inside = stage.x >= minX - reach && stage.x + stage.width <= maxX + reach && stage.y >= minY - reach && stage.y + stage.height <= maxY + reach;
    if (!inside) problems.push(`Keep the stage near the seats: at most ${Math.round(reach)} units beyond them.`);
  }
  return problems;
}

/**
 * Seats as best available ranks them (workers/domain/best-available.ts: front rows first, then the
 * middle of the row): `y` becomes the seat's distance from the stage, so the rows nearest it come
 * first wherever it is, and `x` the position along the stage's long side, so "the middle of the
 * row" faces the middle of the stage. Without a stage the front is the top of the map (smallest y),
 * as the picker draws it: the seats are returned as they are.
 */
export function inStageFrame<T extends PlacedSeat>(seats: readonly T[], stage: Stage | null | undefined): T[] {
  if (!stage) return [...seats];
  const wide = stage.width >= stage.height;
  return seats.map((seat) => {
    const dx = Math.max(stage.x - seat.x, 0, seat.x - (stage.x + stage.width));
    const dy = Math.max(stage.y - seat.y, 0, seat.y - (stage.y + stage.height));
    return { ...seat, x: wide ? seat.x : seat.y, y: Math.hypot(dx, dy) };
  });
}
