/**
 * The order page's refunds: what the event's refund policy gives back right now for the tickets
 * still valid (the API's `refund_quote`), a button that asks first and then refunds them, and the
 * refunds already made. When the policy gives nothing, the page says which rule applies instead of
 * offering a button that could only be refused.
 */
import { ApiProblem, showStatus } from "./api.lib";
import { askToConfirm } from "./confirm-dialog.lib";
import { h } from "./elements.lib";
import { problemMessage } from "./field-errors.lib";
import { whileBusy } from "./form-controls.lib";
import { formatMoney } from "./format.lib";
import { answer, apiClient, orderAuth, type OrderView } from "./api-client.lib";

/** The event's refund policy applied to the tickets still valid, as of now; null unless the order is paid. */
type RefundQuote = NonNullable<OrderView["refund_quote"]>;
type RefundRule = RefundQuote["policy"]["schedule"][number];

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

/** "30 days", "36 hours". */
export function beforeStart(hours: number): string {
  if (hours >= 48 && hours % 24 === 0) return `${hours / 24} days`;
  return `${hours} hour${hours === 1 ? "" : "s"}`;
}

/** The schedule in words: "100% back until 30 days before the start, 50% until 7 days before; nothing after." */
export function describePolicy(schedule: readonly RefundRule[]): string {
  if (schedule.length === 0) return "This event does not offer refunds.";
  const rules = [...schedule].sort((a, b) => b.until_hours_before_start - a.until_hours_before_start);
  const parts = rules.map((r, i) => `${r.percent}%${i === 0 ? " back" : ""} until ${beforeStart(r.until_hours_before_start)} before the start`);
  return `The refund policy: ${parts.join(", ")}; nothing after that.`;
}

function noRefundReason(quote: RefundQuote): string {
  const schedule = quote.policy?.schedule ?? [];
  if (schedule.length === 0) return "This event does not offer refunds. If you cannot come, contact the organizer.";
  const latest = Math.min(...schedule.map((r) => r.until_hours_before_start));
  return `Refunds are no longer available: the event starts in ${beforeStart(Math.max(0, quote.hours_before_start))}, and refunds end ${beforeStart(latest)} before the start. ${describePolicy(schedule)}`;
}

function ruleText(quote: RefundQuote): string {
  const until = quote.rule ? ` until ${beforeStart(quote.rule.until_hours_before_start)} before the start` : "";
  return `The event's refund policy gives back ${quote.percent}%${until}.`;
}

const BY_WHOM: Record<string, string> = { attendee: "Requested by you", organizer: "By the organizer", system: "Event cancelled" };

function refundList(order: OrderView): HTMLElement | null {
  if (order.refunds.length === 0) return null;
  return h(
    "ul",
    { className: "refund-list", id: "refund-list" },
    ...order.refunds.map((r) =>
      h(
        "li",
        { "data-refund-id": r.refund_id },
        h("span", { className: "refund-amount" }, formatMoney(r.amount, r.currency)),
        h("span", { className: "meta" }, [new Date(r.created_at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }), BY_WHOM[r.initiated_by ?? ""], r.ticket_ids ? `${r.ticket_ids.length} ticket${r.ticket_ids.length === 1 ? "" : "s"}` : null].filter(Boolean).join(" · ")),
        h("span", { className: `badge refund-${r.status}` }, r.status === "succeeded" ? "Refunded" : r.status === "failed" ? "Failed" : "Processing"),
      ),
    ),
  );
}

/**
 * Fills the page's `#refund` panel. `onRefunded` re-reads the order and renders the page again
 * (tickets then show as refunded, and this panel as the new quote).
 */
