/**
 * The event page's promo codes (docs/promo-codes.md): the event's codes with their discount, uses,
 * validity window (in the event's time zone), tiers, status and revenue; a form that makes one code
 * or generates a batch with a prefix; the codes as CSV; and withdrawing a code. Shown only to roles
 * that may read codes (`promo_code.read`); the form and Withdraw only to those that may write them.
 */
import { ApiProblem, showStatus, type FieldProblem } from "./api.lib";
import { askToConfirm } from "./confirm-dialog.lib";
import { h } from "./elements.lib";
import { clearErrorsOnEdit, clearFieldErrors, problemMessage, showFieldErrors, showFormProblem } from "./field-errors.lib";
import { formatMoney } from "./format.lib";
import { whileBusy } from "./form-controls.lib";
import { parsePrice } from "./money-input.lib";
import type { InferRequestType } from "hono/client";
import { answer, type Answer } from "./api-client.lib";
import { eventApi, type EventApi, type EventCalls } from "./organizer-event-api.lib";
import { organizerClient } from "./organizer-session.lib";
import { wallClockToUtc } from "./zoned-time.lib";

type Listed = Answer<EventCalls["promo-codes"]["$get"]>["promo_codes"][number];
/** A code as the list shows it, with the revenue the promo-code report adds when the role may read it. */
export type PromoCode = Listed & { revenue?: number };
type CreateBody = InferRequestType<EventCalls["promo-codes"]["$post"]>["json"];

interface PromoEvent {
  event_id: string;
  status: string;
  timezone: string;
  currency: string;
  tiers: { tier_id: string; name: string }[];
}

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

/** "20 %" or "€5.00 per ticket". */
export function describeDiscount(code: Pick<PromoCode, "percent_off" | "amount_off">, currency: string): string {
  if (code.percent_off !== null) return `${code.percent_off} %`;
  return code.amount_off ? `${formatMoney(code.amount_off, currency)} off per ticket` : "No discount";
}

export class PromoPanel {
  private event: PromoEvent | undefined;
  private permissions: readonly string[] = [];

