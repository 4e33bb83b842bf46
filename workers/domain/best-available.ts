/**
 * Choosing the best N seats for "best available": N adjacent seats in one row (consecutive seat
 * numbers), never leaving a lone empty seat stranded beside them when another block avoids it,
 * front rows first, then closest to the middle of the row. Accessible seats are offered only to
 * those who ask for them, and then first.
 */
export interface SeatState {
  label: string;
  section: string;
  row: string;
  number: number;
  x: number;
  y: number;
  accessible: boolean;
  available: boolean;
}

export interface BestAvailableRequest {
  quantity: number;
  accessible?: boolean;
}

interface Candidate {
  labels: string[];
  strandsASeat: boolean;
  accessibleCount: number;
  rowDepth: number;
  offCentre: number;
}

function groupRows(seats: SeatState[]): SeatState[][] {
  const rows = new Map<string, SeatState[]>();
  for (const seat of seats) {
    const key = `${seat.section}\u0000${seat.row}`;
    rows.set(key, [...(rows.get(key) ?? []), seat]);
  }
  return [...rows.values()].map((row) => row.sort((a, b) => a.number - b.number));
}

/** A free seat is stranded when both of its neighbours in the row are taken (or the row ends). */
function isStranded(row: SeatState[], index: number, taken: Set<number>): boolean {
  const seat = row[index];
  if (!seat || !seat.available || taken.has(index)) return false;
  const free = (i: number) => {
    const neighbour = row[i];
    return neighbour !== undefined && neighbour.available && !taken.has(i) && Math.abs(neighbour.number - seat.number) === 1;
  };
  return !free(index - 1) && !free(index + 1);
}

export function chooseBestAvailable(seats: SeatState[], request: BestAvailableRequest): string[] | undefined {
  const { quantity } = request;
  if (quantity < 1) return undefined;
  const candidates: Candidate[] = [];
  for (const row of groupRows(seats)) {
    const rowDepth = Math.min(...row.map((s) => s.y));
    const centre = (Math.min(...row.map((s) => s.x)) + Math.max(...row.map((s) => s.x))) / 2;
    for (let start = 0; start + quantity <= row.length; start++) {
      const block = row.slice(start, start + quantity);
      const adjacent = block.every((seat, i) => i === 0 || seat.number === block[i - 1]!.number + 1);
      if (!adjacent || !block.every((s) => s.available)) continue;
      if (!request.accessible && block.some((s) => s.accessible)) continue;
      const taken = new Set(block.map((_, i) => start + i));
      const blockCentre = block.reduce((sum, s) => sum + s.x, 0) / block.length;
      candidates.push({
        labels: block.map((s) => s.label),
        strandsASeat: isStranded(row, start - 1, taken) || isStranded(row, start + quantity, taken),
        accessibleCount: block.filter((s) => s.accessible).length,
        rowDepth,
        offCentre: Math.abs(blockCentre - centre),
      });
    }
  }
  candidates.sort(
    (a, b) =>
      Number(a.strandsASeat) - Number(b.strandsASeat) ||
      (request.accessible ? b.accessibleCount - a.accessibleCount : 0) ||
      a.rowDepth - b.rowDepth ||
      a.offCentre - b.offCentre,
  );
  return candidates[0]?.labels;
}
