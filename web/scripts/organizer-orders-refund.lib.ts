/**
 * The organizer's refund dialog for one order: its tickets with checkboxes (refunded ones shown,
 * disabled), or "an amount instead" typed as money and capped at what is left to refund. It says
 * what will be refunded before the organizer confirms, and resolves with the request to send
 * (`POST /orders/{id}/refund`), or undefined when they back out.
 *
 * Tickets are refunded at their price (the organizer is not bound by the policy), capped by what is
 * left; they stop working at the door. An amount is money only: every ticket stays valid.
 */
import { h } from "./elements.lib";
import { formatMoney } from "./format.lib";
import { parsePrice, priceInputValue } from "./money-input.lib";
import type { InferRequestType } from "hono/client";
import type { Answer } from "./api-client.lib";
import type { organizerClient } from "./organizer-session.lib";

/** One order as the organizer's list (`GET /events/{id}/orders`) gives it, with its tickets. */
export type OrderRow = Answer<(typeof organizerClient.events)[":eventId"]["orders"]["$get"]>["orders"][number];
/** One ticket of an order: `checked_in` is still valid, `revoked` was not a refund; `price` is what the order paid for it. */
type OrderTicket = OrderRow["tickets"][number];
type RefundBody = InferRequestType<(typeof organizerClient.orders)[":orderId"]["refund"]["$post"]>["json"];

/** What a refund by the organizer would still give back. */
export function refundable(order: OrderRow): number {
  // A refunded order may still hold money: every ticket refunded at the policy's 50% leaves half.
  return ["confirmed", "partially_refunded", "refunded"].includes(order.status) ? Math.max(0, order.amount - order.refunded) : 0;
}

/** Tickets an organizer can still refund (valid, checked in or not). */
function refundableTickets(order: OrderRow): OrderTicket[] {
  return order.tickets.filter((t) => t.status === "valid" || t.status === "checked_in");
}

/** "Seat B1 · Stalls", or "Ticket 2 · GA" for general admission. */
function ticketLabel(ticket: OrderTicket, index: number): string {
  return `${ticket.seat ? `Seat ${ticket.seat}` : `Ticket ${index + 1}`} · ${ticket.tier}`;
}

export interface RefundRequest {
  body: RefundBody & ({ ticket_ids: string[]; reason: string } | { amount: number; idempotency_key: string; reason: string });
  /** What goes back, formatted: "€20.00". */
  money: string;
}

const STATUS_WORDS = { valid: "Valid", checked_in: "Checked in", refunded: "Refunded", revoked: "Revoked" } as const;

type Choice = { kind: "tickets"; ids: string[]; amount: number } | { kind: "amount"; amount: number | undefined; problem: string | null };

function ticketsWord(n: number): string {
  return `${n} ticket${n === 1 ? "" : "s"}`;
}

