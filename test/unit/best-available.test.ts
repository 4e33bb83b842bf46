import { describe, expect, it } from "vitest";
import { chooseBestAvailable, type SeatState } from "../../workers/domain/best-available";

function row(name: string, y: number, count: number, taken: number[] = [], accessible: number[] = []): SeatState[] {
  return Array.from({ length: count }, (_, i) => ({
    label: `${name}${i + 1}`,
    section: "Stalls",
    row: name,
    number: i + 1,
    x: i * 10,
    y,
    accessible: accessible.includes(i + 1),
    available: !taken.includes(i + 1),
  }));
}

describe("best available seats", () => {
  it("takes adjacent seats in the front row, centred", () => {
    expect(chooseBestAvailable([...row("A", 0, 10), ...row("B", 10, 10)], { quantity: 2 })).toEqual(["A5", "A6"]);
  });

  it("moves back a row when the front row has no block big enough", () => {
    const seats = [...row("A", 0, 6, [2, 5]), ...row("B", 10, 6)];
    // B2-B4 would be central but strand B1: an end block wins.
    expect(chooseBestAvailable(seats, { quantity: 3 })).toEqual(["B1", "B2", "B3"]);
  });

  it("never strands a single seat when another block avoids it", () => {
    // A: 1 2 3 [4 taken] 5 6 7 8 — taking 2-3 would strand A1; taking 1-2 strands nothing.
    const seats = row("A", 0, 8, [4]);
    const chosen = chooseBestAvailable(seats, { quantity: 2 })!;
    const left = seats.filter((s) => s.available && !chosen.includes(s.label));
    for (const seat of left) {
      const neighbours = left.filter((o) => o.row === seat.row && Math.abs(o.number - seat.number) === 1);
      expect(neighbours.length, `${seat.label} stranded by ${chosen}`).toBeGreaterThan(0);
    }
  });

  it("strands a seat only when nothing else fits", () => {
    expect(chooseBestAvailable(row("A", 0, 3), { quantity: 2 })).toHaveLength(2);
  });

  it("keeps accessible seats for those who ask, and gives them first to those who do", () => {
    const seats = row("A", 0, 6, [], [1, 2]);
    expect(chooseBestAvailable(seats, { quantity: 2 })).not.toContain("A1");
    expect(chooseBestAvailable(seats, { quantity: 2 })).not.toContain("A2");
    expect(chooseBestAvailable(seats, { quantity: 2, accessible: true })).toEqual(["A1", "A2"]);
  });

  it("does not treat a gap in seat numbers as adjacent", () => {
    const seats = row("A", 0, 4).map((s) => (s.number >= 3 ? { ...s, number: s.number + 10 } : s));
    expect(chooseBestAvailable(seats, { quantity: 3 })).toBeUndefined();
  });

  it("answers undefined when there are not enough seats", () => {
    expect(chooseBestAvailable(row("A", 0, 3, [1, 2, 3]), { quantity: 1 })).toBeUndefined();
  });
});
