/**
 * The cheap QR renderers (issue #13) still draw a code a scanner reads: the ticket's SVG, rasterised
 * from its path as a browser strokes it, and the mail's PNG, decoded by pngjs (an independent PNG
 * reader), both go through the door's fallback decoder (zxing) and give back the token. And they draw
 * the same pictures qrcode's own renderers draw for that symbol, in the version its string API chose.
 *
 * A run-seeded set of tokens (seed printed, TEST_SEED replays) is read by the door's decoder and by
 * jsQR alone (an independent reader: zxing alone misses some perfectly drawn ticket symbols, qrcode's
 * pictures alike; docs/door.md, "Why not zxing alone").
 */
import { createRequire } from "node:module";
import QRCode from "qrcode";
import { describe, expect, it } from "vitest";
import { decodeQr } from "../../web/scripts/scan-qr-decoder";
import { ticketQrPng } from "../../workers/mail/attachments";
import { QR_ERROR_CORRECTION, QR_QUIET_ZONE, ticketQrMatrix, ticketQrSvg } from "../../workers/tickets/qr";
import jsQR from "jsqr";
import { mulberry32, seededRandom } from "../seeded-random";

const { PNG } = createRequire(import.meta.url)("pngjs") as {
  PNG: { sync: { read(buffer: Buffer): { width: number; height: number; data: Buffer } } };
};

const NOW = new Date("2026-11-05T18:30:00.000Z");
const PX = 4;

/** Paints the SVG as a renderer does: the white background, then each `h` run stroked 1 unit wide. */
function rasteriseSvg(svg: string): ImageData {
  const side = Number(/viewBox="0 0 (\d+) \1"/.exec(svg)?.[1]);
  expect(svg).toContain(`<path fill="#ffffff" d="M0 0h${side}v${side}H0z"/>`);
  const paths = [...svg.matchAll(/<path stroke="#000000" d="([^"]*)"\/>/g)];
  expect(paths).toHaveLength(1);
  const size = side * PX;
  const data = new Uint8ClampedArray(size * size * 4).fill(255);
  let x = 0;
  let y = 0;
  for (const [, command, args] of paths[0]![1]!.matchAll(/([A-Za-z])([^A-Za-z]*)/g)) {
    const [a = 0, b = 0] = args!.trim().split(/[\s,]+/).map(Number);
    if (command === "M") [x, y] = [a, b];
    else if (command === "m") [x, y] = [x + a, y + b];
    else if (command === "h") {
      // A 1-unit stroke centred on y covers [y - 0.5, y + 0.5) from x to x + a (butt caps).
      for (let py = Math.round((y - 0.5) * PX); py < Math.round((y + 0.5) * PX); py++) {
        for (let px = Math.round(x * PX); px < Math.round((x + a) * PX); px++) {
          const p = (py * size + px) * 4;
          data[p] = data[p + 1] = data[p + 2] = 0;
        }
      }
      x += a;
    } else throw new Error(`unexpected path command ${command}`);
  }
  return { data, width: size, height: size, colorSpace: "srgb" } as ImageData;
}

function decodePng(png: Uint8Array): ImageData {
  const image = PNG.sync.read(Buffer.from(png));
  return { data: new Uint8ClampedArray(image.data), width: image.width, height: image.height, colorSpace: "srgb" } as ImageData;
}

/**
 * A token shaped as pay signs them (ES256 header with a kid, the claims, an 86-character
 * signature), from a seeded generator so every run draws the same codes: the QR encodes text and
 * never checks the signature, and zxing misses some symbols whatever draws them (see above).
 */
function ticket(random: () => number, name: string, seat: string | null): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const text = (n: number) => Array.from({ length: n }, () => chars[Math.floor(random() * 64)]).join("");
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const eid = uuid();
  const header = b64({ alg: "ES256", kid: `evt_${eid.replace(/-/g, "").slice(0, 8)}_${text(12)}`, typ: "JWT" });
  const claims = b64({ tid: uuid(), eid, tier: uuid(), seat, name, v: 1, iat: Math.floor(NOW.getTime() / 1000) });
  return `${header}.${claims}.${text(86)}`;
}

