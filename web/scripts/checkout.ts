/**
 * `/checkout?order=<id>`: what is being bought, how long it stays held, and the payment form.
 * The order token comes from this tab's sessionStorage (or the mail link's fragment), never from
 * the query string. Paying is idempotent server-side; the button is still locked while a payment
 * is in flight so nobody wonders whether a second press charged them twice.
 */
import { ApiProblem, showStatus } from "./api.lib";
import { answer, apiClient, orderAuth, readEvent, readOrder, type OrderView, type SaleEvent } from "./api-client.lib";
import { startCountdown, type Countdown } from "./checkout-countdown.lib";
import { formatMoney, formatWhen } from "./format.lib";
import { orderIdFromUrl, orderNote, orderTokenFor, PAID_STATUSES, rememberPendingOrder, rememberRetrySelection } from "./order-access.lib";
import { declineCode, declinedButHeld, declineSentence, holdExpiredSentence, listSeats, payProblem, wasRefunded } from "./order-problems.lib";
import { forgetRegisterAttempt } from "./order-register.lib";
import { mountPaymentMethods, type PaymentMethodSource } from "./payment-methods.lib";

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const status = $("#status");
const payForm = $<HTMLFormElement>("#pay-form");
const payButton = $<HTMLButtonElement>("#pay");
const methodSelect = $<HTMLSelectElement>("#payment-method");
const payStatus = $("#pay-status");

let countdown: Countdown | undefined;
let paying = false;
let methods: PaymentMethodSource | undefined;

function orderPage(orderId: string): string {
  return `/order?order=${encodeURIComponent(orderId)}`;
}

function eventPage(eventId: string): string {
  return `/event?id=${encodeURIComponent(eventId)}`;
}

/** The order can no longer be paid: say why, what happened to the money, and offer a way back. */
function showOutcome(order: OrderView, title: string, text: string, options: { code?: string; retry?: boolean } = {}): void {
  countdown?.stop();
  payForm.hidden = true;
  $("#hold").hidden = true;
  $("#outcome-title").textContent = title;
  $("#outcome-text").textContent = text;
  const code = $("#outcome-code");
  code.hidden = !options.code;
  code.textContent = options.code ? `Decline code for your bank: ${options.code}` : "";
  const action = $<HTMLAnchorElement>("#outcome-action");
  action.href = eventPage(order.event_id);
  action.textContent = order.tier_id && (orderNote(order.order_id)?.seats.length ?? 0) > 0 ? "Choose seats again" : "Choose tickets again";
  $("#outcome").hidden = false;
  rememberPendingOrder(order.event_id, undefined);
  forgetRegisterAttempt(order.event_id);
  if (options.retry) {
    rememberRetrySelection(order.event_id, { tier_id: order.tier_id, quantity: order.quantity, seats: orderNote(order.order_id)?.seats ?? [] });
  }
  $("#outcome").scrollIntoView({ block: "nearest", behavior: "smooth" });
}

function showExpired(order: OrderView, refunded: boolean): void {
  showOutcome(order, "Your hold has expired", holdExpiredSentence(refunded), { retry: true });
}

function showDeclined(order: OrderView, code: string | undefined): void {
  showOutcome(
    order,
    "Payment declined",
    `${declineSentence(code)} Nothing was charged. The tickets you held went back on sale; choose them again to pay with another card.`,
    { code, retry: true },
  );
}

/**
 * The card was declined but the order keeps its hold: say so beside the form, which stays usable, and
 * hand the buyer to the card choice for the next try.
 */
function showDeclinedButHeld(order: OrderView, code: string | undefined, holdExpiresAt: string): void {
  const seated = (orderNote(order.order_id)?.seats.length ?? 0) > 0;
  showStatus(payStatus, declinedButHeld(code, holdExpiresAt, seated), "error");
  const hint = $("#decline-code");
  hint.hidden = !code;
  hint.textContent = code ? `Decline code for your bank: ${code}` : "";
}

