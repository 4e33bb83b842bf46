/**
 * The event page's purchase form: one tier at a time (an order is for one tier), a quantity for
 * general admission or seats on the map for a seated tier, the attendee's name and email, and
 * "Continue", which holds the tickets (register) and opens the checkout. A sold-out tier of an event
 * with a waitlist stays choosable and offers the waitlist instead (see waitlist-join.lib). Every
 * refusal of the API is turned into a sentence next to what the attendee can change.
 */
import { api, ApiProblem, showStatus, type FieldProblem } from "./api.lib";
import type { Tier } from "./catalog.lib";
import { h } from "./elements.lib";
import { clearErrorsOnEdit, clearFieldErrors, showFieldErrors } from "./field-errors.lib";
import { formatMoney } from "./format.lib";
import { attendeeDraft, pendingOrderOf, rememberAttendee, rememberOrder, takeRetrySelection } from "./order-access.lib";
import { registerProblem, takenSeats } from "./order-problems.lib";
import { registerOrder, type RegisterRequest } from "./order-register.lib";
import { PAID_STATUSES, type SaleEvent } from "./order-shapes.lib";
import { SeatPicker } from "./seat-picker.lib";
import { joinAndOpenWaitlist, joinProblem, waitlistChoice, type WaitlistChoice } from "./waitlist-join.lib";

interface TierControls {
  tier: Tier;
  item: HTMLLIElement;
  radio: HTMLInputElement;
  meta: HTMLElement;
  options: HTMLElement;
  /** GA: how many tickets; seated: how many seats "Best available" asks for. */
  quantity: HTMLSelectElement;
  picker?: SeatPicker;
  bestButton?: HTMLButtonElement;
  /** What buying needs (quantity or seat map), hidden while the tier is sold out and waitlisted. */
  buying: HTMLElement;
  waitlist?: WaitlistChoice;
}

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

function fillQuantities(select: HTMLSelectElement, tier: Tier): void {
  const most = Math.max(0, Math.min(tier.max_per_order, tier.available));
  const current = Number(select.value) || 1;
  select.replaceChildren(...Array.from({ length: most }, (_, i) => h("option", { value: String(i + 1) }, String(i + 1))));
  select.value = String(Math.min(Math.max(1, current), Math.max(1, most)));
  select.disabled = most === 0;
}

