/**
 * The QR decoder for browsers without `BarcodeDetector` (iOS Safari, Firefox): zxing-js's QR reader,
 * bundled on its own and imported by the camera loop only where it is needed (scan-camera.lib.ts).
 * Only the QR modules are imported (about 100 kB minified, against 480 kB for the whole library).
 */
import BinaryBitmap from "@zxing/library/esm/core/BinaryBitmap";
import HybridBinarizer from "@zxing/library/esm/core/common/HybridBinarizer";
import QRCodeReader from "@zxing/library/esm/core/qrcode/QRCodeReader";
import RGBLuminanceSource from "@zxing/library/esm/core/RGBLuminanceSource";

const reader = new QRCodeReader();

/** The text of the QR code in the frame, or null when there is none to read. */
export function decodeQr(frame: ImageData): string | null {
  const { data, width, height } = frame;
  const luminance = new Uint8ClampedArray(width * height);
  for (let i = 0, p = 0; i < luminance.length; i += 1, p += 4) luminance[i] = (data[p]! + 2 * data[p + 1]! + data[p + 2]!) >> 2;
  try {
    return reader.decode(new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(luminance, width, height)))).getText();
  } catch {
    return null;
  } finally {
    reader.reset();
  }
}
