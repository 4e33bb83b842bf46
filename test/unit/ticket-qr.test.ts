/**
 * The ticket QR as a door scanner sees it: read back from the SVG the order page shows, its
 * error-correction level (from the format information drawn beside the finder patterns), its quiet
 * zone and its version, for a ticket with a long name and a seat — the densest tickets we sell.
 */
import { base64url, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { ticketQrSvg } from "../../workers/tickets/qr";
import { signTicket } from "../../workers/tickets/ticket-tokens";

const NOW = new Date("2026-11-05T18:30:00.000Z");
/** The level's two bits in the format information (ISO/IEC 18004 table 12). */
const LEVEL_BITS: Record<number, string> = { 0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H" };
const FORMAT_MASK = 0b101010000010010;

/** The dark modules of a `qrcode` SVG (`M x y` moves, `m dx dy` steps, `h n` dark runs on row y - 0.5). */
function darkModules(svg: string): { size: number; dark: Set<string> } {
  const size = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
  const path = /<path[^>]*stroke="#000000"[^>]*d="([^"]+)"/.exec(svg)?.[1] ?? "";
  const dark = new Set<string>();
  let x = 0;
  let y = 0;
  for (const [, command, args] of path.matchAll(/([MmHh])([^MmHh]*)/g)) {
    const numbers = args!.trim().split(/[\s,]+/).map(Number);
    if (command === "M") [x, y] = [numbers[0]!, numbers[1]!];
    else if (command === "m") [x, y] = [x + numbers[0]!, y + numbers[1]!];
    else if (command === "h") {
      for (let i = 0; i < numbers[0]!; i++) dark.add(`${Math.floor(y)},${x + i}`);
      x += numbers[0]!;
    } else throw new Error(`unexpected path command ${command}`);
  }
  return { size, dark };
}

function readQr(svg: string) {
  const { size, dark } = darkModules(svg);
  const cells = [...dark].map((key) => key.split(",").map(Number) as [number, number]);
  const quiet = Math.min(...cells.flatMap(([row, col]) => [row, col, size - 1 - row, size - 1 - col]));
  const modules = size - 2 * quiet;
  const isDark = (row: number, col: number) => dark.has(`${row + quiet},${col + quiet}`);
  // Format bit i sits at two places; both copies must agree.
  let vertical = 0;
  let horizontal = 0;
  for (let i = 0; i < 15; i++) {
    const vRow = i < 6 ? i : i < 8 ? i + 1 : modules - 15 + i;
    const hCol = i < 8 ? modules - i - 1 : i < 9 ? 15 - i : 15 - i - 1;
    if (isDark(vRow, 8)) vertical |= 1 << i;
    if (isDark(8, hCol)) horizontal |= 1 << i;
  }
  const format = vertical ^ FORMAT_MASK;
  return {
    quiet,
    version: (modules - 17) / 4,
    level: LEVEL_BITS[format >> 13],
    formatCopiesAgree: vertical === horizontal,
    finderAtCorner: isDark(0, 0) && isDark(0, 6) && isDark(6, 0) && !isDark(1, 1),
  };
}

async function longNameTicket(name: string): Promise<string> {
  const { privateKey } = await generateKeyPair("ES256");
  const eventId = crypto.randomUUID();
  const kid = `evt_${eventId.replace(/-/g, "").slice(0, 8)}_${base64url.encode(crypto.getRandomValues(new Uint8Array(9)))}`;
  return signTicket({ kid, privateKey }, { tid: crypto.randomUUID(), eid: eventId, tier: crypto.randomUUID(), seat: "BALCONY-C12", name, v: 1 }, NOW);
}

describe("ticket QR codes", () => {
  it("draw a long-name seated ticket at level M, with a 4-module quiet zone, in version 17 at most", async () => {
    const token = await longNameTicket("María Fernanda Rodríguez-Villanueva de la Cruz");
    const qr = readQr(await ticketQrSvg(token));
    expect(qr).toEqual({ quiet: 4, version: expect.any(Number), level: "M", formatCopiesAgree: true, finderAtCorner: true });
    expect(qr.version).toBeLessThanOrEqual(17);
  });

  it("stay within version 19 even for the longest name the API accepts (120 characters)", async () => {
    const token = await longNameTicket("Maximiliane Friederike Ottilie Walburga von Hohenzollern-Sigmaringen und Wittelsbach-Leuchtenberg zu Braunschweig-Lün");
    const qr = readQr(await ticketQrSvg(token));
    expect(qr).toMatchObject({ quiet: 4, level: "M", formatCopiesAgree: true });
    expect(qr.version).toBeLessThanOrEqual(19);
  });
});
