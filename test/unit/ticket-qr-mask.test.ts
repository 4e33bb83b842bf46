/**
 * The ticket QR's own symbol (workers/tickets/qr-symbol.ts) and mask choice (qr-mask.ts) are
 * qrcode's: for seeded texts of every length up to past a ticket's (QR versions 1 to ~22, with and
 * without version information), each of the 8 penalties equals qrcode's own N1 + N2 + N3 + N4 of
 * the symbol qrcode builds with that mask, and the whole symbol equals the one qrcode's search
 * builds, bit for bit; so it does for a few texts up to version 40's capacity. The seed is printed;
 * TEST_SEED=<n> replays.
 */
import { createRequire } from "node:module";
import QRCode, { type QRCodeMaskPattern } from "qrcode";
import { describe, expect, it } from "vitest";
import { maskPenalties } from "../../workers/tickets/qr-mask";
import { QR_ERROR_CORRECTION, ticketQrMatrix } from "../../workers/tickets/qr";
import { seededRandom } from "../seeded-random";

type Matrix = { size: number; data: Uint8Array; reservedBit: Uint8Array };
const Penalty = createRequire(import.meta.url)("qrcode/lib/core/mask-pattern") as Record<`getPenaltyN${1 | 2 | 3 | 4}`, (m: Matrix) => number>;

const seed = Number(process.env.TEST_SEED) > 0 ? Number(process.env.TEST_SEED) : (Date.now() % 2_147_483_646) + 1;
const utf8 = new TextEncoder();

/** Random text: base64url characters as in a ticket, now and then a multi-byte one. */
function text(random: () => number, length: number): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.ãé€";
  return Array.from({ length }, () => chars[Math.floor(random() * chars.length)]).join("");
}

describe("ticket QR mask choice", () => {
  it("scores each of the 8 masks as qrcode does and keeps qrcode's mask, over seeded texts of every size", () => {
    const random = seededRandom(seed, "ticket QR mask choice");
    const chosen = new Map<number, number>();
    for (let i = 0; i < 120; i++) {
      const token = text(random, 1 + Math.floor(random() * 700));
      const segments = [{ data: utf8.encode(token), mode: "byte" as const }];
      const symbols = Array.from({ length: 8 }, (_, mask) =>
        QRCode.create(segments, { errorCorrectionLevel: QR_ERROR_CORRECTION, maskPattern: mask as QRCodeMaskPattern }),
      );
      const theirs = symbols.map(({ modules }) => Penalty.getPenaltyN1(modules) + Penalty.getPenaltyN2(modules) + Penalty.getPenaltyN3(modules) + Penalty.getPenaltyN4(modules));

      // The unmasked symbol: qrcode's mask-0 symbol with mask 0 taken off the data modules.
      const { size, data, reservedBit } = symbols[0]!.modules;
      const unmasked = data.map((bit, at) => (reservedBit[at] || (Math.floor(at / size) + (at % size)) % 2 ? bit : bit ^ 1));
      expect(maskPenalties(unmasked, reservedBit, size), `text ${i} (${token.length} characters, version ${symbols[0]!.version})`).toEqual(theirs);

      const searched = QRCode.create(segments, { errorCorrectionLevel: QR_ERROR_CORRECTION });
      const ours = ticketQrMatrix(token);
      expect(ours.size).toBe(searched.modules.size);
      expect(Buffer.compare(Buffer.from(ours.data), Buffer.from(searched.modules.data)), `text ${i}: qrcode chose mask ${searched.maskPattern}`).toBe(0);
      expect(ours.mask).toBe(searched.maskPattern);
      chosen.set(searched.maskPattern!, (chosen.get(searched.maskPattern!) ?? 0) + 1);

      // Given a mask (as the mail's PNG is, from pay's SVG), the symbol is qrcode's with that mask, search skipped.
      const given = Math.floor(random() * 8);
      const withGiven = ticketQrMatrix(token, given);
      expect(withGiven.mask).toBe(given);
      expect(Buffer.compare(Buffer.from(withGiven.data), Buffer.from(symbols[given]!.modules.data)), `text ${i}, mask ${given} given`).toBe(0);
    }
    console.log(`masks chosen (mask: texts): ${[...chosen].sort(([a], [b]) => a - b).map(([m, n]) => `${m}: ${n}`).join(", ")}`);
  });

  it("builds qrcode's symbol for texts up to version 40's capacity, bit for bit", () => {
    const random = seededRandom(seed, "ticket QR large symbols");
    for (const length of [800, 1200, 1600, 2000, 2331]) {
      const token = text(random, length).replace(/[ãé€]/g, "x"); // one byte each: 2,331 is version 40-M's limit
      const searched = QRCode.create([{ data: utf8.encode(token), mode: "byte" }], { errorCorrectionLevel: QR_ERROR_CORRECTION });
      const ours = ticketQrMatrix(token);
      expect(ours.size, `${length} bytes`).toBe(searched.modules.size);
      expect(Buffer.compare(Buffer.from(ours.data), Buffer.from(searched.modules.data)), `${length} bytes, version ${searched.version}`).toBe(0);
    }
    expect(() => ticketQrMatrix("x".repeat(2332))).toThrow();
  });
});
