/** Keyboard moves on the seat map: arrows go to the nearest seat that way. */
import type { Seat } from "./seat-map.lib";

/** The nearest seat in a direction from `label`, preferring ones in line over ones diagonally off. */
export function nearestSeatToward(seats: Iterable<Seat>, label: string, dx: number, dy: number): string | undefined {
  const all = [...seats];
  const from = all.find((s) => s.label === label);
  if (!from) return undefined;
  let best: { label: string; score: number } | undefined;
  for (const seat of all) {
    const along = (seat.x - from.x) * dx + (seat.y - from.y) * dy;
    if (along <= 0) continue;
    const across = Math.abs((seat.x - from.x) * dy) + Math.abs((seat.y - from.y) * dx);
    const score = along + across * 3;
    if (!best || score < best.score) best = { label: seat.label, score };
  }
  return best?.label;
}
