/**
 * The event editor's form ↔ the API's event body: fills the fields from an organizer view and
 * reads them back, turning wall-clock inputs into UTC instants in the event's own time zone. The
 * refund schedule rows live here too. Tiers are organizer-tiers.lib's job.
 */
import type { FieldProblem } from "./api.lib";
import { h } from "./elements.lib";
import { CURRENCIES } from "./money-input.lib";
import {
  WAITING_ROOM_DEFAULTS,
  WAITLIST_DEFAULTS,
  type OrganizerEvent,
  type RefundStep,
  type WaitingRoom,
  type Waitlist,
} from "./organizer-events.lib";
import { wholeNumber, type TierInput } from "./organizer-tiers.lib";
import { browserTimeZone, knownTimeZones, utcToWallClock, wallClockToUtc } from "./zoned-time.lib";

export interface EventBody {
  title: string;
  description: string;
  category: string;
  venue: { name: string; city: string; address: string };
  starts_at?: string;
  ends_at?: string;
  timezone: string;
  currency: string;
  sales_start_at?: string | null;
  sales_end_at?: string | null;
  hold_minutes?: number;
  refund_policy: { schedule: Partial<RefundStep>[] };
  waiting_room: Partial<WaitingRoom>;
  waitlist: Partial<Waitlist>;
  tiers: TierInput[];
}

const TIME_FIELDS = ["starts_at", "ends_at", "sales_start_at", "sales_end_at"] as const;

function input(form: HTMLFormElement, name: string): HTMLInputElement {
  return form.elements.namedItem(name) as HTMLInputElement;
}

export function prepareChoices(form: HTMLFormElement): void {
  const zones = form.querySelector<HTMLSelectElement>("#timezone")!;
  zones.replaceChildren(...knownTimeZones().map((zone) => h("option", { value: zone }, zone.replace(/_/g, " "))));
  zones.value = browserTimeZone();
  const currencies = form.querySelector<HTMLSelectElement>("#currency")!;
  currencies.replaceChildren(...CURRENCIES.map((code) => h("option", { value: code }, code)));
}

function ensureOption(select: HTMLSelectElement, value: string): void {
  if (value && ![...select.options].some((o) => o.value === value)) select.append(h("option", { value }, value));
  select.value = value;
}

export function fillEventForm(form: HTMLFormElement, event: OrganizerEvent | undefined, refunds: RefundRows): void {
  const set = (name: string, value: string | number | undefined | null) => {
    input(form, name).value = value === undefined || value === null ? "" : String(value);
  };
  const timezone = event?.timezone ?? browserTimeZone();
  ensureOption(form.querySelector<HTMLSelectElement>("#timezone")!, timezone);
  ensureOption(form.querySelector<HTMLSelectElement>("#currency")!, event?.currency ?? "EUR");
  set("title", event?.title);
  set("description", event?.description);
  set("category", event?.category);
  set("venue_name", event?.venue.name);
  set("venue_city", event?.venue.city);
  set("venue_address", event?.venue.address);
  for (const name of TIME_FIELDS) {
    const iso = event?.[name];
    set(name, iso ? utcToWallClock(iso, timezone) : "");
  }
  set("hold_minutes", event?.hold_minutes ?? 10);
  const room = { ...WAITING_ROOM_DEFAULTS, ...event?.waiting_room };
  input(form, "wr_enabled").checked = room.enabled;
  set("wr_opens_minutes_before", room.opens_minutes_before);
  set("wr_admit_per_minute", room.admit_per_minute);
  set("wr_max_active_shoppers", room.max_active_shoppers);
  set("wr_session_minutes", room.session_minutes);
  const waitlist = { ...WAITLIST_DEFAULTS, ...event?.waitlist };
  input(form, "wl_enabled").checked = waitlist.enabled;
  set("wl_offer_minutes", waitlist.offer_minutes);
  refunds.load(event?.refund_policy?.schedule ?? []);
  syncToggles(form);
  describeTimes(form);
}

/** Settings of a switched-off feature stay visible but greyed, so turning it on shows what it does. */
export function syncToggles(form: HTMLFormElement): void {
  for (const toggle of form.querySelectorAll<HTMLInputElement>("input[type=checkbox][data-controls]")) {
    const group = document.getElementById(toggle.dataset.controls!);
    group?.classList.toggle("muted", !toggle.checked);
  }
}

const instantFormat = (timeZone: string) =>
  new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "numeric", minute: "2-digit", timeZone, timeZoneName: "short" });
const utcTimeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZone: "UTC", timeZoneName: "short" });
const utcDayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", timeZone: "UTC" });

