/**
 * What the fallback QR decoder (scan-qr-decoder.ts) does to a camera frame before a reader sees it:
 * one luminance plane per frame, and from it an upscaled plane or a locally thresholded one. Pure
 * functions on typed arrays, no DOM, so Node and the page run the same code.
 */

/** One byte of brightness a pixel, row-major. */
export interface Plane {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/** The frame's brightness (the weights zxing uses: (R + 2G + B) / 4). */
export function luminance(frame: { data: Uint8ClampedArray; width: number; height: number }): Plane {
  const { data, width, height } = frame;
  const out = new Uint8ClampedArray(width * height);
  for (let i = 0, p = 0; i < out.length; i += 1, p += 4) out[i] = (data[p]! + 2 * data[p + 1]! + data[p + 2]!) >> 2;
  return { data: out, width, height };
}

/**
 * The plane `factor` times larger, bilinear. A small, noisy module (3–4 camera pixels) comes out
 * smoother and larger, which is what zxing's finder and binarizer (8-pixel blocks) need.
 */
export function upscale(plane: Plane, factor: number): Plane {
  const width = Math.round(plane.width * factor);
  const height = Math.round(plane.height * factor);
  const src = plane.data;
  const sw = plane.width;
  const out = new Uint8ClampedArray(width * height);
  const x0 = new Int32Array(width);
  const x1 = new Int32Array(width);
  const ax = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(sw - 1, Math.max(0, (x + 0.5) / factor - 0.5));
    x0[x] = Math.floor(fx);
    x1[x] = Math.min(sw - 1, x0[x]! + 1);
    ax[x] = fx - x0[x]!;
  }
  for (let y = 0; y < height; y++) {
    const fy = Math.min(plane.height - 1, Math.max(0, (y + 0.5) / factor - 0.5));
    const top = Math.floor(fy) * sw;
    const bottom = Math.min(plane.height - 1, Math.floor(fy) + 1) * sw;
    const ay = fy - Math.floor(fy);
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const a = ax[x]!;
      const upper = src[top + x0[x]!]! * (1 - a) + src[top + x1[x]!]! * a;
      const lower = src[bottom + x0[x]!]! * (1 - a) + src[bottom + x1[x]!]! * a;
      out[row + x] = upper + (lower - upper) * ay;
    }
  }
  return { data: out, width, height };
}

/**
 * Black where a pixel is darker than the mean of the (2·radius+1)² square around it by more than
 * `offset`, else white (an integral image makes each mean four reads). Takes out uneven light (a
 * shadow over half the ticket, a screen's glow) that a block binarizer can misjudge.
 */
export function adaptiveThreshold(plane: Plane, radius: number, offset: number): Plane {
  const { data, width, height } = plane;
  const stride = width + 1;
  const integral = new Float64Array(stride * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += data[y * width + x]!;
      integral[(y + 1) * stride + x + 1] = integral[y * stride + x + 1]! + row;
    }
  }
  const out = new Uint8ClampedArray(width * height);
  for (let y = 0; y < height; y++) {
    const top = Math.max(0, y - radius);
    const bottom = Math.min(height, y + radius + 1);
    for (let x = 0; x < width; x++) {
      const left = Math.max(0, x - radius);
      const right = Math.min(width, x + radius + 1);
      const sum = integral[bottom * stride + right]! - integral[top * stride + right]! - integral[bottom * stride + left]! + integral[top * stride + left]!;
      const mean = sum / ((right - left) * (bottom - top));
      out[y * width + x] = data[y * width + x]! < mean - offset ? 0 : 255;
    }
  }
  return { data: out, width, height };
}

/** The plane as RGBA (grey, opaque), the input jsQR takes. */
export function rgba(plane: Plane): Uint8ClampedArray {
  const out = new Uint8ClampedArray(plane.data.length * 4);
  for (let i = 0, p = 0; i < plane.data.length; i++, p += 4) {
    out[p] = out[p + 1] = out[p + 2] = plane.data[i]!;
    out[p + 3] = 255;
  }
  return out;
}
