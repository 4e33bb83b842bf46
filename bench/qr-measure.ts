/**
 * How big is a ticket's QR code? Signs realistic tickets the way pay-order does (a fresh ES256 key,
 * a kid shaped like signing-keys' `evt_<8 hex>_<12 base64url>`, the tier's id as `tier`), then prints
 * the token's length and, per error-correction level, the QR version, modules per side and the size
 * of one module at the sizes the order page and the print view draw it; then the CPU per ticket of
 * each step (pay's SVG, the mail's PNG and its base64) by qrcode's string API, the previous round
 * and now, in Node and inside workerd, with the ratios.
 *
 *   npx tsx bench/qr-measure.ts          (QR_ROUNDS=100 Node rounds a build; QR_WORKERD=0 skips workerd)
 *
 * Figures and the decision they led to: docs/door.md, "QR codes".
 */
import { base64url, generateKeyPair, SignJWT } from "jose";
import QRCode from "qrcode";
import { signTicket, type TicketClaims } from "../workers/tickets/ticket-tokens";
import { ticketQrPng } from "../workers/mail/attachments";
import { QR_ERROR_CORRECTION, QR_QUIET_ZONE } from "../workers/tickets/qr";
import { RENDERS, runRender, type Build, type RenderInput, type Step } from "./qr-renders";
import { startWorkerdRenders } from "./qr-workerd";
import { table } from "./stats";

const LEVELS = ["L", "M", "Q", "H"] as const;
/** CSS px per mm: CSS fixes 96 px to the inch, and print honours it. */
const PX_PER_MM = 96 / 25.4;
/**
 * Where a ticket QR is drawn: CSS px of the QR's box, quiet zone included (keep in step with app.css's
 * ticket rules), and the quiet zone drawn then. "before" is the page as it was until this measure.
 */
const RENDERED: { where: string; px: number; quiet: number }[] = [
  { where: "before: order page 168 px, zone 2", px: 168, quiet: 2 },
  { where: "before: phone 240 px, zone 2", px: 240, quiet: 2 },
  { where: "before: print 168 px (44 mm)", px: 168, quiet: 2 },
  { where: "order page 372 px", px: 372, quiet: QR_QUIET_ZONE },
  { where: "phone 390 wide: 356 px", px: 356, quiet: QR_QUIET_ZONE },
  { where: "phone 360 wide: 326 px", px: 326, quiet: QR_QUIET_ZONE },
  { where: "print 70 mm", px: 70 * PX_PER_MM, quiet: QR_QUIET_ZONE },
];

const NOW = new Date("2026-11-05T18:30:00.000Z");

const tickets: { label: string; claims: TicketClaims }[] = [
  {
    label: "typical: GA, 13-char name",
    claims: { tid: crypto.randomUUID(), eid: crypto.randomUUID(), tier: crypto.randomUUID(), seat: null, name: "Ada Lovelace", v: 1 },
  },
  {
    label: "long: seat, 46-char accented name",
    claims: {
      tid: crypto.randomUUID(),
      eid: crypto.randomUUID(),
      tier: crypto.randomUUID(),
      seat: "BALCONY-C12",
      name: "María Fernanda Rodríguez-Villanueva de la Cruz",
      v: 1,
    },
  },
  {
    label: "worst: seat, 120-char name (the API's limit)",
    claims: {
      tid: crypto.randomUUID(),
      eid: crypto.randomUUID(),
      tier: crypto.randomUUID(),
      seat: "BALCONY-C12",
      name: "Maximiliane Friederike Ottilie Walburga von Hohenzollern-Sigmaringen und Wittelsbach-Leuchtenberg zu Braunschweig-Lün".slice(0, 120),
      v: 1,
    },
  },
];

function kidFor(eventId: string): string {
  return `evt_${eventId.replace(/-/g, "").slice(0, 8)}_${base64url.encode(crypto.getRandomValues(new Uint8Array(9)))}`;
}

/** The same token without the `typ` header: what dropping it would save. */
async function signWithoutTyp(privateKey: CryptoKey, kid: string, claims: TicketClaims): Promise<string> {
  const { tid, eid, tier, seat, name, v } = claims;
  return new SignJWT({ tid, eid, tier, seat, name, v })
    .setProtectedHeader({ alg: "ES256", kid })
    .setIssuedAt(Math.floor(NOW.getTime() / 1000))
    .sign(privateKey);
}

function describe(token: string) {
  return LEVELS.map((level) => {
    const qr = QRCode.create(token, { errorCorrectionLevel: level });
    return { level, version: qr.version, modules: qr.modules.size };
  });
}

const { privateKey } = await generateKeyPair("ES256");
console.log(`Ticket QR codes (this build: level ${QR_ERROR_CORRECTION}, quiet zone ${QR_QUIET_ZONE} modules)\n`);

for (const { label, claims } of tickets) {
  const kid = kidFor(claims.eid);
  const token = await signTicket({ kid, privateKey }, claims, NOW);
  const bare = await signWithoutTyp(privateKey, kid, claims);
  const [header, payload, signature] = token.split(".");
  console.log(`${label}`);
  console.log(`  token ${token.length} chars (header ${header!.length}, payload ${payload!.length}, signature ${signature!.length}); without typ: ${bare.length}`);
  const withTyp = describe(token);
  const withoutTyp = describe(bare);
  console.log(
    table(
      ["level", "version", "modules", "no typ: version", "modules"],
      withTyp.map((row, i) => [row.level, String(row.version), String(row.modules), String(withoutTyp[i]!.version), String(withoutTyp[i]!.modules)]),
    )
      .split("\n")
      .map((line) => `  ${line}`)
      .join("\n"),
  );
  console.log("  one module:");
  console.log(
    table(
      ["drawn at", ...LEVELS.map((l) => `${l}: px`), ...LEVELS.map((l) => `${l}: mm`)],
      RENDERED.map(({ where, px, quiet }) => {
        const perModule = withTyp.map((row) => px / (row.modules + 2 * quiet));
        return [where, ...perModule.map((p) => p.toFixed(2)), ...perModule.map((p) => (p / PX_PER_MM).toFixed(2))];
      }),
    )
      .split("\n")
      .map((line) => `  ${line}`)
      .join("\n"),
  );
  console.log("");
}