  constructor() {
    const form = $<HTMLFormElement>("#new-promo");
    clearErrorsOnEdit(form);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.create(form);
    });
    form.addEventListener("change", (e) => {
      if ((e.target as HTMLElement).matches("[name=promo-mode], #promo-kind")) this.syncMode();
    });
    this.syncMode();
  }

  /** Shows the event's codes when the caller's role may read them; hides the section otherwise. */
  async show(event: PromoEvent): Promise<void> {
    this.event = event;
    const panel = $("#promo");
    try {
      const organization = await answer(organizerClient.organizations.current.$get());
      this.permissions = organization.permissions;
    } catch {
      this.permissions = [];
    }
    panel.hidden = !this.may("promo_code.read");
    if (panel.hidden) return;
    $("#new-promo").hidden = !this.may("promo_code.write") || event.status === "cancelled";
    $<HTMLAnchorElement>("#promo-csv").href = `${this.api.base}/promo-codes.csv`;
    $("#promo-zone").textContent = `Times are in the event's time zone, ${event.timezone}.`;
    $("#promo-tiers").replaceChildren(
      ...event.tiers.map((tier) =>
        h("label", { className: "check" }, h("input", { type: "checkbox", name: "tier_ids", value: tier.tier_id }), tier.name),
      ),
    );
    $("#promo-unlocks").replaceChildren(h("option", { value: "" }, "None"), ...event.tiers.map((tier) => h("option", { value: tier.tier_id }, tier.name)));
    await this.refresh();
  }

  private may(action: string): boolean {
    return this.permissions.includes(action);
  }

  private get api(): EventApi {
    return eventApi(this.event!.event_id);
  }

  private syncMode(): void {
    const bulk = $<HTMLInputElement>("#promo-mode-bulk").checked;
    $("#promo-single").hidden = bulk;
    $("#promo-bulk").hidden = !bulk;
    const percent = $<HTMLSelectElement>("#promo-kind").value === "percent";
    const value = $<HTMLInputElement>("#promo-value");
    value.dataset.field = percent ? "percent_off" : "amount_off";
    $("#promo-value-unit").textContent = percent ? "%" : (this.event?.currency.toUpperCase() ?? "");
  }

  async refresh(): Promise<void> {
    if (!this.event) return;
    try {
      const [{ promo_codes }, report] = await Promise.all([
        answer(this.api.calls["promo-codes"].$get({ ...this.api.param, query: {} })),
        this.may("report.read") ? answer(this.api.calls.reports["promo-codes"].$get(this.api.param)) : undefined,
      ]);
      const revenue = new Map(report?.rows.map((r) => [r.promo_code_id, r.revenue]));
      this.render(promo_codes.map((c) => ({ ...c, revenue: revenue.get(c.promo_code_id) ?? c.revenue ?? 0 })));
    } catch (error) {
      showStatus($("#promo-status"), problemMessage(error, "We could not load the promo codes. Reload the page to try again."), "error");
    }
  }

  private tierName(id: string): string {
    return this.event!.tiers.find((t) => t.tier_id === id)?.name ?? "A removed tier";
  }

  private window(code: PromoCode): string {
    const format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short", timeZone: this.event!.timezone });
    const from = code.valid_from ? format.format(new Date(code.valid_from)) : undefined;
    const until = code.valid_until ? format.format(new Date(code.valid_until)) : undefined;
    if (from && until) return `Valid ${from} – ${until}`;
    if (from) return `Valid from ${from}`;
    if (until) return `Valid until ${until}`;
    return "Valid any time";
  }

  private render(codes: PromoCode[]): void {
    const list = $("#promo-codes");
    $("#promo-total").textContent = codes.length === 0 ? "" : `${codes.length} code${codes.length === 1 ? "" : "s"}`;
    if (codes.length === 0) {
      list.replaceChildren(h("li", { className: "empty-row" }, "No promo codes yet."));
      return;
    }
    const currency = this.event!.currency;
    const writable = this.may("promo_code.write");
    list.replaceChildren(
      ...codes.map((code) => {
        const withdrawn = code.status === "cancelled";
        const extras = [
          // Without tier_ids, a code that unlocks a tier applies to that tier alone (docs/promo-codes.md).
          code.tier_ids ? `Tiers: ${code.tier_ids.map((id) => this.tierName(id)).join(", ")}` : code.unlocks_tier_id ? null : "All tiers",
          code.unlocks_tier_id ? `Unlocks ${this.tierName(code.unlocks_tier_id)}` : null,
          code.reserves ? `Keeps ${code.reserves} for its holders` : null,
        ].filter(Boolean);
        const withdraw = writable && !withdrawn ? h("button", { type: "button", className: "secondary small danger-text" }, "Withdraw") : null;
        withdraw?.addEventListener("click", () => void this.withdraw(code, withdraw));
        return h(
          "li",
          { className: `sales-row promo-row${withdrawn ? " withdrawn" : ""}`, "data-promo-id": code.promo_code_id },
          h(
            "div",
            { className: "sales-who" },
            h("strong", { className: "promo-code-text" }, code.code),
            h("span", { className: "promo-discount" }, describeDiscount(code, currency)),
            h("span", { className: "meta promo-window" }, this.window(code)),
            h("span", { className: "meta promo-tiers" }, extras.join(" · ")),
            code.unlocks_tier_id && !withdrawn ? this.buyersLink(code.code) : null,
          ),
          h(
            "div",
            { className: "sales-money" },
            h("span", { className: "promo-uses" }, `${code.orders ?? 0} of ${code.max_uses} uses`),
            h("span", { className: "meta promo-revenue" }, code.revenue ? `${formatMoney(code.revenue, currency)} revenue` : "No revenue yet"),
          ),
          h(
            "div",
            { className: "promo-actions" },
            h("span", { className: `badge promo-status ${withdrawn ? "cancelled" : "published"}` }, withdrawn ? "Withdrawn" : "Active"),
            withdraw,
          ),
        );
      }),
    );
  }

  /** The event page with the code, which shows the hidden tier it unlocks: the link to hand its holders. */
  private buyersLink(code: string): HTMLAnchorElement {
    const href = `/event?id=${encodeURIComponent(this.event!.event_id)}&code=${encodeURIComponent(code)}`;
    return h("a", { className: "meta promo-link", href, target: "_blank", rel: "noopener" }, "Buyers' link (shows the hidden tier)");
  }

  /** The form as the API's body, or the problems found before asking it. */
  private read(form: HTMLFormElement): { body: CreateBody; problems: FieldProblem[] } {
    const problems: FieldProblem[] = [];
    const body: CreateBody = { max_uses: 0 };
    const value = (id: string) => $<HTMLInputElement>(id).value.trim();
    const whole = (id: string, field: string, what: string) => {
      const text = value(id);
      if (!/^\d+$/.test(text)) problems.push({ field, message: `Give ${what} as a whole number.` });
      return Number(text);
    };
    if ($<HTMLInputElement>("#promo-mode-bulk").checked) {
      body.count = whole("#promo-count-input", "count", "how many codes to generate");
      if (value("#promo-prefix")) body.prefix = value("#promo-prefix");
    } else {
      if (!value("#promo-code-input")) problems.push({ field: "code", message: "Type the code buyers will enter, e.g. EARLYBIRD." });
      body.code = value("#promo-code-input");
    }
    if ($<HTMLSelectElement>("#promo-kind").value === "percent") {
      body.percent_off = whole("#promo-value", "percent_off", "the percentage");
    } else {
      const minor = parsePrice(value("#promo-value"), this.event!.currency);
      if (minor === undefined) problems.push({ field: "amount_off", message: "Give the amount off each ticket, e.g. 5.00." });
      body.amount_off = minor;
    }
    body.max_uses = whole("#promo-max-uses", "max_uses", "the number of orders that may use it");
    for (const [id, field] of [["#promo-from", "valid_from"], ["#promo-until", "valid_until"]] as const) {
      if (!value(id)) continue;
      const instant = wallClockToUtc(value(id), this.event!.timezone);
      if (!instant) problems.push({ field, message: "Give a date and time." });
      else body[field] = instant.iso;
    }
    const tierIds = [...form.querySelectorAll<HTMLInputElement>("#promo-tiers input:checked")].map((i) => i.value);
    if (tierIds.length > 0) body.tier_ids = tierIds;
    const unlocks = $<HTMLSelectElement>("#promo-unlocks").value;
    if (unlocks) body.unlocks_tier_id = unlocks;
    if (value("#promo-reserves")) body.reserves = whole("#promo-reserves", "reserves", "the units to keep");
    return { body, problems };
  }

  private async create(form: HTMLFormElement): Promise<void> {
    clearFieldErrors(form);
    const { body, problems } = this.read(form);
    if (problems.length > 0) {
      showStatus($("#promo-status"), problems[0]!.message, "error");
      showFieldErrors(form, problems).placed[0]?.focus();
      return;
    }
    try {
      const created = await whileBusy(form.querySelector<HTMLButtonElement>("button[type=submit]")!, "Creating…", () =>
        answer(this.api.calls["promo-codes"].$post({ ...this.api.param, json: body })),
      );
      form.reset();
      this.syncMode();
      await this.refresh();
      const codes = created.promo_codes;
      showStatus(
        $("#promo-status"),
        codes.length === 1 ? `Created the code ${codes[0]!.code}.` : `Generated ${codes.length} codes. Download the CSV to hand them out.`,
        "success",
      );
    } catch (error) {
      showFormProblem($("#promo-status"), form, error);
      // Keeping more than the public could buy now is a conflict (with `available`), not a field error, but about that field.
      if (error instanceof ApiProblem && error.code === "CONFLICT" && typeof error.body.available === "number") {
        showFieldErrors(form, [{ field: "reserves", message: error.message }]);
      }
    }
  }

  private async withdraw(code: PromoCode, button: HTMLButtonElement): Promise<void> {
    const sure = await askToConfirm({
      title: `Withdraw ${code.code}?`,
      text: `Nobody can use it from now on${code.reserves ? `, and the ${code.reserves} units it keeps go back on sale` : ""}. Orders already made with it keep their price. A withdrawn code cannot be restored.`,
      confirm: "Withdraw code",
      cancel: "Keep it",
      danger: true,
    });
    if (!sure) return;
    try {
      await whileBusy(button, "Withdrawing…", () =>
        answer(this.api.calls["promo-codes"][":promoCodeId"].cancel.$post({ param: { eventId: this.event!.event_id, promoCodeId: code.promo_code_id } })),
      );
      await this.refresh();
      showStatus($("#promo-status"), `${code.code} is withdrawn.`, "success");
    } catch (error) {
      const gone = error instanceof ApiProblem && error.code === "NOT_FOUND";
      showStatus($("#promo-status"), gone ? "This code no longer exists. Reload to see the current list." : problemMessage(error), "error");
    }
  }
}
