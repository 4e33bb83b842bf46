/**
 * The seat map as data: grids, selection boxes, moves, renames and deletions over a plain seat list,
 * with no DOM use. Every edit returns a new list (or a refusal with a sentence for the organizer),
 * so the editor only draws what these functions decide.
 *
 * Labels are the seats' identity: the API keeps them unique within an event and attendees book by
 * them, so no function here ever lets two seats share one.
 */

export interface Seat {
  label: string;
  section: string;
  row: string;
  number: number;
  x: number;
  y: number;
  accessible: boolean;
}

export type Edit<T> = { ok: true; value: T } | { ok: false; message: string };

export interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export const DEFAULT_SPACING = 30;
const MAX_SEATS_PER_GRID = 5000;
const MAX_LABEL_LENGTH = 20;

const ok = <T>(value: T): Edit<T> => ({ ok: true, value });
const refuse = <T>(message: string): Edit<T> => ({ ok: false, message });

const RANGE = /^([A-Za-z]+|\d+)\s*(?:-|–|—|\.\.)\s*([A-Za-z]+|\d+)$/;

/**
 * Row names from what an organizer types: `A–H`, `A-H`, `A..H`, `1-12`, `AA-AD`, or lists of those
 * (`A-C, E, G-H`). Letter ranges run in spreadsheet order (Z is followed by AA).
 */
