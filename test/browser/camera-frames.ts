/**
 * A phone camera's view of a ticket, drawn by Chromium: the ticket's own SVG (what the order page and
 * the mail show) rasterised sharp, then "photographed" into a 640×480 frame: placed off-centre on a
 * grey surround, scaled to 3.2–5 camera pixels a module, turned up to ±7°, slightly sheared (a tilted
 * phone), blurred (focus), with washed-out contrast, a light falloff across the frame and sensor noise.
 * The poses are drawn from a seeded generator in Node; the page draws them (`paintFrame`).
 */

export interface Pose {
  /** Camera pixels a module. */
  pixelsPerModule: number;
  /** Radians. */
  angle: number;
  shear: number;
  /** Gaussian blur radius, camera pixels (CSS `blur()`). */
  blur: number;
  /** Standard deviation of the sensor noise, 0–255 levels. */
  noise: number;
  /** What the ticket's white and black come out as, 0–255. */
  white: number;
  black: number;
  /** The surround's grey. */
  surround: number;
  /** How much darker the far side of the frame is (0–1), and toward which direction (radians). */
  falloff: number;
  falloffAngle: number;
  /** Where the code's centre is, from the frame's centre, in camera pixels. */
  dx: number;
  dy: number;
  /** Seeds the page's noise. */
  noiseSeed: number;
}

export const FRAME = { width: 640, height: 480 };

/** A pose for a symbol of `modules` a side (quiet zone included) that keeps the whole code in frame. */
export function randomPose(random: () => number, modules: number): Pose {
  const fits = (FRAME.height - 40) / modules;
  const pixelsPerModule = 3.2 + random() * (Math.min(5, fits) - 3.2);
  const side = pixelsPerModule * modules;
  const room = (FRAME.height - side * 1.15) / 2;
  return {
    pixelsPerModule,
    angle: (random() - 0.5) * 0.24,
    shear: (random() - 0.5) * 0.06,
    blur: 0.3 + random() * 0.4,
    noise: 1.5 + random() * 2.5,
    white: 195 + random() * 50,
    black: 15 + random() * 45,
    surround: 70 + random() * 110,
    falloff: random() * 0.2,
    falloffAngle: random() * 2 * Math.PI,
    dx: (random() - 0.5) * 2 * Math.max(0, room),
    dy: (random() - 0.5) * 2 * Math.max(0, room),
    noiseSeed: Math.floor(random() * 2 ** 31),
  };
}

/**
 * Runs in the page: draws the SVG as the camera would see it into `canvas` (FRAME-sized). Kept free of
 * outside names so Playwright can send it as source.
 */
export async function paintFrame(canvas: HTMLCanvasElement, svg: string, pose: Pose): Promise<void> {
  const image = new Image();
  const url = URL.createObjectURL(new Blob([svg], { type: "image/svg+xml" }));
  image.src = url;
  await image.decode();
  URL.revokeObjectURL(url);
  const modules = Number(/viewBox="0 0 (\d+) /.exec(svg)![1]);
  // Sharp first (8 px a module), then scaled down with smoothing: the lens averages, it does not pick pixels.
  const sharp = document.createElement("canvas");
  sharp.width = sharp.height = modules * 8;
  sharp.getContext("2d")!.drawImage(image, 0, 0, sharp.width, sharp.height);

  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  const { width, height } = canvas;
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.filter = "none";
  context.fillStyle = `rgb(${pose.surround},${pose.surround},${pose.surround})`;
  context.fillRect(0, 0, width, height);
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = "high";
  context.filter = `blur(${pose.blur}px)`;
  const side = modules * pose.pixelsPerModule;
  context.translate(width / 2 + pose.dx, height / 2 + pose.dy);
  context.rotate(pose.angle);
  context.transform(1, 0, pose.shear, 1, 0, 0);
  context.drawImage(sharp, -side / 2, -side / 2, side, side);
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.filter = "none";

  const frame = context.getImageData(0, 0, width, height);
  const data = frame.data;
  let state = pose.noiseSeed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const cos = Math.cos(pose.falloffAngle);
  const sin = Math.sin(pose.falloffAngle);
  const reach = Math.hypot(width, height) / 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const along = ((x - width / 2) * cos + (y - height / 2) * sin) / reach; // -1 … 1
      const light = 1 - (pose.falloff * (along + 1)) / 2;
      const p = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) {
        const level = data[p + c]! / 255; // 1 white paper/screen, 0 ink, surround in between
        const seen = (pose.black + (pose.white - pose.black) * level) * light;
        // Box–Muller: Gaussian sensor noise, independent per channel.
        const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
        data[p + c] = seen + gaussian * pose.noise;
      }
    }
  }
  context.putImageData(frame, 0, 0);
}
