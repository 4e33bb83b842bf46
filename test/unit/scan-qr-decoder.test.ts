/**
 * The camera's fallback decoder (web/scripts/scan-qr-decoder.ts, for browsers without
 * BarcodeDetector) reads a ticket token back from a QR frame drawn as the order page draws it.
 */
import QRCode from "qrcode";
import { describe, expect, it } from "vitest";
import { decodeQr } from "../../web/scripts/scan-qr-decoder";

/** An RGBA frame of the code, `scale` pixels a module, with the standard 4-module quiet zone. */
function frameOf(text: string, scale: number): ImageData {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
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
});