export function parseRows(spec: string): Edit<string[]> {
  const parts = spec
    .split(/[,;]/)
    .map((p) => p.trim())
    .filter(Boolean)
    .flatMap((p) => (RANGE.test(p) ? [p] : p.split(/\s+/)));
  if (parts.length === 0) return refuse("Enter the rows, for example A–H or 1-10.");
  const rows: string[] = [];
  for (const part of parts) {
    const range = RANGE.exec(part);
    if (!range) {
      if (!/^[\p{L}\p{N}'-]{1,10}$/u.test(part)) return refuse(`"${part}" is not a row name or a range like A–H.`);
      rows.push(part.toUpperCase());
      continue;
    }
    const [from, to] = [range[1]!.toUpperCase(), range[2]!.toUpperCase()];
    const numeric = /^\d+$/.test(from);
    if (numeric !== /^\d+$/.test(to)) return refuse(`"${part}" mixes letters and numbers.`);
    const start = numeric ? Number(from) : lettersToIndex(from);
    const end = numeric ? Number(to) : lettersToIndex(to);
    if (end < start) return refuse(`"${part}" runs backwards; write it as ${to}–${from}.`);
    if (end - start >= 200) return refuse(`"${part}" has more than 200 rows.`);
    for (let i = start; i <= end; i++) rows.push(numeric ? String(i) : indexToLetters(i));
  }
  const repeated = rows.find((row, i) => rows.indexOf(row) !== i);
  if (repeated) return refuse(`Row ${repeated} is listed twice.`);
  return ok(rows);
}

function lettersToIndex(letters: string): number {
  let index = 0;
  for (const ch of letters) index = index * 26 + (ch.charCodeAt(0) - 64);
  return index;
}

function indexToLetters(index: number): string {
  let letters = "";
  for (let n = index; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

export interface GridSpec {
  section: string;
  rows: string[];
  seatsPerRow: number;
  spacing: number;
  /** Where seat 1 of the first row goes. */
  origin: { x: number; y: number };
}

/** `A` + 7 → `A7`; a row ending in a digit gets a dash (`12-7`), or row 1 seat 11 would read as row 11 seat 1. */
export function seatLabel(row: string, number: number): string {
  return /\d$/.test(row) ? `${row}-${number}` : `${row}${number}`;
}

/** Row after row, seats numbered from 1 left to right, labelled row + number (`A1`, `A2`, …). */
export function generateGrid(spec: GridSpec): Seat[] {
  const seats: Seat[] = [];
  spec.rows.forEach((row, r) => {
    for (let n = 1; n <= spec.seatsPerRow; n++) {
      seats.push({
        label: seatLabel(row, n),
        section: spec.section,
        row,
        number: n,
        x: spec.origin.x + (n - 1) * spec.spacing,
        y: spec.origin.y + r * spec.spacing,
        accessible: false,
      });
    }
  });
  return seats;
}

export function checkGrid(spec: GridSpec): string | undefined {
  if (!Number.isInteger(spec.seatsPerRow) || spec.seatsPerRow < 1) return "Seats per row must be a whole number of at least 1.";
  if (!(spec.spacing >= 5 && spec.spacing <= 500)) return "Spacing must be between 5 and 500.";
  if (spec.rows.length * spec.seatsPerRow > MAX_SEATS_PER_GRID) return `One grid can hold at most ${MAX_SEATS_PER_GRID} seats.`;
  return undefined;
}

/** Adds seats to a map, refusing the whole batch if any label is already taken. */
export function addSeats(seats: readonly Seat[], added: readonly Seat[], takenElsewhere: ReadonlySet<string> = new Set()): Edit<Seat[]> {
  const taken = new Set([...seats.map((s) => s.label), ...takenElsewhere]);
  const clashes = added.filter((s) => taken.has(s.label)).map((s) => s.label);
  if (clashes.length > 0) {
    const shown = clashes.slice(0, 5).join(", ") + (clashes.length > 5 ? ` and ${clashes.length - 5} more` : "");
    return refuse(`Seat labels must be unique in the event: ${shown} already exist${clashes.length === 1 ? "s" : ""}.`);
  }
  return ok([...seats, ...added]);
}

/** The lowest point under the map, so a new grid never lands on existing seats. */
export function originBelow(seats: readonly Seat[], spacing: number): { x: number; y: number } {
  if (seats.length === 0) return { x: 0, y: 0 };
  const box = boundsOf(seats)!;
  return { x: box.minX, y: box.maxY + spacing * 2 };
}

export function boundsOf(seats: readonly Seat[]): Box | undefined {
  if (seats.length === 0) return undefined;
  const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const seat of seats) {
    box.minX = Math.min(box.minX, seat.x);
    box.minY = Math.min(box.minY, seat.y);
    box.maxX = Math.max(box.maxX, seat.x);
    box.maxY = Math.max(box.maxY, seat.y);
  }
  return box;
}

/** A box from two corners given in any order (a drag can go up and left). */
export function boxFrom(a: { x: number; y: number }, b: { x: number; y: number }): Box {
  return { minX: Math.min(a.x, b.x), minY: Math.min(a.y, b.y), maxX: Math.max(a.x, b.x), maxY: Math.max(a.y, b.y) };
}

/** Seats whose centres lie inside the box. */
export function labelsInBox(seats: readonly Seat[], box: Box): string[] {
  return seats.filter((s) => s.x >= box.minX && s.x <= box.maxX && s.y >= box.minY && s.y <= box.maxY).map((s) => s.label);
}

/** Click selects one seat; shift-click adds it, or takes it out if it was already selected. */
export function selectSeat(selection: ReadonlySet<string>, label: string, extend: boolean): Set<string> {
  if (!extend) return new Set([label]);
  const next = new Set(selection);
  if (next.has(label)) next.delete(label);
  else next.add(label);
  return next;
}

/** Moves the selected seats; positions stay whole units so a nudge is exact. */
export function moveSeats(seats: readonly Seat[], selection: ReadonlySet<string>, dx: number, dy: number): Seat[] {
  return seats.map((s) => (selection.has(s.label) ? { ...s, x: Math.round(s.x + dx), y: Math.round(s.y + dy) } : s));
}

export function deleteSeats(seats: readonly Seat[], selection: ReadonlySet<string>): Seat[] {
  return seats.filter((s) => !selection.has(s.label));
}

/** Marks every selected seat accessible, or clears the mark when all of them already have it. */
export function toggleAccessible(seats: readonly Seat[], selection: ReadonlySet<string>): Seat[] {
  const chosen = seats.filter((s) => selection.has(s.label));
  const mark = !chosen.every((s) => s.accessible);
  return seats.map((s) => (selection.has(s.label) ? { ...s, accessible: mark } : s));
}

/** `B12` → row B, number 12; a label without a trailing number keeps the seat's number. */
export function splitLabel(label: string): { row: string; number: number } | undefined {
  const match = /^(.*?)(\d+)$/.exec(label);
  if (!match) return undefined;
  return { row: match[1]!.replace(/[\s-]+$/, ""), number: Number(match[2]) };
}

export function checkLabel(label: string): string | undefined {
  if (!label) return "A seat needs a label.";
  if (label.length > MAX_LABEL_LENGTH) return `Seat labels are at most ${MAX_LABEL_LENGTH} characters.`;
  if (/[\u0000-\u001f]/.test(label)) return "Seat labels cannot contain control characters.";
  return undefined;
}

export function renameSeat(
  seats: readonly Seat[],
  from: string,
  rawTo: string,
  takenElsewhere: ReadonlySet<string> = new Set(),
): Edit<Seat[]> {
  const to = rawTo.trim();
  const problem = checkLabel(to);
  if (problem) return refuse(problem);
  if (to === from) return ok([...seats]);
  if (seats.some((s) => s.label === to) || takenElsewhere.has(to)) {
    return refuse(`There is already a seat labelled ${to}. Seat labels must be unique in the event.`);
  }
  const parts = splitLabel(to);
  return ok(
    seats.map((s) =>
      s.label === from ? { ...s, label: to, ...(parts ? { row: parts.row || s.row, number: parts.number } : {}) } : s,
    ),
  );
}

/**
 * Where "Add seat" puts a seat and what it calls it: next to the last seat of the given row (or of
 * the last row), numbered one past the highest number in that row, skipping labels already taken.
 */
export function suggestSeat(seats: readonly Seat[], near: Seat | undefined, spacing: number, taken: ReadonlySet<string> = new Set()): Seat {
  const anchor = near ?? [...seats].sort((a, b) => a.y - b.y || a.x - b.x).at(-1);
  if (!anchor) return { label: "A1", section: "", row: "A", number: 1, x: 0, y: 0, accessible: false };
  const rowSeats = seats.filter((s) => s.row === anchor.row && s.section === anchor.section);
  const used = new Set([...seats.map((s) => s.label), ...taken]);
  let number = Math.max(0, ...rowSeats.map((s) => s.number)) + 1;
  while (used.has(seatLabel(anchor.row, number))) number++;
  const rightmost = rowSeats.reduce((best, s) => (s.x > best.x ? s : best), anchor);
  return {
    label: seatLabel(anchor.row, number),
    section: anchor.section,
    row: anchor.row,
    number,
    x: Math.round(rightmost.x + spacing),
    y: Math.round(rightmost.y),
    accessible: false,
  };
}

/** The typical distance between neighbouring seats, for drawing them at a size that does not overlap. */
export function typicalSpacing(seats: readonly Seat[]): number {
  if (seats.length < 2) return DEFAULT_SPACING;
  const sample = seats.length > 400 ? seats.filter((_, i) => i % Math.ceil(seats.length / 400) === 0) : seats;
  const nearest = sample
    .map((a) => {
      let best = Infinity;
      for (const b of seats) {
        if (a === b) continue;
        const d = Math.hypot(a.x - b.x, a.y - b.y);
        if (d > 0 && d < best) best = d;
      }
      return best;
    })
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return nearest.length > 0 ? nearest[Math.floor(nearest.length / 2)]! : DEFAULT_SPACING;
}

/** Labels used more than once (a map loaded from elsewhere could carry some). */
export function duplicateLabels(seats: readonly Seat[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const seat of seats) {
    if (seen.has(seat.label)) repeated.add(seat.label);
    seen.add(seat.label);
  }
  return [...repeated];
}
