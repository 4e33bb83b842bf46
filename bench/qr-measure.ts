/**
 * How big is a ticket's QR code? Signs realistic tickets the way pay-order does (a fresh ES256 key,
 * a kid shaped like signing-keys' `evt_<8 hex>_<12 base64url>`, the tier's id as `tier`), then prints
 * the token's length and, per error-correction level, the QR version, modules per side and the size
 * of one module at the sizes the order page and the print view draw it; then the CPU time of one
 * render, SVG and mail PNG, by qrcode's string API (before) and by the project's renderers (now).
 *
 *   npx tsx bench/qr-measure.ts
 *
 * Figures and the decision they led to: docs/door.md, "QR codes".
 */
import { base64url, generateKeyPair, SignJWT } from "jose";
import QRCode from "qrcode";
import { signTicket, type TicketClaims } from "../workers/tickets/ticket-tokens";
import { ticketQrPng } from "../workers/mail/attachments";
import { QR_ERROR_CORRECTION, QR_QUIET_ZONE, ticketQrSvg } from "../workers/tickets/qr";
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
 * CPU per render (issue #13): qrcode's string API (a segment optimiser over the token, then its SVG
 * or pngjs PNG renderer) against workers/tickets/qr.ts and workers/mail/qr-png.ts (one byte segment,
 * the SVG drawn from the matrix, a 1-bit PNG). The two run interleaved in this process, so the ratio
 * holds on a busy machine even when the absolute figures do not.
 */
async function cpuPerRender(render: () => unknown, rounds: number): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < rounds; i++) await render();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000 / rounds;
}

const typical = await signTicket({ kid: kidFor(tickets[0]!.claims.eid), privateKey }, tickets[0]!.claims, NOW);
const worst = await signTicket({ kid: kidFor(tickets[2]!.claims.eid), privateKey }, tickets[2]!.claims, NOW);
const ROUNDS = Number(process.env.QR_ROUNDS) || 100;
const renders: [string, () => unknown, () => unknown][] = [];
for (const [label, token] of [["typical", typical], ["worst", worst]] as const) {
  renders.push(
    [`${label}: SVG`, () => QRCode.toString(token, { type: "svg", errorCorrectionLevel: QR_ERROR_CORRECTION, margin: QR_QUIET_ZONE }), () => ticketQrSvg(token)],
    [`${label}: PNG (mail)`, () => QRCode.toBuffer(token, { type: "png", errorCorrectionLevel: QR_ERROR_CORRECTION, margin: QR_QUIET_ZONE, scale: 4 }), () => ticketQrPng(token)],
  );
}
const rows: string[][] = [];
for (const [label, before, after] of renders) {
  await cpuPerRender(before, 10);
  await cpuPerRender(after, 10);
  let b = 0;
  let a = 0;
  for (let i = 0; i < 5; i++) {
    b += await cpuPerRender(before, ROUNDS / 5);
    a += await cpuPerRender(after, ROUNDS / 5);
  }
  const sizes = [(await before()) as string | Uint8Array, (await after()) as string | Uint8Array].map((x) => String(x.length));
  rows.push([label, (b / 5).toFixed(2), (a / 5).toFixed(2), `×${(b / a).toFixed(1)}`, sizes[0]!, sizes[1]!]);
}
console.log(`CPU per render, ms (${ROUNDS} rounds each, interleaved; load ${(await import("node:os")).loadavg()[0]!.toFixed(1)})`);
console.log(table(["render", "qrcode before", "now", "faster", "bytes before", "bytes now"], rows));
