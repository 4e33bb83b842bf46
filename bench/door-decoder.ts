/**
 * The door scanner's fallback decoder on many camera frames: tickets signed as pay-order signs them,
 * photographed in Chromium as test/browser/door-decoder.test.ts does (same poses), each frame read
 * by every attempt on its own, by zxing alone (the decoder before) and by the whole chain (now), with
 * the time a frame takes; and what a frame with no code costs the camera loop per turn.
 *
 *   npx tsx bench/door-decoder.ts            (DECODER_FRAMES=300, DECODER_SEED=1; no server needed)
 *
 * The bundle is built in memory from web/scripts/scan-qr-decoder.ts as web/build.ts builds it.
 * Figures and what they led to: docs/door.md, "The camera's fallback decoder".
 */
import { build } from "esbuild";
import { generateKeyPair } from "jose";
import { chromium } from "playwright-core";
import { fileURLToPath } from "node:url";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../test/browser/chromium";
import { FRAME, paintFrame, randomPose } from "../test/browser/camera-frames";
import { mulberry32 } from "../test/seeded-random";
import { QR_QUIET_ZONE, ticketQrMatrix, ticketQrSvg } from "../workers/tickets/qr";
import { signTicket } from "../workers/tickets/ticket-tokens";

type Decoder = typeof import("../web/scripts/scan-qr-decoder");

const FRAMES = Number(process.env.DECODER_FRAMES ?? 300);
const SEED = Number(process.env.DECODER_SEED ?? 1);
const ORIGIN = "http://decoder.bench";

const bundle = await build({
  entryPoints: [fileURLToPath(new URL("../web/scripts/scan-qr-decoder.ts", import.meta.url))],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  write: false,
});
const code = bundle.outputFiles[0]!.text;

const random = mulberry32(SEED);
const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join("");
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
const names = ["Ada Lovelace", "María Fernanda Rodríguez-Villanueva de la Cruz", "Li Wei", "Zoë Øster-Ångström", "x".repeat(120)];
const { privateKey } = await generateKeyPair("ES256", { extractable: true });
const eventId = uuid();
const kid = `evt_${eventId.replace(/-/g, "").slice(0, 8)}_${Buffer.from(Array.from({ length: 9 }, () => Math.floor(random() * 256))).toString("base64url")}`;

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await page.route(`${ORIGIN}/**`, (route) =>
    route.request().url().endsWith(".js")
      ? route.fulfill({ contentType: "text/javascript", body: code })
      : route.fulfill({ contentType: "text/html", body: "<!doctype html><title>decoder bench</title>" }),
  );
  await page.goto(`${ORIGIN}/`);
  // tsx keeps function names with a helper (__name) that the page lacks: give it one that does nothing.
  await page.evaluate(`globalThis.__name = (target) => target; globalThis.paintFrame = ${paintFrame.toString()}`);
  await page.evaluate(`import("${ORIGIN}/scan-qr-decoder.js").then((module) => { globalThis.qrDecoder = module; })`);

  const attempts = await page.evaluate(() => (globalThis as unknown as { qrDecoder: Decoder }).qrDecoder.ATTEMPTS.map((a) => a.name));
  const reads = new Map(attempts.map((name) => [name, { read: 0, ms: 0 }]));
  const chain = { read: 0, ms: [] as number[] };
  const alone = { read: 0, ms: [] as number[] };
  for (let i = 0; i < FRAMES; i++) {
    const token = await signTicket(
      { kid, privateKey },
      { tid: uuid(), eid: eventId, tier: uuid(), seat: random() < 0.5 ? null : `Balcony C-${1 + Math.floor(random() * 40)}`, name: names[Math.floor(random() * names.length)]!, v: 1 },
      new Date(),
    );
    const pose = randomPose(random, ticketQrMatrix(token).size + 2 * QR_QUIET_ZONE);
    const result = await page.evaluate(
      async ({ svg, pose, size }) => {
        const g = globalThis as unknown as { qrDecoder: Decoder; paintFrame: typeof paintFrame };
        const canvas = document.createElement("canvas");
        canvas.width = size.width;
        canvas.height = size.height;
        await g.paintFrame(canvas, svg, pose);
        const frame = canvas.getContext("2d")!.getImageData(0, 0, size.width, size.height);
        const each = g.qrDecoder.ATTEMPTS.map((attempt) => {
          const started = performance.now();
          const text = g.qrDecoder.decodeQrWith(frame, [attempt]).text;
          return { name: attempt.name, text, ms: performance.now() - started };
        });
        const started = performance.now();
        const text = g.qrDecoder.decodeQr(frame);
        return { each, text, ms: performance.now() - started };
      },
      { svg: await ticketQrSvg(token), pose, size: FRAME },
    );
    for (const attempt of result.each) {
      const figures = reads.get(attempt.name)!;
      if (attempt.text === token) figures.read++;
      figures.ms += attempt.ms;
    }
    const first = result.each[0]!;
    if (first.text === token) alone.read++;
    alone.ms.push(first.ms);
    if (result.text === token) chain.read++;
    else console.log(`not read: frame ${i}, pose ${JSON.stringify(pose)}, token ${token}`);
    chain.ms.push(result.ms);
  }

  const empty = await page.evaluate(async ({ size }) => {
    const g = globalThis as unknown as { qrDecoder: Decoder; paintFrame: typeof paintFrame };
    const canvas = document.createElement("canvas");
    canvas.width = size.width;
    canvas.height = size.height;
    const blank = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 90 90"><path fill="#ffffff" d="M0 0h90v90H0z"/></svg>`;
    const pose = { pixelsPerModule: 4, angle: 0.05, shear: 0, blur: 0.5, noise: 3, white: 220, black: 30, surround: 120, falloff: 0.1, falloffAngle: 1, dx: 0, dy: 0, noiseSeed: 7 };
    await g.paintFrame(canvas, blank, pose);
    const frame = canvas.getContext("2d")!.getImageData(0, 0, size.width, size.height);
    const camera = g.qrDecoder.cameraDecoder();
    const turns: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let turn = 0; turn < g.qrDecoder.ATTEMPTS.length - 1; turn++) {
        const started = performance.now();
        camera(frame);
        turns.push(performance.now() - started);
      }
    }
    return turns;
  }, { size: FRAME });

  const pct = (n: number) => `${((100 * n) / FRAMES).toFixed(1)} %`;
  const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!.toFixed(1);
  console.log(`\n${FRAMES} frames ${FRAME.width}x${FRAME.height}, seed ${SEED}, bundle ${(code.length / 1024).toFixed(0)} kB minified\n`);
  console.log("| attempt on its own | frames read | ms a frame (mean) |\n|---|---|---|");
  for (const [name, figures] of reads) console.log(`| ${name} | ${figures.read} (${pct(figures.read)}) | ${(figures.ms / FRAMES).toFixed(1)} |`);
  console.log("\n| decoder | frames read | ms a frame p50 | p90 | max |\n|---|---|---|---|---|");
  console.log(`| before: zxing alone | ${alone.read} (${pct(alone.read)}) | ${quantile(alone.ms, 0.5)} | ${quantile(alone.ms, 0.9)} | ${quantile(alone.ms, 1)} |`);
  console.log(`| now: every attempt until one reads | ${chain.read} (${pct(chain.read)}) | ${quantile(chain.ms, 0.5)} | ${quantile(chain.ms, 0.9)} | ${quantile(chain.ms, 1)} |`);
  console.log(`\nA frame with no code, camera loop (plain zxing + one attempt in turn), ms per turn: ${empty.map((ms) => ms.toFixed(1)).join(", ")}`);
} finally {
  await browser.close();
}