/** Under each time field: the instant it stands for, so a wrong zone is caught before saving. */
export function describeTimes(form: HTMLFormElement): void {
  const timezone = input(form, "timezone").value;
  for (const name of TIME_FIELDS) {
    const hint = form.querySelector<HTMLElement>(`[data-utc-for="${name}"]`);
    if (!hint) continue;
    const wall = input(form, name).value;
    const zoned = wall ? wallClockToUtc(wall, timezone) : undefined;
    if (!zoned) {
      hint.textContent = wall ? "Enter a complete date and time." : (hint.dataset.empty ?? "");
      continue;
    }
    const date = new Date(zoned.iso);
    const wallThere = utcToWallClock(zoned.iso, timezone);
    const otherDay = wallThere.slice(0, 10) !== zoned.iso.slice(0, 10);
    let text = instantFormat(timezone).format(date);
    if (wallThere !== zoned.iso.slice(0, 16)) text += ` (${utcTimeFormat.format(date)}${otherDay ? ` on ${utcDayFormat.format(date)}` : ""})`;
    if (zoned.note === "skipped") text += `. Clocks go forward then in ${timezone}, so this is ${utcToWallClock(zoned.iso, timezone).slice(11)} local time.`;
    if (zoned.note === "repeated") text += ". This time happens twice as clocks go back; the first one is used.";
    hint.textContent = text;
  }
}

/**
 * The body to send. Empty sale-window fields mean what their hints say: sales open when the event
 * is published (null, or the API's default "now" for a new event) and close when it starts.
 */
export function readEventForm(
  form: HTMLFormElement,
  refunds: RefundRows,
  tiers: { tiers: TierInput[]; problems: FieldProblem[] },
  existing: boolean,
): { body: EventBody; problems: FieldProblem[] } {
  const problems = [...tiers.problems, ...refunds.problems()];
  const text = (name: string) => input(form, name).value.trim();
  const timezone = text("timezone");
  const times: Pick<EventBody, (typeof TIME_FIELDS)[number]> = {};
  for (const name of TIME_FIELDS) {
    const wall = text(name);
    if (!wall) continue;
    const zoned = wallClockToUtc(wall, timezone);
    if (zoned) times[name] = zoned.iso;
    else problems.push({ field: name, message: "Enter a complete date and time." });
  }
  if (!text("sales_start_at") && existing) times.sales_start_at = null;
  if (!text("sales_end_at") && times.starts_at) times.sales_end_at = times.starts_at;
  const count = (name: string, path: string): number | undefined => {
    const value = wholeNumber(text(name));
    if (value === null) problems.push({ field: path, message: "Enter a whole number." });
    return value ?? undefined;
  };
  const body: EventBody = {
    title: text("title"),
    description: input(form, "description").value.trim(),
    category: text("category").toLowerCase(),
    venue: { name: text("venue_name"), city: text("venue_city"), address: text("venue_address") },
    ...times,
    timezone,
    currency: text("currency"),
    hold_minutes: count("hold_minutes", "hold_minutes"),
    refund_policy: { schedule: refunds.read() },
    waiting_room: {
      enabled: input(form, "wr_enabled").checked,
      opens_minutes_before: count("wr_opens_minutes_before", "waiting_room.opens_minutes_before"),
      admit_per_minute: count("wr_admit_per_minute", "waiting_room.admit_per_minute"),
      max_active_shoppers: count("wr_max_active_shoppers", "waiting_room.max_active_shoppers"),
      session_minutes: count("wr_session_minutes", "waiting_room.session_minutes"),
    },
    waitlist: { enabled: input(form, "wl_enabled").checked, offer_minutes: count("wl_offer_minutes", "waitlist.offer_minutes") },
    tiers: tiers.tiers,
  };
  return { body, problems: [...problems, ...checkRequired(body)] };
}

/** Refund rules: "until N hours before the start, refund P %", one row each. */
export class RefundRows {
  private rows: { element: HTMLElement; hours: HTMLInputElement; percent: HTMLInputElement }[] = [];

  constructor(
    private readonly container: HTMLElement,
    private readonly summary: HTMLElement,
    private readonly onChange: () => void,
  ) {
    container.addEventListener("input", () => this.describe());
  }

  load(schedule: readonly RefundStep[]): void {
    this.rows = [];
    this.container.replaceChildren();
    for (const step of schedule) this.add(step, false);
    this.describe();
  }

