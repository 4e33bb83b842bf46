/**
 * The mail's base64 (workers/mail/base64.ts) is standard padded base64, byte for byte what Node's
 * encoder and `btoa` give: the table encoder for every length remainder and every byte value over
 * run-seeded random inputs (seed printed, TEST_SEED replays), and the exported `base64`, whichever
 * path this platform takes (workerd's native encoder is checked end to end by the runtime
 * confirmation-mail test, which decodes the mail's PNGs with `atob`).
 */
import { describe, expect, it } from "vitest";
import { base64, base64ByTable } from "../../workers/mail/base64";
import { seededRandom } from "../seeded-random";

const seed = Number(process.env.TEST_SEED) > 0 ? Number(process.env.TEST_SEED) : (Date.now() % 2_147_483_646) + 1;
const btoaOf = (bytes: Uint8Array) => btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));

describe("mail base64", () => {
  it("encodes every byte value and the empty input as btoa does", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const bytes of [new Uint8Array(0), all, all.reverse(), all.subarray(0, 1), all.subarray(0, 2)]) {
      expect(base64ByTable(bytes)).toBe(btoaOf(bytes));
      expect(base64(bytes)).toBe(btoaOf(bytes));
    }
  });

  it("encodes run-seeded random inputs of 0–5000 bytes as Node's Buffer does", () => {
    const random = seededRandom(seed, "mail base64 inputs");
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(random() * 5001) }, () => Math.floor(random() * 256));
      const expected = Buffer.from(bytes).toString("base64");
      expect(base64ByTable(bytes), `input ${i} (${bytes.length} bytes)`).toBe(expected);
      expect(base64(bytes), `input ${i}`).toBe(expected);
      // A view into a larger buffer encodes only its own bytes.
      const view = bytes.subarray(1, Math.max(1, bytes.length - 1));
      expect(base64ByTable(view)).toBe(Buffer.from(view).toString("base64"));
    }
  });
});