describe("cheap ticket QR renderers", () => {
  const random = mulberry32(2026_12_03);
  const names = ["Ada Lovelace", "María Fernanda Rodríguez-Villanueva de la Cruz", "Zoë 0123456789 98765432101234", "x".repeat(120)];

  for (const [i, name] of names.entries()) {
    it(`SVG and PNG decode to the token (${name.length}-character name)`, async () => {
      const token = ticket(random, name, i % 2 ? null : `ROW-${Math.floor(random() * 90) + 10}`);
      const svg = await ticketQrSvg(token);
      const png = await ticketQrPng(token);
      expect(decodeQr(rasteriseSvg(svg)), `svg ${i}`).toBe(token);
      expect(decodeQr(decodePng(png)), `png ${i}`).toBe(token);

      // The same size of symbol as qrcode's string API drew (its optimiser may split a digit run
      // into a numeric segment: a different bit stream of the same text, in the same version).
      const before = QRCode.create(token, { errorCorrectionLevel: QR_ERROR_CORRECTION });
      expect(ticketQrMatrix(token).size).toBe(before.modules.size);
      // Pixel for pixel what qrcode's own renderers draw for this symbol (one byte segment).
      const segments = [{ data: new TextEncoder().encode(token), mode: "byte" as const }];
      const options = { errorCorrectionLevel: QR_ERROR_CORRECTION, margin: QR_QUIET_ZONE } as const;
      expect(svg).toBe(await QRCode.toString(segments, { ...options, type: "svg" }));
      const theirs = decodePng(await QRCode.toBuffer(segments, { ...options, type: "png", scale: 4 }));
      const ours = decodePng(png);
      expect([ours.width, ours.height]).toEqual([theirs.width, theirs.height]);
      expect(Buffer.compare(Buffer.from(ours.data.buffer), Buffer.from(theirs.data.buffer))).toBe(0);
    });
  }

  it("draw qrcode's own symbol (its mask choice included) for 60 tokens of every name length, bit for bit", () => {
    const draw = mulberry32(60);
    for (let i = 0; i < 60; i++) {
      const name = "Ada Lovelace-Byron de la Cruz Wittelsbach ".repeat(3).slice(0, 1 + Math.floor(draw() * 120));
      const token = ticket(draw, name, draw() < 0.5 ? null : "BALCONY-C12");
      const theirs = QRCode.create([{ data: new TextEncoder().encode(token), mode: "byte" }], { errorCorrectionLevel: QR_ERROR_CORRECTION });
      const ours = ticketQrMatrix(token);
      expect(ours.size).toBe(theirs.modules.size);
      expect(Buffer.compare(Buffer.from(ours.data), Buffer.from(theirs.modules.data)), `token ${i} (qrcode chose mask ${theirs.maskPattern})`).toBe(0);
    }
  });

  it("SVG and PNG of a run-seeded set of tickets read back as the token, and are qrcode's pictures", async () => {
    const seed = Number(process.env.TEST_SEED) > 0 ? Number(process.env.TEST_SEED) : (Date.now() % 2_147_483_646) + 1;
    const draw = seededRandom(seed, "ticket QR decode set");
    for (let i = 0; i < 24; i++) {
      const name = "María Fernanda Rodríguez-Villanueva de la Cruz Wittelsbach ".repeat(3).slice(0, 1 + Math.floor(draw() * 120));
      const token = ticket(draw, name, draw() < 0.5 ? null : `ROW-${Math.floor(draw() * 90) + 10}`);
      const svg = await ticketQrSvg(token);
      const png = await ticketQrPng(token);
      for (const [kind, image] of [["svg", rasteriseSvg(svg)], ["png", decodePng(png)]] as const) {
        expect(jsQR(image.data, image.width, image.height)?.data, `${kind} ${i} (jsQR)`).toBe(token);
        expect(decodeQr(image), `${kind} ${i} (door's decoder)`).toBe(token);
      }
      const segments = [{ data: new TextEncoder().encode(token), mode: "byte" as const }];
      const options = { errorCorrectionLevel: QR_ERROR_CORRECTION, margin: QR_QUIET_ZONE } as const;
      expect(svg, `svg ${i}`).toBe(await QRCode.toString(segments, { ...options, type: "svg" }));
      const theirs = decodePng(await QRCode.toBuffer(segments, { ...options, type: "png", scale: 4 }));
      expect(Buffer.compare(Buffer.from(decodePng(png).data.buffer), Buffer.from(theirs.data.buffer)), `png ${i}`).toBe(0);
    }
  });
});
