/**
 * The camera's fallback decoder (web/scripts/scan-qr-decoder.ts, for browsers without
 * BarcodeDetector) reads a ticket token back from a QR frame drawn as the order page draws it.
 */
import QRCode from "qrcode";
import { describe, expect, it } from "vitest";
import { ATTEMPTS, decodeQr, decodeQrWith } from "../../web/scripts/scan-qr-decoder";
import { mulberry32 } from "../seeded-random";

/** An RGBA frame of the code, `scale` pixels a module, with the standard 4-module quiet zone. */
function frameOf(text: string, scale: number): ImageData {
  const { modules } = QRCode.create([{ data: new TextEncoder().encode(text), mode: "byte" }], { errorCorrectionLevel: "M" });
  const size = (modules.size + 8) * scale;
  const data = new Uint8ClampedArray(size * size * 4).fill(255);
  for (let y = 0; y < modules.size; y += 1) {
    for (let x = 0; x < modules.size; x += 1) {
      if (!modules.get(y, x)) continue;
      for (let dy = 0; dy < scale; dy += 1) {
        for (let dx = 0; dx < scale; dx += 1) {
          const p = (((y + 4) * scale + dy) * size + (x + 4) * scale + dx) * 4;
          data[p] = data[p + 1] = data[p + 2] = 0;
        }
      }
    }
  }
  return { data, width: size, height: size, colorSpace: "srgb" } as ImageData;
}

describe("fallback QR decoder", () => {
  it("reads a ticket-sized token back, and nothing from a blank frame", () => {
    const token = `eyJhbGciOiJFUzI1NiIsImtpZCI6ImV2dF9jdXJyZW50IiwidHlwIjoiSldUIn0.${"x".repeat(180)}.${"s".repeat(86)}`;
    expect(decodeQr(frameOf(token, 4))).toBe(token);
    const blank = { data: new Uint8ClampedArray(200 * 200 * 4).fill(255), width: 200, height: 200 } as ImageData;
    expect(decodeQr(blank)).toBeNull();
  });

  it("reads the symbols zxing alone cannot, drawn perfectly (its 'Dimensions could be not found')", () => {
    // Token-shaped text (header, claims, signature in base64url) from a fixed seed: the same 40 symbols every run.
    const random = mulberry32(2026_12_03);
    const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const text = (n: number) => Array.from({ length: n }, () => chars[Math.floor(random() * 64)]).join("");
    const tokens = Array.from({ length: 40 }, () => `eyJhbGciOiJFUzI1NiIsImtpZCI6ImV2dF8${text(47)}.${text(240 + Math.floor(random() * 120))}.${text(86)}`);
    const zxingAlone = tokens.filter((token) => decodeQrWith(frameOf(token, 4), ATTEMPTS.slice(0, 1)).text === token);
    expect(zxingAlone.length).toBeLessThan(tokens.length);
    for (const token of tokens) expect(decodeQr(frameOf(token, 4))).toBe(token);
  });
});
