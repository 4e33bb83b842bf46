/**
 * Puts a live snapshot on the war room page: the headline numbers, a stacked bar per tier, the
 * waitlist and queue, and the door (attendance, gates, check-in lists). Every number sits in an
 * element with a `data-figure` (or `data-tier-figure`) hook, and rows are keyed by id and updated in
 * place, so a snapshot twice a second moves text, never rebuilds the page or steals focus.
 */
import { h } from "./elements.lib";
import { minorUnitDigits } from "./money-input.lib";
import type { LiveGate, LiveList, LiveSnapshot, LiveTier } from "./organizer-live-socket.lib";

const count = new Intl.NumberFormat();
const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 0 });
const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Integer minor units in `currency` → "€1,234.50" (¥ has no minor unit, KWD three). */
export function formatAmount(minor: number, currency: string): string {
  const code = currency.toUpperCase();
  let format = moneyFormats.get(code);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: "currency", currency: code });
    moneyFormats.set(code, format);
  }
  return format.format(minor / 10 ** minorUnitDigits(code));
}

/** Seconds → "under a minute", "12 min", "1 h 05 min"; null (no admission rate) → "–". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return "–";
  if (seconds <= 0) return "Clear";
  if (seconds < 60) return "< 1 min";
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

function share(part: number, whole: number): string {
  return whole > 0 ? `${Math.min(100, (part / whole) * 100).toFixed(2)}%` : "0%";
}

function setText(root: ParentNode, selector: string, text: string): void {
  for (const element of root.querySelectorAll<HTMLElement>(selector)) {
    if (element.textContent !== text) element.textContent = text;
  }
}

function figure(root: ParentNode, name: string, text: string): void {
  setText(root, `[data-figure="${name}"]`, text);
}

/**
 * Keeps `list`'s children one per item, in the items' order: existing rows (by `data-key`) are
 * updated, new ones created, rows for items gone are removed.
 */
function syncRows<T>(list: HTMLElement, items: T[], key: (item: T) => string, create: () => HTMLElement, update: (row: HTMLElement, item: T) => void): void {
  const existing = new Map<string, HTMLElement>();
  for (const row of list.querySelectorAll<HTMLElement>(":scope > [data-key]")) existing.set(row.dataset.key!, row);
  let previous: HTMLElement | null = null;
  for (const item of items) {
    const id = key(item);
    let row = existing.get(id);
    existing.delete(id);
    if (!row) {
      row = create();
      row.dataset.key = id;
    }
    update(row, item);
    const expected: Element | null = previous ? previous.nextElementSibling : list.firstElementChild;
    if (expected !== row) list.insertBefore(row, expected);
    previous = row;
  }
  for (const gone of existing.values()) gone.remove();
}

function tierRow(): HTMLElement {
  return h(
    "li",
    { className: "tier-bar" },
    h("div", { className: "tier-bar-head" }, h("span", { className: "tier-bar-name" }), h("span", { className: "tier-revenue", "data-tier-figure": "revenue" })),
    h(
      "div",
      { className: "meter", role: "img" },
      h("span", { className: "segment sold" }),
      h("span", { className: "segment held" }),
    ),
    h(
      "p",
      { className: "tier-counts" },
      h("span", { className: "count sold" }, h("b", { "data-tier-figure": "sold" }), " sold"),
      h("span", { className: "count held" }, h("b", { "data-tier-figure": "held" }), " held"),
      h("span", { className: "count available" }, h("b", { "data-tier-figure": "available" }), " left"),
      h("span", { className: "count waitlist", "data-tier-figure": "waitlist" }),
    ),
  );
}

function updateTier(row: HTMLElement, tier: LiveTier, currency: string): void {
  row.dataset.tierId = tier.tier_id;
  row.classList.toggle("sold-out", tier.available === 0);
  setText(row, ".tier-bar-name", tier.name);
  setText(row, '[data-tier-figure="revenue"]', formatAmount(tier.revenue, currency));
  setText(row, '[data-tier-figure="sold"]', count.format(tier.sold));
  setText(row, '[data-tier-figure="held"]', count.format(tier.held));
  setText(row, '[data-tier-figure="available"]', count.format(tier.available));
  const waiting = row.querySelector<HTMLElement>('[data-tier-figure="waitlist"]')!;
  waiting.hidden = tier.waitlist_units === 0;
  setText(row, '[data-tier-figure="waitlist"]', `${count.format(tier.waitlist_units)} waitlisted`);
  row.querySelector<HTMLElement>(".segment.sold")!.style.width = share(tier.sold, tier.capacity);
  row.querySelector<HTMLElement>(".segment.held")!.style.width = share(tier.held, tier.capacity);
  row.querySelector(".meter")!.setAttribute("aria-label", `${tier.sold} sold, ${tier.held} held, ${tier.available} left of ${tier.capacity}`);
}

function gateRow(): HTMLElement {
  return h(
    "tr",
    {},
    h("th", { scope: "row", className: "gate-name" }),
    h("td", { "data-gate-figure": "scans-per-minute" }),
    h("td", { "data-gate-figure": "admitted" }),
    h("td", { "data-gate-figure": "conflicts" }),
  );
}

