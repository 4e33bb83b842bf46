/**
 * The mail's formatting after its CPU cuts (issue #13): zonedWhen's per-isolate Intl.DateTimeFormat
 * gives the same text a formatter built for the call gives, and the one-pass foldLine folds exactly
 * as the per-character reference (RFC 5545 §3.1: at most 75 octets, never inside a UTF-8 character).
 */
import { describe, expect, it } from "vitest";
import { calendarFile, foldLine } from "../../workers/mail/calendar";
import { zonedWhen } from "../../workers/mail/when";
import { seededRandom } from "../seeded-random";

/** zonedWhen as it was: both formatters built for the call. */
function freshWhen(at: Date, timeZone: string, dateStyle: "full" | "medium"): string {
  const local = at.toLocaleString("en-GB", { dateStyle, timeStyle: "short", timeZone });
  const zone = new Intl.DateTimeFormat("en-GB", { timeZone, timeZoneName: "short" }).formatToParts(at).find((p) => p.type === "timeZoneName")?.value;
  return zone ? `${local} ${zone}` : local;
}

/** foldLine as it was: one TextEncoder call and one concatenation per character. */
function referenceFold(line: string): string {
  const encoder = new TextEncoder();
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  for (const char of line) {
    const size = encoder.encode(char).length;
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = "";
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join("\r\n ");
}

/** The node project provides no testSeed: the run's seed as test/unit/mail-base64.test.ts takes it. */
const seed = Number(process.env.TEST_SEED) > 0 ? Number(process.env.TEST_SEED) : (Date.now() % 2_147_483_646) + 1;

const ZONES = ["UTC", "Europe/Lisbon", "Europe/Berlin", "America/New_York", "America/Sao_Paulo", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham", "Africa/Casablanca"];

describe("zonedWhen with cached formatters", () => {
  it("gives the text of a freshly built formatter, for every zone, style and moment, also on reuse", () => {
    const random = seededRandom(seed, "mail-formatting: moments");
    for (let round = 0; round < 3; round++) {
      for (const zone of ZONES) {
        for (const style of ["full", "medium"] as const) {
          // Around DST changes and across years: 2026..2030.
          const at = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 5 * 365 * 24 * 60) * 60_000);
          expect(zonedWhen(at, zone, style)).toBe(freshWhen(at, zone, style));
        }
      }
    }
    expect(zonedWhen(new Date(Date.UTC(2027, 6, 1, 17, 30)), "Europe/Lisbon", "medium")).toBe("1 Jul 2027, 18:30 WEST");
  });

  it("still refuses a zone the runtime does not know, every time", () => {
    expect(() => zonedWhen(new Date(), "Mars/Olympus_Mons", "full")).toThrow(RangeError);
    expect(() => zonedWhen(new Date(), "Mars/Olympus_Mons", "full")).toThrow(RangeError);
  });
});

describe("foldLine in one pass", () => {
  it("folds as the per-character reference does, for ASCII, accents, CJK, emoji and lone surrogates", () => {
    const random = seededRandom(seed, "mail-formatting: lines");
    const alphabet = ["a", "Z", " ", ";", "é", "ß", "€", "漢", "😀", "👩‍👩‍👧", "\ud800", "\udfff"];
    for (let n = 0; n < 500; n++) {
      const length = Math.floor(random() * 260);
      let line = "DESCRIPTION:";
      for (let i = 0; i < length; i++) line += alphabet[Math.floor(random() * alphabet.length)];
      expect(foldLine(line)).toBe(referenceFold(line));
    }
    for (const edge of ["", "x".repeat(25), "é".repeat(25), "x".repeat(75), "x".repeat(76), "😀".repeat(40)]) expect(foldLine(edge)).toBe(referenceFold(edge));
  });

  it("keeps every folded line of a calendar file within 75 octets", () => {
    const file = calendarFile({ uid: "o1@admit-one", stampedAt: new Date(0), startsAt: new Date(0), endsAt: new Date(1), summary: "Fête 漢字 😀 ".repeat(20), location: "", description: "Ä".repeat(200), url: "https://tickets.example/e/1" });
    for (const line of file.split("\r\n")) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
  });
});
