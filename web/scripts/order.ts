/**
 * `/order?order=<id>`: the confirmation with every ticket's QR code. Opened right after paying
 * (token in this tab's sessionStorage) or from the confirmation mail (`#token=...`, moved into
 * sessionStorage and wiped from the address bar before anything else happens). A paid order also
 * shows its refunds and, within the event's refund policy, the refund button (refund-panel.lib).
 */
import { ApiProblem, showStatus } from "./api.lib";
import { readEvent, readOrder } from "./api-client.lib";
import { h } from "./elements.lib";
import { formatMoney, formatWhen } from "./format.lib";
import { orderIdFromUrl, orderNote, orderTokenFor } from "./order-access.lib";
import { pendingNotice } from "./order-cancel.lib";
import { payProblem } from "./order-problems.lib";
import type { OrderView, SaleEvent } from "./api-client.lib";

type OrderStatus = OrderView["status"];
type Ticket = OrderView["tickets"][number];
import { qrCodeElement, ticketClaims } from "./order-tickets.lib";
import { showRefunds } from "./refund-panel.lib";

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const status = $("#status");

const STATUS_WORDS: Record<OrderStatus, string> = {
  pending: "Awaiting payment",
  confirmed: "Confirmed",
  expired: "Expired",
  cancelled: "Cancelled",
  refunded: "Refunded",
  partially_refunded: "Partly refunded",
};

function ticketItem(ticket: Ticket, svg: string | undefined, index: number, count: number, tierName: string, fallbackName: string | undefined): HTMLLIElement {
  const claims = ticketClaims(ticket.token);
  const seat = ticket.seat ?? claims.seat ?? null;
  const name = claims.name ?? fallbackName;
  const revoked = ticket.status === "revoked";
  const label = `QR code of ticket ${index + 1}${seat ? `, seat ${seat}` : ""}`;
  const qr = svg ? qrCodeElement(svg, label) : undefined;
  return h(
    "li",
    { className: revoked ? "ticket revoked" : "ticket", "data-ticket-id": ticket.ticket_id },
    h("div", { className: "qr" }, qr ?? h("p", { className: "hint" }, "The QR code could not be shown. Reload the page to try again.")),
    h(
      "div",
      { className: "ticket-info" },
      h("span", { className: "ticket-tier" }, tierName),
      h("span", { className: "ticket-seat" }, seat ? `Seat ${seat}` : "General admission"),
      name ? h("span", { className: "ticket-name" }, name) : null,
      h("span", { className: `badge ${revoked ? "cancelled" : "published"}` }, revoked ? "Refunded: no longer valid" : "Valid"),
      h("span", { className: "meta" }, `Ticket ${index + 1} of ${count}`),
    ),
  );
}

function render(order: OrderView, event: SaleEvent | undefined): void {
  const tier = event?.tiers.find((t) => t.tier_id === order.tier_id);
  if (event) {
    document.title = `Your tickets: ${event.title} — Admit One`;
    $("#event-title").textContent = event.title;
    $("#event-when").textContent = formatWhen(event.starts_at, event.ends_at, event.timezone);
    $("#event-where").textContent = [event.venue.name, event.venue.address, event.venue.city].filter((part) => part && part.trim()).join(", ");
    $<HTMLAnchorElement>("#event-link").href = `/event?id=${encodeURIComponent(event.event_id)}`;
  }
  const badge = $("#order-status");
  badge.textContent = STATUS_WORDS[order.status] ?? order.status;
  badge.className = `badge order-${order.status}`;
  $("#order-tickets").textContent = `${order.quantity} × ${tier?.name ?? "ticket"}`;
  $("#order-amount").textContent = formatMoney(order.amount, order.currency);
  $("#order-id").textContent = order.order_id;
  $("#order-code").textContent = order.order_code ?? "";
  $("#order-code-row").hidden = !order.order_code;
  if (order.status !== "confirmed") {
    $("#confirm-mark").hidden = true;
    $("#headline").textContent = order.status === "refunded" ? "This order was refunded" : "Your tickets";
    $("#subline").textContent =
      order.status === "refunded"
        ? "The tickets below are no longer valid at the door. The refund goes back to the card you paid with."
        : "Some tickets in this order were refunded; those are marked below and no longer valid.";
  }
  const fallbackName = orderNote(order.order_id)?.attendee_name;
  $("#tickets").replaceChildren(
    ...order.tickets.map((ticket, i) => ticketItem(ticket, order.qr_codes[i], i, order.tickets.length, tier?.name ?? "Ticket", fallbackName)),
  );
  $("#confirmation").hidden = false;
}

async function main(): Promise<void> {
  const orderId = orderIdFromUrl();
  if (!orderId) {
    showStatus(status, "This link is missing its order number. Open the link in your confirmation email again.", "error");
    return;
  }
  const token = orderTokenFor(orderId);
  if (!token) {
    status.replaceChildren(
      h(
        "div",
        { className: "notice error" },
        "To see these tickets, open the link in your confirmation email. For your safety it is the only way in from another browser or device. ",
        h("a", { href: "/tickets" }, "Send me my ticket links again"),
      ),
    );
    return;
  }
  let order: OrderView;
  try {
    order = await readOrder(orderId, token);
  } catch (error) {
    const message =
      error instanceof ApiProblem && error.code === "UNAUTHENTICATED"
        ? "This link does not open this order. Use the newest link in your confirmation email."
        : payProblem(error);
    showStatus(status, message, "error");
    return;
  }
  const eventLink = `/event?id=${encodeURIComponent(order.event_id)}`;
  if (order.status === "pending") {
    // Finish checkout, or cancel: the seats go back on sale at once (order-cancel.lib).
    status.replaceChildren(
      pendingNotice(order, token, (outcome) => {
        if ("problem" in outcome) showStatus(status, outcome.problem, "error");
        // Read again: the page then shows it cancelled, its seats back on sale.
        else $("#print").addEventListener("click", () => window.print());
void main();
      }),
    );
    return;
  }
  if (order.status === "expired" || order.status === "cancelled") {
    status.replaceChildren(
      h(
        "div",
        { className: "notice error" },
        order.status === "expired"
          ? "This order expired before it was paid, so it has no tickets. "
          : `This order was cancelled and has no tickets; its ${order.seats.length > 0 ? `seat${order.seats.length === 1 ? " is" : "s are"}` : `ticket${order.quantity === 1 ? " is" : "s are"}`} back on sale. `,
        order.refunds.length > 0 ? "Any payment for it has been refunded in full. " : "You have not been charged. ",
        h("a", { href: eventLink }, "Choose tickets again"),
      ),
    );
    return;
  }
  const event = await readEvent(order.event_id, orderNote(order.order_id)?.promo_code).catch(() => undefined);
  const show = (current: OrderView) => {
    render(current, event);
    showRefunds(current, token, async () => show(await readOrder(orderId, token)));
  };
  show(order);
}

$("#print").addEventListener("click", () => window.print());
void main();