function updateGate(row: HTMLElement, gate: LiveGate): void {
  row.dataset.gateId = gate.device_id;
  setText(row, ".gate-name", gate.name);
  setText(row, '[data-gate-figure="scans-per-minute"]', count.format(gate.scans_per_minute));
  setText(row, '[data-gate-figure="admitted"]', count.format(gate.admitted));
  setText(row, '[data-gate-figure="conflicts"]', count.format(gate.conflicts));
  row.classList.toggle("has-conflicts", gate.conflicts > 0);
}

function listRow(): HTMLElement {
  return h("li", { className: "list-row" }, h("span", { className: "list-name" }), h("b", { "data-list-figure": "checked-in" }));
}

function updateList(row: HTMLElement, list: LiveList): void {
  row.dataset.listId = list.checkin_list_id;
  setText(row, ".list-name", list.main ? `${list.name} (attendance)` : list.name);
  setText(row, '[data-list-figure="checked-in"]', count.format(list.checked_in));
}

export function renderSnapshot(root: HTMLElement, s: LiveSnapshot): void {
  const sold = s.tiers.reduce((sum, t) => sum + t.sold, 0);
  const held = s.tiers.reduce((sum, t) => sum + t.held, 0);
  const capacity = s.tiers.reduce((sum, t) => sum + t.capacity, 0);
  const available = s.tiers.reduce((sum, t) => sum + t.available, 0);

  figure(root, "sold", count.format(sold));
  figure(root, "capacity", count.format(capacity));
  figure(root, "held", count.format(held));
  figure(root, "available", count.format(available));
  figure(root, "revenue", formatAmount(s.revenue, s.currency));
  figure(root, "refunded", formatAmount(s.refunded, s.currency));
  figure(root, "net", formatAmount(s.revenue - s.refunded, s.currency));
  figure(root, "orders-per-minute", count.format(s.rates.orders_per_minute));
  figure(root, "hold-to-paid", s.hold_to_paid.ratio === null ? "–" : percent.format(s.hold_to_paid.ratio));
  figure(root, "holds-paid", count.format(s.hold_to_paid.paid));
  figure(root, "holds-ended", count.format(s.hold_to_paid.ended));

  figure(root, "waitlist", count.format(s.waitlist));
  figure(root, "offers-out", count.format(s.waitlist_offers_out));
  figure(root, "queue-waiting", count.format(s.queue.waiting));
  figure(root, "queue-active", count.format(s.queue.active));
  figure(root, "admitted-per-minute", count.format(s.rates.admitted_per_minute));
  figure(root, "queue-clear", s.queue.waiting === 0 ? "Clear" : formatDuration(s.queue.estimated_clear_seconds));

  figure(root, "checked-in", count.format(s.checked_in));
  figure(root, "checked-in-of", count.format(sold));
  figure(root, "checked-in-share", sold > 0 ? percent.format(s.checked_in / sold) : "–");
  figure(root, "scans-per-minute", count.format(s.rates.scans_per_minute));
  const attendance = root.querySelector<HTMLElement>("[data-bar='checked-in']");
  if (attendance) attendance.style.width = share(s.checked_in, sold);

  syncRows(root.querySelector<HTMLElement>("#tiers")!, s.tiers, (t) => t.tier_id, tierRow, (row, t) => updateTier(row, t, s.currency));
  syncRows(root.querySelector<HTMLElement>("#gates")!, s.gates, (g) => g.device_id, gateRow, updateGate);
  syncRows(root.querySelector<HTMLElement>("#lists")!, s.checkin_lists, (l) => l.checkin_list_id, listRow, updateList);
  root.querySelector<HTMLElement>("#gates-table")!.hidden = s.gates.length === 0;
  root.querySelector<HTMLElement>("#no-gates")!.hidden = s.gates.length > 0;
  renderReconciliation(root, s);
  root.dataset.seq = String(s.seq);
}

/** Reconciliation shown, not only logged: a tier whose live units and ledger disagree is named here. */
function renderReconciliation(root: HTMLElement, s: LiveSnapshot): void {
  const banner = root.querySelector<HTMLElement>("#reconciliation");
  if (!banner) return;
  const findings = s.reconciliation?.findings ?? [];
  banner.hidden = findings.length === 0;
  banner.dataset.reconciliation = findings.length === 0 ? "ok" : "disagreement";
  banner.replaceChildren(
    ...findings.map((f) =>
      h(
        "p",
        {},
        f.kind === "ledger_ahead"
          ? `${f.tier_name}: the ledger has ${f.detail.ledger_tickets ?? "more"} tickets but the live inventory sold ${f.detail.inventory_sold ?? "fewer"}. Check before selling more; the team has been alerted in the logs.`
          : `${f.tier_name}: the live inventory sold ${f.detail.inventory_sold ?? "more"} but the ledger has ${f.detail.ledger_tickets ?? "fewer"} tickets. A payment may be unfinished; the sweeper retries it.`,
      ),
    ),
  );
}