/** A terminal order as the API reports it; true when the page has nothing left to offer but that. */
function showSettled(order: OrderView): boolean {
  if (PAID_STATUSES.has(order.status)) {
    location.replace(orderPage(order.order_id));
    return true;
  }
  if (order.status === "expired") {
    showExpired(order, order.refunds.length > 0);
    return true;
  }
  if (order.status === "cancelled") {
    const failed = order.payments.find((p) => p.status === "failed");
    if (failed) showDeclined(order, failed.failure_code ?? undefined);
    else showOutcome(order, "This order was cancelled", "Nothing was charged for it.");
    return true;
  }
  return false;
}

function fillSummary(order: OrderView, event: SaleEvent | undefined): void {
  const tier = event?.tiers.find((t) => t.tier_id === order.tier_id);
  const note = orderNote(order.order_id);
  if (event) {
    document.title = `Checkout: ${event.title} — Admit One`;
    $("#event-title").textContent = event.title;
    $("#event-when").textContent = formatWhen(event.starts_at, event.ends_at, event.timezone);
    $("#event-where").textContent = [event.venue.name, event.venue.city].filter((part) => part && part.trim()).join(", ");
    if (event.organizer) $("#event-organizer").textContent = `Presented by ${event.organizer.name}`;
  } else {
    $("#event-title").textContent = "Your event";
  }
  // A promo code's discount is per ticket, so the order's amount divides evenly.
  const discounted = tier && order.quantity > 0 && order.amount < tier.price * order.quantity;
  const unit = !tier ? "" : discounted ? ` · ${formatMoney(order.amount / order.quantity, tier.currency)} each with your code (was ${formatMoney(tier.price, tier.currency)})` : ` · ${formatMoney(tier.price, tier.currency)} each`;
  $("#summary-tickets").textContent = `${order.quantity} × ${tier?.name ?? "ticket"}${order.amount > 0 ? unit : ""}`;
  const seats = note?.seats ?? [];
  $("#summary-seats-row").hidden = seats.length === 0;
  $("#summary-seats").textContent = listSeats(seats);
  $("#summary-name-row").hidden = !note?.attendee_name;
  $("#summary-name").textContent = note?.attendee_name ?? "";
  $("#summary-amount").textContent = formatMoney(order.amount, order.currency);
  const free = order.amount === 0;
  $("#method-field").hidden = free;
  $("#free-note").hidden = !free;
  payButton.textContent = free ? "Confirm free tickets" : `Pay ${formatMoney(order.amount, order.currency)}`;
}

/** POST pay; once more after the bank's extra step (3-D Secure) when it asks for one. */
async function submitPayment(order: OrderView, token: string, paymentMethod: string): Promise<void> {
  const send = () => answer(apiClient.orders[":orderId"].pay.$post({ param: { orderId: order.order_id }, json: { payment_method: paymentMethod } }, orderAuth(token)));
  try {
    await send();
  } catch (error) {
    if (!(error instanceof ApiProblem && error.code === "PAYMENT_ACTION_REQUIRED" && typeof error.body.client_secret === "string" && methods)) throw error;
    await methods.completeAction(error.body.client_secret);
    await send();
  }
}

