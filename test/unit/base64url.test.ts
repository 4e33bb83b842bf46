/**
 * The tokens' base64url (workers/auth/derived-keys.ts): the same text as Node's own encoder for
 * every length, including past the encoder's chunk, and read back to the same bytes; text that is
 * not base64url is refused. (workerd takes the runtime's encoder; the token round trips in the
 * runtime tests prove that side.)
 */
import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url } from "../../workers/auth/derived-keys";
import { sha256Hex } from "../../workers/auth/tokens";
import { createHash } from "node:crypto";
import { seededRandom } from "../seeded-random";

describe("base64url for tokens", () => {
  it("matches Node's encoder and reads back, at every length", () => {
    const random = seededRandom(Number(process.env.TEST_SEED ?? 20261203), "base64url bytes");
    const lengths = [0, 1, 2, 3, 4, 31, 32, 33, 64, 100, 0x8000 - 1, 0x8000, 0x8000 + 1, 70_001];
    for (let i = 0; i < 200; i++) lengths.push(Math.floor(random() * 300));
    for (const length of lengths) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString("base64url"));
      expect(toBase64Url(bytes.buffer)).toBe(text);
      expect(fromBase64Url(text)).toEqual(bytes);
    }
  });

  it("refuses what is not base64url", () => {
    for (const bad of ["a+b", "a/b", "ab==", "a", "a b", "ä"]) expect(fromBase64Url(bad)).toBeUndefined();
  });

  it("hashes to the same hex as Node", async () => {
    for (const text of ["", "event:device", "ü€😀".repeat(40)]) {
      expect(await sha256Hex(text)).toBe(createHash("sha256").update(text).digest("hex"));
    }
  });
});