export function showRefunds(order: OrderView, token: string, onRefunded: () => Promise<void>): void {
  const panel = $("#refund");
  const quote = order.refund_quote ?? null;
  const list = refundList(order);
  const body: (HTMLElement | string)[] = [];
  if (quote && quote.ticket_ids.length > 0) {
    const count = quote.ticket_ids.length;
    const what = `${count} ticket${count === 1 ? "" : "s"}`;
    if (quote.percent > 0) {
      const button = h("button", { type: "button", className: "danger-outline", id: "refund-button" }, "");
      const status = h("div", { id: "refund-status", role: "alert" });
      const picker = ticketPicker(quote, () => {
        const chosen = chosenRefund(quote, picker);
        button.textContent = chosen.ids.length === 0 ? "Choose tickets to refund" : `Refund ${ticketsWord(chosen.ids.length)} · ${formatMoney(chosen.amount, quote.currency)}`;
        button.disabled = chosen.ids.length === 0;
      });
      picker?.dispatchEvent(new Event("change"));
      if (!picker) button.textContent = `Refund ${what} · ${formatMoney(quote.amount, quote.currency)}`;
      button.addEventListener("click", () => void refund(order, token, chosenRefund(quote, picker), button, status, onRefunded));
      body.push(
        h("p", { id: "refund-quote" }, `Can't go? Refund ${what} now and get `, h("strong", {}, formatMoney(quote.amount, quote.currency)), " back to the card you paid with."),
        h("p", { className: "hint" }, ruleText(quote)),
        ...(picker ? [picker] : []),
        status,
        button,
      );
    } else {
      body.push(h("p", { className: "notice", id: "refund-rule" }, noRefundReason(quote)));
    }
  }
  if (list) body.push(...(body.length > 0 ? [h("h3", {}, "Refunds made")] : []), list);
  panel.replaceChildren(h("h2", {}, "Refunds"), ...body);
  panel.hidden = body.length === 0;
}

function ticketsWord(count: number): string {
  return `${count} ticket${count === 1 ? "" : "s"}`;
}

/**
 * With more than one valid ticket, a checkbox per ticket with what the policy gives back for it (all
 * ticked at first), so the attendee can refund some and keep the others.
 */
function ticketPicker(quote: RefundQuote, onChange: () => void): HTMLFieldSetElement | null {
  if (quote.tickets.length < 2) return null;
  const fieldset = h(
    "fieldset",
    { className: "refund-picker", id: "refund-picker" },
    h("legend", {}, "Which tickets?"),
    ...quote.tickets.map((t, i) =>
      h(
        "label",
        { className: "check" },
        h("input", { type: "checkbox", name: "refund-ticket", value: t.ticket_id, checked: true }),
        ` ${t.seat ? `Seat ${t.seat}` : `Ticket ${i + 1}`} · ${formatMoney(t.amount, quote.currency)} back`,
      ),
    ),
  );
  fieldset.addEventListener("change", onChange);
  return fieldset;
}

interface ChosenRefund {
  ids: string[];
  amount: number;
  percent: number;
  currency: string;
}

/** The ticked tickets and their refund, reckoned as the API does: floor(prices × percent), capped by what is left. */
function chosenRefund(quote: RefundQuote, picker: HTMLFieldSetElement | null): ChosenRefund {
  if (!picker) return { ids: quote.ticket_ids, amount: quote.amount, percent: quote.percent, currency: quote.currency };
  const ticked = new Set([...picker.querySelectorAll<HTMLInputElement>("input[name=refund-ticket]:checked")].map((box) => box.value));
  const chosen = quote.tickets.filter((t) => ticked.has(t.ticket_id));
  const gross = chosen.reduce((sum, t) => sum + t.price, 0);
  const amount = chosen.length === quote.tickets.length ? quote.amount : Math.min(Math.floor((gross * quote.percent) / 100), quote.refundable_amount);
  return { ids: chosen.map((t) => t.ticket_id), amount, percent: quote.percent, currency: quote.currency };
}

async function refund(order: OrderView, token: string, quote: ChosenRefund, button: HTMLButtonElement, status: HTMLElement, onRefunded: () => Promise<void>): Promise<void> {
  const count = quote.ids.length;
  if (count === 0) return;
  const sure = await askToConfirm({
    title: `Refund ${count === 1 ? "your ticket" : `your ${count} tickets`}?`,
    text: `You get ${formatMoney(quote.amount, quote.currency)} back to the card you paid with (${quote.percent}% under the event's refund policy). ${count === 1 ? "The ticket stops" : "The tickets stop"} working at the door at once. This cannot be undone.`,
    confirm: `Refund ${formatMoney(quote.amount, quote.currency)}`,
    cancel: "Keep my tickets",
    danger: true,
  });
  if (!sure) return;
  showStatus(status, "");
  try {
    await whileBusy(button, "Refunding…", () =>
      answer(apiClient.orders[":orderId"].refund.$post({ param: { orderId: order.order_id }, json: { ticket_ids: quote.ids } }, orderAuth(token))),
    );
  } catch (error) {
    if (error instanceof ApiProblem && error.code === "REFUND_NOT_ALLOWED") {
      // The quote changed under us (a deadline passed, another tab refunded): show the fresh one.
      await onRefunded().catch(() => undefined);
      $("#refund").prepend(h("div", { className: "notice error" }, error.message));
      return;
    }
    showStatus(status, problemMessage(error, "We could not refund the tickets. Press the button again: it is safe, you are refunded once."), "error");
    return;
  }
  await onRefunded();
}