async function pay(order: OrderView, token: string): Promise<void> {
  if (paying) return;
  paying = true;
  const label = payButton.textContent;
  payButton.disabled = true;
  methodSelect.disabled = true;
  methods?.setDisabled(true);
  payButton.setAttribute("aria-busy", "true");
  payButton.textContent = order.amount === 0 ? "Confirming…" : "Processing payment…";
  showStatus(payStatus, "");
  $("#decline-code").hidden = true;
  let chooseAnotherCard = false;
  try {
    // The test-card select locally, Stripe's Payment Element in production (payment-methods.lib.ts).
    let paymentMethod = "none";
    if (order.amount > 0) {
      try {
        paymentMethod = await (methods ?? { paymentMethod: async () => methodSelect.value }).paymentMethod();
      } catch (error) {
        throw new ApiProblem("PAYMENT_DETAILS", error instanceof Error ? error.message : String(error), 400);
      }
    }
    await submitPayment(order, token, paymentMethod);
    countdown?.stop();
    rememberPendingOrder(order.event_id, undefined);
    forgetRegisterAttempt(order.event_id);
    location.assign(orderPage(order.order_id));
    return;
  } catch (error) {
    paying = false;
    // A card decline keeps the order and its hold (hold_expires_at says until when): the form stays
    // for another card. An order declined before that rule (cancelled, released) says so instead.
    const declined = error instanceof ApiProblem && error.code === "PAYMENT_DECLINED" ? error : undefined;
    if (declined && typeof declined.body.hold_expires_at === "string") {
      showDeclinedButHeld(order, declineCode(declined), declined.body.hold_expires_at);
      chooseAnotherCard = true;
    } else if (declined && "decline_code" in declined.body) return showDeclined(order, declineCode(declined));
    else if (error instanceof ApiProblem && error.code === "HOLD_EXPIRED") return showExpired(order, wasRefunded(error));
    else if (!(error instanceof ApiProblem) || ["NETWORK", "INTERNAL", "UNEXPECTED", "SERVICE_UNAVAILABLE", "PAYMENT_IN_PROGRESS"].includes(error.code)) {
      // The charge may have gone through even though the answer got lost: ask before offering a retry.
      const settled = await readOrder(order.order_id, token).then(showSettled, () => false);
      if (settled) return;
      showStatus(payStatus, "We could not confirm your payment. Press Pay again: it is safe, you will only ever be charged once.", "error");
    } else {
      showStatus(payStatus, payProblem(error), "error");
    }
  }
  payButton.disabled = false;
  methodSelect.disabled = false;
  methods?.setDisabled(false);
  payButton.removeAttribute("aria-busy");
  payButton.textContent = label;
  if (chooseAnotherCard) methodSelect.focus();
}

async function main(): Promise<void> {
  const orderId = orderIdFromUrl();
  if (!orderId) {
    showStatus(status, "This checkout link is missing its order. Go back to the event and choose your tickets again.", "error");
    return;
  }
  const token = orderTokenFor(orderId);
  if (!token) {
    showStatus(status, "This checkout can only be opened in the browser tab where the tickets were chosen, or from the link in your confirmation email.", "error");
    return;
  }
  let order: OrderView;
  try {
    order = await readOrder(orderId, token);
  } catch (error) {
    showStatus(status, payProblem(error), "error");
    return;
  }
  if (PAID_STATUSES.has(order.status)) {
    location.replace(orderPage(orderId));
    return;
  }
  // With the order's code, so a hidden tier it unlocked is listed and the summary names it.
  const event = await readEvent(order.event_id, orderNote(order.order_id)?.promo_code).catch(() => undefined);
  const back = $<HTMLAnchorElement>("#back-link");
  back.href = eventPage(order.event_id);
  back.hidden = false;
  fillSummary(order, event);
  $("#checkout").hidden = false;
  if (showSettled(order)) return;
  // Reopened after a declined card: the hold still runs, so say so before the next try.
  const failed = order.payments.find((p) => p.status === "failed");
  if (failed && order.hold_expires_at) showDeclinedButHeld(order, failed.failure_code ?? undefined, order.hold_expires_at);

  const expiresAt = order.hold_expires_at ? Date.parse(order.hold_expires_at) : Date.now();
  const holdMinutes = event?.hold_minutes ?? 10;
  countdown = startCountdown({
    expiresAt,
    startedAt: Math.max(Date.parse(order.created_at) || 0, expiresAt - holdMinutes * 60_000),
    clock: $("#countdown"),
    bar: $("#hold-bar"),
    announcer: $("#hold-announcer"),
    onExpired: () => {
      if (paying) return; // the payment's own answer says how it ended
      showExpired(order, false);
      // Paid in another tab just before the end? Then the order page is the right place.
      void readOrder(orderId, token).then((fresh) => PAID_STATUSES.has(fresh.status) && location.replace(orderPage(orderId)), () => undefined);
    },
  });
  if (order.amount > 0) {
    methods = await mountPaymentMethods($("#method-field"), methodSelect, order).catch((error: unknown) => {
      showStatus(payStatus, error instanceof Error ? error.message : "The payment form could not be loaded. Reload the page.", "error");
      return undefined;
    });
  }
  payForm.addEventListener("submit", (e) => {
    e.preventDefault();
    void pay(order, token);
  });
}

// Back from the confirmation restores this page mid-payment from the back/forward cache: ask again.
window.addEventListener("pageshow", (e) => e.persisted && location.reload());

void main();