  add(step?: RefundStep, announce = true): void {
    const id = `refund-${Math.random().toString(36).slice(2, 8)}`;
    const hours = h("input", { id: `${id}-h`, type: "number", min: "0", step: "1", inputMode: "numeric", value: String(step?.until_hours_before_start ?? (this.rows.length === 0 ? 168 : 24)) });
    const percent = h("input", { id: `${id}-p`, type: "number", min: "0", max: "100", step: "1", inputMode: "numeric", value: String(step?.percent ?? (this.rows.length === 0 ? 100 : 50)) });
    const remove = h("button", { type: "button", className: "link danger-text", "aria-label": "Remove this refund rule" }, "Remove");
    const element = h(
      "div",
      { className: "refund-row" },
      h("div", { className: "field" }, h("label", { htmlFor: hours.id }, "Hours before start"), hours),
      h("div", { className: "field" }, h("label", { htmlFor: percent.id }, "Refund %"), percent),
      remove,
    );
    const row = { element, hours, percent };
    remove.addEventListener("click", () => {
      this.rows = this.rows.filter((r) => r !== row);
      element.remove();
      this.reindex();
      this.describe();
      this.onChange();
    });
    this.rows.push(row);
    this.container.append(element);
    this.reindex();
    if (announce) {
      this.describe();
      this.onChange();
      hours.focus();
    }
  }

  private reindex(): void {
    this.rows.forEach((row, i) => {
      row.element.dataset.field = `refund_policy.schedule.${i}`;
      row.hours.dataset.field = `refund_policy.schedule.${i}.until_hours_before_start`;
      row.percent.dataset.field = `refund_policy.schedule.${i}.percent`;
    });
  }

  read(): Partial<RefundStep>[] {
    return this.rows.map((row) => ({
      until_hours_before_start: wholeNumber(row.hours.value) ?? undefined,
      percent: wholeNumber(row.percent.value) ?? undefined,
    }));
  }

  problems(): FieldProblem[] {
    return this.rows.flatMap((row, i) => [
      ...(wholeNumber(row.hours.value) === null ? [{ field: `refund_policy.schedule.${i}.until_hours_before_start`, message: "Enter whole hours." }] : []),
      ...(wholeNumber(row.percent.value) === null ? [{ field: `refund_policy.schedule.${i}.percent`, message: "Enter a whole percentage." }] : []),
    ]);
  }

  /** The schedule in words, tightest deadline last, as an attendee would read it. */
  private describe(): void {
    const steps = this.read()
      .filter((s): s is RefundStep => s.until_hours_before_start !== undefined && s.percent !== undefined)
      .sort((a, b) => b.until_hours_before_start - a.until_hours_before_start);
    if (steps.length === 0) {
      this.summary.textContent = "No refunds by attendees.";
      return;
    }
    const when = (hours: number) => (hours % 24 === 0 && hours > 0 ? `${hours / 24} day${hours === 24 ? "" : "s"}` : `${hours} hour${hours === 1 ? "" : "s"}`);
    this.summary.textContent =
      steps.map((s) => `${s.percent}% back until ${when(s.until_hours_before_start)} before the start`).join("; ") + "; after that, no refunds.";
  }
}

/**
 * What the API would refuse anyway, caught first and said in plain words: the required fields and
 * an end after the start. The API stays the judge of everything else.
 */
export function checkRequired(body: EventBody): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const need = (value: unknown, field: string, message: string) => {
    if (value === undefined || value === "") problems.push({ field, message });
  };
  need(body.title, "title", "Give the event a title.");
  need(body.category, "category", "Choose a category, for example music or conference.");
  need(body.starts_at, "starts_at", "Enter when the event starts.");
  need(body.ends_at, "ends_at", "Enter when the event ends.");
  need(body.venue.name, "venue.name", "Enter the venue's name.");
  need(body.venue.city, "venue.city", "Enter the city.");
  if (body.starts_at && body.ends_at && body.ends_at <= body.starts_at) problems.push({ field: "ends_at", message: "The event must end after it starts." });
  if (body.tiers.length === 0) problems.push({ field: "tiers", message: "Add at least one ticket tier." });
  body.tiers.forEach((tier, i) => {
    need(tier.name, `tiers.${i}.name`, "Name this tier, for example Standing or Balcony.");
    if ("seats" in tier && tier.seats.length === 0) problems.push({ field: `tiers.${i}.seats`, message: "Generate a grid or add seats: a seated tier needs at least one seat." });
    if ("capacity" in tier && tier.capacity === 0) problems.push({ field: `tiers.${i}.capacity`, message: "Capacity must be at least 1." });
  });
  return problems;
}