function availabilityText(tier: Tier, waitlistOpen: boolean): string {
  if (tier.available === 0) return waitlistOpen ? "Sold out · waitlist open" : "Sold out";
  return `${tier.available} left${tier.kind === "seated" ? " · reserved seating" : ""}`;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function mountPurchaseForm(event: SaleEvent): void {
  const form = $<HTMLFormElement>("#purchase");
  const list = $<HTMLUListElement>("#tiers");
  const attendee = $<HTMLElement>("#attendee");
  const nameInput = $<HTMLInputElement>("#attendee-name");
  const emailInput = $<HTMLInputElement>("#attendee-email");
  const status = $<HTMLElement>("#purchase-status");
  const bar = $<HTMLElement>("#purchase-bar");
  const continueButton = $<HTMLButtonElement>("#continue");
  const onSale = event.on_sale && event.status === "published";
  const waitlistOpen = onSale && Boolean(event.waitlist?.enabled);
  const controls = new Map<string, TierControls>();
  let active: TierControls | undefined;
  let busy = false;
  let release = () => {};
  /** Sold out with a waitlist: the form joins the waitlist instead of holding tickets. */
  const waitlisting = (c: TierControls | undefined) => Boolean(waitlistOpen && c && c.tier.available === 0);
  // Back from the checkout restores this page from the back/forward cache mid-"Holding…".
  window.addEventListener("pageshow", (e) => e.persisted && release());

  const updateSummary = () => {
    const line = $<HTMLElement>("#summary-line");
    const total = $<HTMLElement>("#summary-total");
    if (!busy) continueButton.textContent = waitlisting(active) ? "Join the waitlist" : "Continue";
    if (!active) {
      line.textContent = "Choose a ticket type";
      total.textContent = "";
      return;
    }
    const { tier } = active;
    if (waitlisting(active)) {
      line.textContent = `Waitlist: ${active.waitlist?.quantity.value ?? 1} × ${tier.name}`;
      total.textContent = "";
      return;
    }
    const seats = active.picker?.selection;
    const count = seats ? seats.length : Number(active.quantity.value) || 0;
    if (seats && count === 0) {
      line.textContent = `${tier.name}: no seats chosen yet`;
      total.textContent = "";
      return;
    }
    line.textContent = `${count} × ${tier.name}${seats ? ` · ${seats.join(", ")}` : ""}`;
    total.textContent = formatMoney(tier.price * count, tier.currency);
  };

  /** Swaps the tier's buying controls for the waitlist's (made when first needed) while it is sold out. */
  const showSoldOut = (c: TierControls): boolean => {
    const soldOut = waitlisting(c);
    if (soldOut && !c.waitlist) {
      c.waitlist = waitlistChoice(c.tier, event.waitlist?.offer_minutes ?? 30);
      c.waitlist.quantity.addEventListener("change", updateSummary);
      c.options.append(c.waitlist.element);
    }
    c.buying.hidden = soldOut;
    if (c.waitlist) c.waitlist.element.hidden = !soldOut;
    return soldOut;
  };

  const activate = (next: TierControls | undefined) => {
    active = next;
    for (const c of controls.values()) {
      const on = c === next;
      c.item.classList.toggle("active", on);
      c.options.hidden = !on;
      if (on && !waitlisting(c)) void c.picker?.start();
      else c.picker?.stop();
    }
    clearFieldErrors(form);
    showStatus(status, "");
    updateSummary();
  };

  for (const tier of event.tiers) {
    const id = `tier-${tier.tier_id}`;
    const radio = h("input", { type: "radio", name: "tier", value: tier.tier_id, id, disabled: !onSale || (tier.available === 0 && !waitlistOpen) });
    const meta = h("span", { className: "meta" }, availabilityText(tier, waitlistOpen));
    const quantity = h("select", { id: `${id}-quantity`, "data-field": "quantity" });
    fillQuantities(quantity, tier);
    const options = h("div", { className: "tier-options", hidden: true });
    const buying = h("div", { className: "tier-buying" });
    const item = h(
      "li",
      { className: "tier" },
      h("label", { className: "tier-choice", htmlFor: id }, radio, h("span", { className: "tier-name" }, h("strong", {}, tier.name), meta), h("span", { className: "price" }, formatMoney(tier.price, tier.currency))),
      options,
    );
    const control: TierControls = { tier, item, radio, meta, options, quantity, buying };
    if (tier.kind === "seated") {
      control.picker = new SeatPicker({ eventId: event.event_id, tierId: tier.tier_id, tierName: tier.name, maxPerOrder: tier.max_per_order, holdMinutes: event.hold_minutes ?? 10, onChange: updateSummary });
      control.bestButton = h("button", { type: "button", className: "secondary" }, "Best available");
      control.bestButton.addEventListener("click", () => void submit(true));
      buying.append(
        control.picker.element,
        h(
          "div",
          { className: "best-available field" },
          h("span", { className: "label" }, "Don't mind where you sit?"),
          h("span", { className: "best-row" }, h("label", { htmlFor: quantity.id }, "Seats"), quantity, control.bestButton),
          h("p", { className: "hint" }, "We pick the best seats still free, side by side where we can."),
        ),
      );
    } else {
      quantity.addEventListener("change", updateSummary);
      buying.append(h("div", { className: "field narrow" }, h("label", { htmlFor: quantity.id }, "Number of tickets"), quantity));
    }
    options.append(buying);
    showSoldOut(control);
    radio.addEventListener("change", () => radio.checked && activate(control));
    controls.set(tier.tier_id, control);
  }
  list.replaceChildren(...[...controls.values()].map((c) => c.item));

  if (!onSale) {
    if (event.status === "published") {
      const opens = event.sales_start_at && Date.parse(event.sales_start_at) > Date.now() ? event.sales_start_at : undefined;
      const text = opens
        ? `Ticket sales open on ${new Date(opens).toLocaleString(undefined, { dateStyle: "full", timeStyle: "short", timeZone: event.timezone })}.`
        : "Ticket sales for this event have closed.";
      showStatus($("#sales-status"), text);
    }
    return;
  }
  attendee.hidden = false;
  bar.hidden = false;
  clearErrorsOnEdit(form);
  const draft = attendeeDraft();
  if (draft) {
    nameInput.value = draft.name;
    emailInput.value = draft.email;
  }
  showPendingOrder(event.event_id);

  const retry = takeRetrySelection(event.event_id);
  const choosable = [...controls.values()].filter((c) => !c.radio.disabled);
  const first = (retry && controls.get(retry.tier_id)) || choosable.find((c) => c.tier.available > 0) || choosable[0];
  if (first && !first.radio.disabled) {
    first.radio.checked = true;
    activate(first);
    if (retry?.tier_id === first.tier.tier_id) {
      if (first.picker) void first.picker.start().then(() => first.picker!.preselect(retry.seats));
      else {
        first.quantity.value = String(retry.quantity);
        updateSummary();
      }
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void submit(false);
  });

  function localProblems(bestAvailable: boolean): FieldProblem[] {
    const problems: FieldProblem[] = [];
    if (active?.picker && !bestAvailable && active.picker.selection.length === 0) {
      problems.push({ field: "seats", message: "Choose your seats on the map, or let us pick the best available ones." });
    }
    if (!nameInput.value.trim()) problems.push({ field: "attendee.name", message: "Enter the name to print on the tickets." });
    const email = emailInput.value.trim();
    if (!email) problems.push({ field: "attendee.email", message: "Enter the email address to send the tickets to." });
    else if (!EMAIL.test(email)) problems.push({ field: "attendee.email", message: "This does not look like an email address." });
    return problems;
  }

  /** Field problems beside their fields: the tier's own under it, the attendee's under theirs. */
  function showProblems(problems: readonly FieldProblem[], message: string): void {
    clearFieldErrors(form);
    showStatus(status, message, "error");
    const mine = problems.filter((p) => p.field.startsWith("attendee."));
    const tierOnes = problems.filter((p) => !p.field.startsWith("attendee."));
    const placed = [...showFieldErrors(attendee, mine).placed, ...(active ? showFieldErrors(active.options, tierOnes).placed : [])];
    const first = placed[0];
    if (first) {
      first.scrollIntoView({ block: "center", behavior: "smooth" });
      if (first.matches("input, select")) first.focus({ preventScroll: true });
    }
  }

  async function submit(bestAvailable: boolean): Promise<void> {
    if (busy) return;
    if (!active) {
      showStatus(status, "Choose a ticket type first.", "error");
      return;
    }
    if (waitlisting(active)) return joinWaitlistOf(active);
    const problems = localProblems(bestAvailable);
    if (problems.length > 0) return showProblems(problems, "Please check the highlighted details.");
    clearFieldErrors(form);
    showStatus(status, "");
    const { tier, picker } = active;
    const seats = picker && !bestAvailable ? picker.selection : undefined;
    const request: RegisterRequest = {
      tier_id: tier.tier_id,
      quantity: seats ? seats.length : Number(active.quantity.value),
      ...(seats ? { seats } : {}),
      ...(picker && bestAvailable ? { best_available: true as const } : {}),
      attendee: { name: nameInput.value.trim(), email: emailInput.value.trim() },
    };
    const button = bestAvailable && active.bestButton ? active.bestButton : continueButton;
    const label = button.textContent ?? "";
    busy = true;
    for (const b of [continueButton, active.bestButton]) if (b) b.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.textContent = tier.kind === "seated" ? "Holding your seats…" : "Holding your tickets…";
    release = () => {
      busy = false;
      for (const b of [continueButton, ...[...controls.values()].map((c) => c.bestButton)]) if (b) b.disabled = false;
      button.removeAttribute("aria-busy");
      button.textContent = label;
      updateSummary(); // the tier may have sold out meanwhile: Continue then joins the waitlist
      release = () => {};
    };
    try {
      const order = await registerOrder(event.event_id, request);
      rememberOrder(order, request.attendee.name);
      rememberAttendee(request.attendee);
      // Stay disabled: the page is leaving, and a second click must not race the navigation.
      location.assign(`/${PAID_STATUSES.has(order.status) ? "order" : "checkout"}?order=${encodeURIComponent(order.order_id)}`);
      return;
    } catch (error) {
      await explain(error, request);
    }
    release();
  }

  async function explain(error: unknown, request: RegisterRequest): Promise<void> {
    const tier = controls.get(request.tier_id)!;
    const message = registerProblem(error, { tierName: tier.tier.name, quantity: request.quantity, timeZone: event.timezone });
    if (error instanceof ApiProblem && error.code === "VALIDATION_FAILED" && error.details.length > 0) {
      showProblems(error.details, message);
      return;
    }
    showStatus(status, message, "error");
    status.scrollIntoView({ block: "nearest", behavior: "smooth" });
    if (error instanceof ApiProblem && error.code === "SEAT_UNAVAILABLE") await tier.picker?.markTaken(takenSeats(error));
    // Register's own count wins over the catalog's, which may lag it by a moment.
    const soldOut = error instanceof ApiProblem && error.code === "SOLD_OUT" && error.body.available === 0 ? request.tier_id : undefined;
    if (error instanceof ApiProblem && (error.code === "SOLD_OUT" || error.code === "SEAT_UNAVAILABLE")) await refreshAvailability(soldOut);
  }

  async function joinWaitlistOf(control: TierControls): Promise<void> {
    const problems = localProblems(true);
    if (problems.length > 0) return showProblems(problems, "Please check the highlighted details.");
    clearFieldErrors(form);
    showStatus(status, "");
    busy = true;
    continueButton.disabled = true;
    continueButton.setAttribute("aria-busy", "true");
    continueButton.textContent = "Joining the waitlist…";
    release = () => {
      busy = false;
      continueButton.disabled = false;
      continueButton.removeAttribute("aria-busy");
      updateSummary();
      release = () => {};
    };
    try {
      const attendee = { name: nameInput.value.trim(), email: emailInput.value.trim() };
      await joinAndOpenWaitlist(event.event_id, event.title, control.tier, { tier_id: control.tier.tier_id, quantity: Number(control.waitlist?.quantity.value ?? 1), attendee });
      return; // leaving for the waitlist page
    } catch (error) {
      if (error instanceof ApiProblem && error.code === "VALIDATION_FAILED" && error.details.length > 0) showProblems(error.details, joinProblem(error));
      else showStatus(status, joinProblem(error), "error");
    }
    release();
  }

  async function refreshAvailability(soldOutTierId?: string): Promise<void> {
    try {
      const fresh = await api<SaleEvent>(`/api/v1/events/${encodeURIComponent(event.event_id)}`);
      for (const listed of fresh.tiers) {
        const c = controls.get(listed.tier_id);
        if (!c) continue;
        const tier = listed.tier_id === soldOutTierId ? { ...listed, available: 0 } : listed;
        c.tier = tier;
        c.meta.textContent = availabilityText(tier, waitlistOpen);
        c.radio.disabled = tier.available === 0 && !c.radio.checked && !waitlistOpen;
        fillQuantities(c.quantity, tier);
        if (showSoldOut(c) && c === active) {
          c.picker?.stop();
          showStatus(status, `${tier.name} has just sold out. You can join its waitlist below: returned tickets are offered to it first.`, "error");
        }
      }
      updateSummary();
    } catch {
      // the message already shown is what matters; the counts refresh on the next load
    }
  }
}

function showPendingOrder(eventId: string): void {
  const pending = pendingOrderOf(eventId);
  if (!pending) return;
  const until = new Date(pending.hold_expires_at).toLocaleTimeString(undefined, { timeStyle: "short" });
  $("#pending-order").replaceChildren(
    h("div", { className: "notice" }, `You have tickets on hold for this event until ${until}. `, h("a", { href: `/checkout?order=${encodeURIComponent(pending.order_id)}` }, "Finish checkout")),
  );
}
