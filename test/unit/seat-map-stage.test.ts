/**
 * The stage's geometry (web/scripts/seat-map-stage.lib.ts) and its rules (workers/domain/
 * seat-map-stage.ts): a stage put beside the seats on any side is on that side, clear of every
 * seat and acceptable to the API; a map without one gets exactly the top stage; best available
 * ranks rows from wherever the stage is.
 */
import { describe, expect, it } from "vitest";
import { chooseBestAvailable } from "../../workers/domain/best-available";
import { inStageFrame, seatsUnderStage, stageProblems } from "../../workers/domain/seat-map-stage";
import type { Seat } from "../../web/scripts/seat-map.lib";
import { moveStage, resizeStage, sideOf, stageBeside, stageOrDefault, STAGE_SIDES } from "../../web/scripts/seat-map-stage.lib";

/** Rows A–D of 6 seats, 30 apart, in two sections side by side. */
const hall: Seat[] = ["A", "B", "C", "D"].flatMap((row, r) =>
  Array.from({ length: 6 }, (_, i) => ({ label: `${row}${i + 1}`, section: i < 3 ? "Left" : "Right", row, number: i + 1, x: i * 30 + (i < 3 ? 0 : 40), y: r * 30, accessible: false })),
);

describe("a stage beside the seats", () => {
  it.each(STAGE_SIDES)("put at the %s is on that side, covers no seat and passes the API's rules", (side) => {
    const stage = stageBeside(hall, side, "Main stage");
    expect(sideOf(stage, hall)).toBe(side);
    expect(seatsUnderStage(stage, hall)).toEqual([]);
    expect(stageProblems(stage, hall)).toEqual([]);
    expect(stage.label).toBe("Main stage");
    for (const value of [stage.x, stage.y, stage.width, stage.height]) expect(Number.isInteger(value)).toBe(true);
  });

  it("is the top stage when a map has none, and a saved one otherwise", () => {
    expect(stageOrDefault(null, hall)).toEqual(stageBeside(hall, "top"));
    const saved = { x: 0, y: 200, width: 50, height: 20, label: "Pit" };
    expect(stageOrDefault(saved, hall)).toBe(saved);
  });

  it("moves in whole units and never resizes below 10 units a side", () => {
    const stage = { x: 0, y: 0, width: 40, height: 20, label: "Stage" };
    expect(moveStage(stage, 10.4, -5.6)).toMatchObject({ x: 10, y: -6, width: 40, height: 20 });
    expect(resizeStage(stage, -100, 7.7)).toMatchObject({ x: 0, y: 0, width: 10, height: 28 });
  });
});

describe("the API's rules for a stage", () => {
  it("names the seats a stage covers, and refuses one out of reach", () => {
    expect(stageProblems({ x: 25, y: -5, width: 40, height: 10, label: "Stage" }, hall)[0]).toContain("A2, A3");
    expect(stageProblems({ x: 2000, y: 0, width: 50, height: 20, label: "Stage" }, hall)[0]).toContain("near the seats");
  });
});

describe("best available from the stage", () => {
  const seats = hall.map((s) => ({ ...s, available: true }));
  it("starts from the row nearest the stage, whichever side it is on", () => {
    expect(chooseBestAvailable(inStageFrame(seats, null), { quantity: 2 })!.every((l) => l.startsWith("A"))).toBe(true);
    expect(chooseBestAvailable(inStageFrame(seats, stageBeside(hall, "bottom")), { quantity: 2 })!.every((l) => l.startsWith("D"))).toBe(true);
    expect(chooseBestAvailable(inStageFrame(seats, stageBeside(hall, "top")), { quantity: 2 })!.every((l) => l.startsWith("A"))).toBe(true);
  });

  it("keeps labels, rows and availability, and changes nothing without a stage", () => {
    const framed = inStageFrame(seats, stageBeside(hall, "left"));
    expect(framed.map((s) => [s.label, s.row, s.number, s.available])).toEqual(seats.map((s) => [s.label, s.row, s.number, s.available]));
    expect(inStageFrame(seats, undefined)).toEqual(seats);
  });
});