/**
 * CPU per ticket (issue #13), step by step: the SVG in pay's answer, the mail's PNG and its base64,
 * by qrcode's string API, the previous round and now (bench/qr-renders.ts), in Node and, unless
 * QR_WORKERD=0, inside workerd (bench/qr-workerd.ts), where the Worker runs them. In Node the builds
 * run interleaved in this process, so the ratios hold on a busy machine even when the absolute
 * figures do not; in workerd each batch is the workerd process's CPU from /proc.
 */
async function cpuPerRender(render: () => Promise<void>, rounds: number): Promise<number> {
  const started = process.cpuUsage();
  await render();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000 / rounds;
}

const ROUNDS = Number(process.env.QR_ROUNDS) || 100;
const BUILDS: Build[] = ["qrcode", "previous", "now"];
const STEPS = Object.keys(RENDERS) as Step[];
const inputs: { label: string; input: RenderInput }[] = [];
for (const [label, index] of [["typical", 0], ["worst", 2]] as const) {
  const token = await signTicket({ kid: kidFor(tickets[index]!.claims.eid), privateKey }, tickets[index]!.claims, NOW);
  inputs.push({ label, input: { token, png: await ticketQrPng(token) } });
}

type Figures = Map<string, number>; // `${label}|${step}|${build}` → CPU ms per call
const key = (label: string, step: Step, build: Build) => `${label}|${step}|${build}`;

const node: Figures = new Map();
for (const { label, input } of inputs) {
  for (const step of STEPS) {
    const builds = BUILDS.filter((b) => RENDERS[step][b]);
    // Warm up, and size each build's batches to at least ~20 ms so a µs-step is not lost in the noise.
    const batch = new Map<Build, number>();
    for (const build of builds) {
      await runRender(step, build, input, 10);
      batch.set(build, Math.max(ROUNDS / 5, Math.ceil(20 / Math.max(await cpuPerRender(() => runRender(step, build, input, 10), 10), 0.0005))));
    }
    const sums = new Map<Build, number>();
    for (let i = 0; i < 5; i++) {
      for (const build of builds) sums.set(build, (sums.get(build) ?? 0) + (await cpuPerRender(() => runRender(step, build, input, batch.get(build)!), batch.get(build)!)));
    }
    for (const build of builds) node.set(key(label, step, build), sums.get(build)! / 5);
  }
}

const workerd: Figures = new Map();
if (process.env.QR_WORKERD !== "0") {
  const renders = await startWorkerdRenders();
  try {
    for (let pass = 0; pass < 3; pass++) {
      for (const { label, input } of inputs) {
        for (const step of STEPS) {
          for (const build of BUILDS.filter((b) => RENDERS[step][b] && !(step === "PNG (mail)" && b === "qrcode"))) {
            const ms = await renders.cpuPerRender(step, build, input, node.get(key(label, step, build))!);
            workerd.set(key(label, step, build), (workerd.get(key(label, step, build)) ?? 0) + ms / 3);
          }
        }
      }
    }
  } finally {
    await renders.close();
  }
}

const ms = (value: number | undefined) => (value === undefined ? "–" : value < 0.01 ? value.toFixed(4) : value < 0.1 ? value.toFixed(3) : value.toFixed(2));
const ratio = (before: number | undefined, after: number | undefined) => (before === undefined || after === undefined || after <= 0 ? "–" : `×${(before / after).toFixed(1)}`);
const rows: string[][] = [];
for (const [where, figures] of [["Node", node], ["workerd", workerd]] as const) {
  if (figures.size === 0) continue;
  for (const { label } of inputs) {
    const sum = (build: Build, steps: Step[]) => steps.reduce((total, step) => total + (figures.get(key(label, step, build)) ?? NaN), 0);
    for (const step of STEPS) {
      const [q, p, n] = BUILDS.map((b) => figures.get(key(label, step, b)));
      rows.push([where, label, step, ms(q), ms(p), ms(n), ratio(p, n), ratio(q, n)]);
    }
    const mail: Step[] = ["PNG (mail)", "base64 of the PNG (mail)"];
    rows.push([where, label, "mail: PNG + base64", "–", ms(sum("previous", mail)), ms(sum("now", mail)), ratio(sum("previous", mail), sum("now", mail)), "–"]);
    rows.push([where, label, "ticket: SVG + PNG + base64", "–", ms(sum("previous", STEPS)), ms(sum("now", STEPS)), ratio(sum("previous", STEPS), sum("now", STEPS)), "–"]);
  }
}
const { loadavg } = await import("node:os");
console.log(`CPU per ticket, ms per call (Node: 5 interleaved batches of ≥ ${ROUNDS / 5} calls and ≥ 20 ms a build; workerd: /proc CPU of ~300 ms batches, 3 passes; load ${loadavg()[0]!.toFixed(1)})`);
console.log(table(["where", "ticket", "step", "qrcode", "previous", "now", "previous/now", "qrcode/now"], rows));
