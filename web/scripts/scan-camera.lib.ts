/**
 * Camera scanning: the back camera into a <video>, each frame read by the browser's own
 * `BarcodeDetector` where it has one (Chrome on Android: native and fast), else by the fallback decoder (zxing-js's
 * QR reader and jsQR, on the frame as it is, upscaled or thresholded: scan-qr-decoder.ts), loaded then and only
 * then (/assets/scan-qr-decoder.js). A code the camera keeps seeing is passed on
 * once: the same text again within REPEAT_MS is the same scan, not a second one.
 */
interface DetectedBarcode {
  rawValue: string;
}
interface NativeDetector {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}
interface NativeDetectorClass {
  new (options: { formats: string[] }): NativeDetector;
  getSupportedFormats(): Promise<string[]>;
}

type FrameReader = (video: HTMLVideoElement) => Promise<string | null>;

const REPEAT_MS = 3_000;
const FALLBACK_FRAME_MS = 150;
const DECODER_URL = "/assets/scan-qr-decoder.js";

async function nativeReader(): Promise<FrameReader | undefined> {
  const Detector = (globalThis as { BarcodeDetector?: NativeDetectorClass }).BarcodeDetector;
  if (!Detector) return undefined;
  try {
    if (!(await Detector.getSupportedFormats()).includes("qr_code")) return undefined;
    const detector = new Detector({ formats: ["qr_code"] });
    return async (video) => (await detector.detect(video))[0]?.rawValue ?? null;
  } catch {
    return undefined;
  }
}

async function fallbackReader(): Promise<FrameReader> {
  const url: string = DECODER_URL;
  const { cameraDecoder } = (await import(url)) as { cameraDecoder: () => (frame: ImageData) => string | null };
  const decodeQr = cameraDecoder();
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  return async (video) => {
    const scale = Math.min(1, 720 / Math.max(video.videoWidth, 1));
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    if (canvas.width === 0 || canvas.height === 0) return null;
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    return decodeQr(context.getImageData(0, 0, canvas.width, canvas.height));
  };
}

export class CameraScanner {
  private stream: MediaStream | undefined;
  private running = false;
  private last = { text: "", at: 0 };

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly onCode: (text: string) => void,
  ) {}

  get active(): boolean {
    return this.running;
  }

  static available(): boolean {
    return Boolean(navigator.mediaDevices?.getUserMedia);
  }

  async start(): Promise<void> {
    if (this.running) return;
    const read = (await nativeReader()) ?? (await fallbackReader());
    this.stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false });
    this.video.srcObject = this.stream;
    this.video.hidden = false;
    await this.video.play();
    this.running = true;
    void this.loop(read);
  }

  stop(): void {
    this.running = false;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = undefined;
    this.video.srcObject = null;
    this.video.hidden = true;
  }

  private async loop(read: FrameReader): Promise<void> {
    while (this.running) {
      const started = performance.now();
      let text: string | null = null;
      try {
        if (this.video.readyState >= 2) text = await read(this.video);
      } catch {
        text = null;
      }
      if (text && (text !== this.last.text || Date.now() - this.last.at > REPEAT_MS)) this.onCode(text);
      if (text) this.last = { text, at: Date.now() };
      const wait = Math.max(0, FALLBACK_FRAME_MS - (performance.now() - started));
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