export function askForRefund(order: OrderRow): Promise<RefundRequest | undefined> {
  const left = refundable(order);
  const money = (minor: number) => formatMoney(minor, order.currency);
  const open = refundableTickets(order);
  // An untouched order starts with every ticket ticked (a full refund); after a partial refund, with
  // nothing ticked, and with the amount when no ticket is left to refund.
  const untouched = order.refunded === 0;
  const startWithAmount = open.length === 0;

  const boxes = order.tickets.map((ticket, i) => {
    const usable = ticket.status === "valid" || ticket.status === "checked_in";
    const box = h("input", { type: "checkbox", value: ticket.ticket_id, disabled: !usable || startWithAmount, checked: usable && untouched && !startWithAmount });
    const label = h(
      "label",
      { className: usable ? "refund-ticket" : "refund-ticket done", "data-ticket-id": ticket.ticket_id },
      box,
      h("span", { className: "refund-ticket-name" }, ticketLabel(ticket, i)),
      h("span", { className: "meta" }, money(ticket.price)),
      h("span", { className: `badge ticket-${ticket.status}` }, STATUS_WORDS[ticket.status]),
    );
    return { ticket, box, label, usable };
  });
  const byTickets = h("input", { type: "radio", name: "refund-mode", value: "tickets", id: "refund-mode-tickets", checked: !startWithAmount, disabled: open.length === 0 });
  const byAmount = h("input", { type: "radio", name: "refund-mode", value: "amount", id: "refund-mode-amount", checked: startWithAmount });
  const amountInput = h("input", {
    type: "text",
    id: "refund-amount",
    inputMode: "decimal",
    autocomplete: "off",
    disabled: !startWithAmount,
    value: startWithAmount ? priceInputValue(left, order.currency) : "",
    "aria-describedby": "refund-amount-hint",
  });
  const amountHint = h("span", { className: "hint", id: "refund-amount-hint" }, `Up to ${money(left)}. Money only: every ticket stays valid.`);
  const summary = h("p", { className: "refund-summary", id: "refund-summary", "aria-live": "polite" });
  const yes = h("button", { type: "submit", value: "yes", className: "danger" }, "Refund");
  const no = h("button", { type: "button", value: "no", className: "secondary" }, "Keep the order");
  const title = h("h2", { id: "refund-dialog-title" }, `Refund ${order.attendee_name}'s order`);
  const paid = `${money(order.amount)} paid${order.refunded > 0 ? ` · ${money(order.refunded)} refunded` : ""} · ${money(left)} left to refund`;

  const form = h(
    "form",
    { method: "dialog" },
    title,
    h("p", { className: "meta" }, paid),
    h(
      "fieldset",
      { className: "refund-mode" },
      h("legend", {}, "What to refund"),
      h("label", { className: "refund-choice", htmlFor: "refund-mode-tickets" }, byTickets, " Tickets"),
      h("div", { className: "refund-tickets", id: "refund-tickets" }, ...boxes.map((b) => b.label)),
      h("label", { className: "refund-choice", htmlFor: "refund-mode-amount" }, byAmount, " An amount instead"),
      h("div", { className: "refund-amount-row" }, h("label", { htmlFor: "refund-amount" }, `Amount (${order.currency.toUpperCase()})`), amountInput, amountHint),
    ),
    summary,
    h("div", { className: "dialog-actions" }, no, yes),
  );
  const dialog = h("dialog", { className: "confirm refund-dialog", "aria-labelledby": "refund-dialog-title" }, form);

  const choice = (): Choice => {
    if (byAmount.checked) {
      const text = amountInput.value;
      const amount = parsePrice(text, order.currency);
      if (text.trim() === "") return { kind: "amount", amount: undefined, problem: null };
      if (amount === undefined) return { kind: "amount", amount, problem: "Type an amount such as 12.50." };
      if (amount <= 0) return { kind: "amount", amount: undefined, problem: "Type more than zero." };
      if (amount > left) return { kind: "amount", amount: undefined, problem: `At most ${money(left)} is left to refund.` };
      return { kind: "amount", amount, problem: null };
    }
    const chosen = boxes.filter((b) => b.usable && b.box.checked).map((b) => b.ticket);
    return { kind: "tickets", ids: chosen.map((t) => t.ticket_id), amount: Math.min(left, chosen.reduce((sum, t) => sum + t.price, 0)) };
  };

  const update = () => {
    for (const b of boxes) b.box.disabled = !b.usable || !byTickets.checked;
    amountInput.disabled = !byAmount.checked;
    const now = choice();
    amountInput.setAttribute("aria-invalid", String(now.kind === "amount" && now.problem !== null));
    if (now.kind === "tickets") {
      const n = now.ids.length;
      yes.disabled = n === 0;
      yes.textContent = n === 0 ? "Refund" : `Refund ${money(now.amount)}`;
      summary.textContent =
        n === 0
          ? "Tick the tickets to refund."
          : `${money(now.amount)} goes back to the card they paid with for ${ticketsWord(n)}; ${n === 1 ? "that ticket stops" : "those tickets stop"} working at the door, and the freed tickets are offered to the waitlist first. This cannot be undone.`;
    } else {
      yes.disabled = now.amount === undefined;
      yes.textContent = now.amount === undefined ? "Refund" : `Refund ${money(now.amount)}`;
      summary.textContent =
        now.problem ?? (now.amount === undefined ? `Type the amount to give back, up to ${money(left)}.` : `${money(now.amount)} goes back to the card they paid with. Every ticket stays valid. This cannot be undone.`);
      summary.classList.toggle("error", now.problem !== null);
    }
    if (now.kind === "tickets") summary.classList.remove("error");
  };
  for (const input of [byTickets, byAmount, amountInput, ...boxes.map((b) => b.box)]) input.addEventListener("input", update);
  byAmount.addEventListener("change", () => {
    update();
    if (byAmount.checked) amountInput.focus();
  });
  byTickets.addEventListener("change", update);
  update();

  document.body.append(dialog);
  return new Promise((resolve) => {
    let request: RefundRequest | undefined;
    no.addEventListener("click", () => dialog.close("no"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const now = choice();
      if (now.kind === "tickets" && now.ids.length > 0) {
        request = { body: { ticket_ids: now.ids, reason: "Refunded by the organizer" }, money: money(now.amount) };
      } else if (now.kind === "amount" && now.amount !== undefined) {
        // One idempotency key per confirmed dialog, so a retried request refunds once.
        request = { body: { amount: now.amount, idempotency_key: crypto.randomUUID(), reason: "Amount refunded by the organizer" }, money: money(now.amount) };
      } else {
        update();
        return;
      }
      dialog.close("yes");
    });
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "yes" ? request : undefined);
      dialog.remove();
    });
    dialog.showModal();
    (startWithAmount ? amountInput : no).focus();
  });
}
