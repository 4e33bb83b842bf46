/**
 * The event page's purchase form: one tier at a time (an order is for one tier), a quantity for
 * general admission or seats on the map for a seated tier, the attendee's name and email, and
 * "Continue", which holds the tickets (register) and opens the checkout. A sold-out tier of an event
 * with a waitlist stays choosable and offers the waitlist instead (see waitlist-join.lib). Every
 * refusal of the API is turned into a sentence next to what the attendee can change.
 */
import { ApiProblem, showStatus, type FieldProblem } from "./api.lib";
import { readEvent, type SaleEvent } from "./api-client.lib";
import { $, availabilityText, fillQuantities, showPendingOrder, tierControl, type TierControls } from "./checkout-selection-tiers.lib";
import { clearErrorsOnEdit, clearFieldErrors, showFieldErrors } from "./field-errors.lib";
import { formatMoney } from "./format.lib";
import { attendeeDraft, PAID_STATUSES, rememberAttendee, rememberOrder, takeRetrySelection } from "./order-access.lib";
import { registerProblem, takenSeats } from "./order-problems.lib";
import { registerOrder, type RegisterRequest } from "./order-register.lib";
import { joinAndOpenWaitlist, joinProblem, waitlistChoice } from "./waitlist-join.lib";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function mountPurchaseForm(event: SaleEvent): void {
  const form = $<HTMLFormElement>("#purchase");
  const list = $<HTMLUListElement>("#tiers");
  const attendee = $<HTMLElement>("#attendee");
  const nameInput = $<HTMLInputElement>("#attendee-name");
  const emailInput = $<HTMLInputElement>("#attendee-email");
  const promoInput = document.querySelector<HTMLInputElement>("#promo-code");
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
    const control = tierControl(tier, event, { onSale, waitlistOpen, onChange: updateSummary, hold: () => void submit() });
    showSoldOut(control);
    control.radio.addEventListener("change", () => control.radio.checked && activate(control));
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
    void submit();
  });

  function localProblems(forWaitlist: boolean): FieldProblem[] {
    const problems: FieldProblem[] = [];
    if (active?.picker && !forWaitlist && active.picker.selection.length === 0) {
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

  async function submit(): Promise<void> {
    if (busy) return;
    if (!active) {
      showStatus(status, "Choose a ticket type first.", "error");
      return;
    }
    if (waitlisting(active)) return joinWaitlistOf(active);
    const problems = localProblems(false);
    if (problems.length > 0) return showProblems(problems, "Please check the highlighted details.");
    clearFieldErrors(form);
    showStatus(status, "");
    const { tier, picker } = active;
    // Seated: exactly the seats on the map, whether tapped or proposed by best available.
    const seats = picker?.selection;
    const request: RegisterRequest = {
      tier_id: tier.tier_id,
      quantity: seats ? seats.length : Number(active.quantity.value),
      ...(seats ? { seats } : {}),
      attendee: { name: nameInput.value.trim(), email: emailInput.value.trim() },
      ...(promoInput?.value.trim() ? { promo_code: promoInput.value.trim() } : {}),
    };
    const button = continueButton;
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
      rememberOrder(order, request.attendee.name, request.promo_code);
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
      const fresh = await readEvent(event.event_id);
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
