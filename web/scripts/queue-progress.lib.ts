/**
 * What the waiting-room page says about progress and time, no DOM: the bar measures the people
 * ahead of you when you joined against those ahead now (not the watermark against your number, which
 * showed an empty bar while queued and two-thirds when sold out); times read like every other page
 * ("8:12 AM") with the zone named; the next admission is said in words.
 */

/** "8:12 AM WET": a time in the visitor's own clock, with the zone named (as the other pages' times). */
export function queueClock(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit", timeZoneName: "short" });
}

/**
 * Progress through the queue in percent: how many of the people ahead at joining are gone. Full only
 * when admitted; null (no bar) before the draw, when sold out, closed or expired.
 */
export function progressPercent(state: string, aheadAtStart: number | null, aheadNow: number | null): number | null {
  if (state === "admitted") return 100;
  if (state !== "waiting" || aheadAtStart === null || aheadNow === null) return null;
  const start = Math.max(aheadAtStart, aheadNow);
  return Math.round(((start - aheadNow) / (start + 1)) * 100);
}

/** "~40 s", "about 3 min", "at 8:16 AM WET": how long until `iso` from `now`. */
export function untilText(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((new Date(iso).getTime() - now) / 1000));
  if (seconds < 5) return "any moment now";
  if (seconds < 90) return `in ~${Math.ceil(seconds / 5) * 5} s`;
  if (seconds < 60 * 60) return `in about ${Math.round(seconds / 60)} min`;
  return `at ${queueClock(iso)}`;
}

/** "You're number 1 — the next person goes in ~40 s." Says why someone at the front still waits. */
export function nextAdmissionText(answer: { state: string; ahead: number | null; next_admission_at?: string | null }, now: number): string {
  if (answer.state !== "waiting") return "";
  const next = answer.next_admission_at ? untilText(answer.next_admission_at, now) : null;
  const rules = new Intl.PluralRules(undefined);
  if (answer.ahead === 0) return next ? `You're next: the next person goes ${next}.` : "You're next.";
  const ahead = answer.ahead ?? 0;
  const people = rules.select(ahead) === "one" ? "person is" : "people are";
  return next ? `${ahead.toLocaleString()} ${people} ahead of you; the next person goes ${next}.` : "";
}
