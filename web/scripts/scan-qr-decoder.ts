/**
 * The QR decoder for browsers without `BarcodeDetector` (iOS Safari, Firefox), bundled on its own and
 * imported by the camera loop only where it is needed (scan-camera.lib.ts).
 *
 * zxing-js's QR reader alone missed some real tickets even drawn perfectly (16 of 200 signed ones at
 * 4 px a module): on those symbols its detector misjudges the module size and throws "Dimensions
 * could be not found" (or finds no code), frame after frame, whatever the camera does. jsQR reads those; zxing on the frame upscaled 1.5× or 2× (smoother, larger modules) or locally
 * thresholded reads most of the small, blurred, noisy camera frames the plain attempt misses. So a
 * frame goes through ATTEMPTS in order until one reads a code: cheapest and likeliest first.
 * Measured in test/browser/door-decoder.test.ts (it prints the figures); written up in docs/door.md.
 *
 * Size: zxing's QR modules (about 100 kB minified) + jsQR (about 130 kB); precached by the
 * scanner's service worker, and never loaded where the browser has BarcodeDetector.
 */
import BinaryBitmap from "@zxing/library/esm/core/BinaryBitmap";
import HybridBinarizer from "@zxing/library/esm/core/common/HybridBinarizer";
import QRCodeReader from "@zxing/library/esm/core/qrcode/QRCodeReader";
import RGBLuminanceSource from "@zxing/library/esm/core/RGBLuminanceSource";
import jsQR from "jsqr";
import { adaptiveThreshold, luminance, rgba, upscale, type Plane } from "./scan-qr-frames.lib";

const reader = new QRCodeReader();

function zxing(plane: Plane): string | null {
  try {
    return reader.decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(plane.data, plane.width, plane.height)))).getText();
  } catch {
    return null;
  } finally {
    reader.reset();
  }
}

function jsqr(plane: Plane): string | null {
  // Tickets are dark on light (the SVG carries its white background), so no inverted pass.
  return jsQR(rgba(plane), plane.width, plane.height, { inversionAttempts: "dontInvert" })?.data ?? null;
}

/** One frame's planes, each made once and only when an attempt asks for it. */
export class FramePlanes {
  private readonly made = new Map<string, Plane>();
  constructor(private readonly frame: { data: Uint8ClampedArray; width: number; height: number }) {}

  get(name: "plain" | "upscaled" | "doubled" | "thresholded"): Plane {
    let plane = this.made.get(name);
    if (!plane) {
      if (name === "plain") plane = luminance(this.frame);
      else if (name === "upscaled") plane = upscale(this.get("plain"), 1.5);
      else if (name === "doubled") plane = upscale(this.get("plain"), 2);
      else plane = adaptiveThreshold(this.get("plain"), 15, 3);
      this.made.set(name, plane);
    }
    return plane;
  }
}

export interface Attempt {
  name: string;
  read(planes: FramePlanes): string | null;
}

/** In order: likeliest to read a camera frame for its cost first (figures in docs/door.md). */
export const ATTEMPTS: readonly Attempt[] = [
  { name: "zxing", read: (p) => zxing(p.get("plain")) },
  { name: "zxing-upscaled", read: (p) => zxing(p.get("upscaled")) },
  { name: "jsqr", read: (p) => jsqr(p.get("plain")) },
  { name: "zxing-thresholded", read: (p) => zxing(p.get("thresholded")) },
  // Small modules (~3 camera px) nearly square to the sensor alias: a scale that moves the module
  // edges off the pixel grid's beat reads what 1.5× could not (one such frame in the browser test).
  { name: "jsqr-doubled", read: (p) => jsqr(p.get("doubled")) },
  { name: "zxing-doubled", read: (p) => zxing(p.get("doubled")) },
];

export interface Decoded {
  text: string | null;
  /** The attempt that read it, or null when none did. */
  attempt: string | null;
}

/** Runs `attempts` (all, unless told) on the frame in order; the first text read wins. */
export function decodeQrWith(frame: ImageData, attempts: readonly Attempt[] = ATTEMPTS): Decoded {
  const planes = new FramePlanes(frame);
  for (const attempt of attempts) {
    const text = attempt.read(planes);
    if (text !== null) return { text, attempt: attempt.name };
  }
  return { text: null, attempt: null };
}

/** The text of the QR code in the frame, or null when there is none to read (every attempt). */
export function decodeQr(frame: ImageData): string | null {
  return decodeQrWith(frame).text;
}

/**
 * For the camera loop: every frame gets the plain zxing attempt (cheap, reads most frames), plus
 * ONE of the others, taken in turn. A frame with no code in it then costs two attempts, not six;
 * a code held in view meets every attempt within five frames (about 0.75 s at the loop's pace).
 */
export function cameraDecoder(): (frame: ImageData) => string | null {
  const [first, ...rest] = ATTEMPTS as [Attempt, ...Attempt[]];
  let turn = 0;
  return (frame) => {
    const extra = rest[turn++ % rest.length]!;
    return decodeQrWith(frame, [first, extra]).text;
  };
}
