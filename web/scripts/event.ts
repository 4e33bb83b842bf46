/**
 * One event: details in the event's time zone, its tiers with what is still available, and the
 * form that holds tickets and opens the checkout. A promo code that unlocks a hidden tier (speakers,
 * crew) shows that tier: given in the address (`/event?id=…&code=SPEAKER`, the link the organizer
 * hands out) or typed under "Have a code?", which opens the page again with it.
 */
import { ApiProblem, showStatus } from "./api.lib";
import { readEvent, type SaleEvent } from "./api-client.lib";
import { mountPurchaseForm } from "./checkout-selection.lib";
import { formatWhen } from "./format.lib";
import { rememberAttendee } from "./order-access.lib";
import { mountQueueGate } from "./queue-gate.lib";

const status = document.querySelector<HTMLElement>("#status")!;
const article = document.querySelector<HTMLElement>("#event")!;

function text(selector: string, value: string): void {
  document.querySelector<HTMLElement>(selector)!.textContent = value;
}

/**
 * A typed code that shows more tiers than the page has opens the page again with it in the address
 * (the purchase form is built once, for the tiers it was given); the name and email typed so far
 * are kept as the attendee draft the form fills in again.
 */
function revealUnlockedTiers(eventId: string, shown: SaleEvent, input: HTMLInputElement): void {
  input.addEventListener("change", async () => {
    const code = input.value.trim();
    if (!code || code === new URLSearchParams(location.search).get("code")) return;
    const known = new Set(shown.tiers.map((t) => t.tier_id));
    const withCode = await readEvent(eventId, code).catch(() => undefined);
    if (!withCode?.tiers.some((t) => !known.has(t.tier_id))) return;
    const typed = (selector: string) => document.querySelector<HTMLInputElement>(selector)?.value.trim() ?? "";
    if (typed("#attendee-name") || typed("#attendee-email")) rememberAttendee({ name: typed("#attendee-name"), email: typed("#attendee-email") });
    const next = new URL(location.href);
    next.searchParams.set("code", code);
    location.replace(next.href);
  });
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const id = params.get("id");
  // Codes are at most 40 characters: a longer `code=` is no code, and is not sent (the API refuses past 200).
  const linkCode = params.get("code")?.trim();
  const code = linkCode && linkCode.length <= 40 ? linkCode : undefined;
  if (!id) {
    showStatus(status, "This link is missing the event. Go back to the list and pick one.", "error");
    return;
  }
  try {
    const event = await readEvent(id, code);
    document.title = `${event.title} — Admit One`;
    text("#category", event.category);
    text("#title", event.title);
    text("#when", formatWhen(event.starts_at, event.ends_at, event.timezone));
    text("#where", [event.venue.name, event.venue.address, event.venue.city].filter((part) => part && part.trim()).join(", "));
    if (event.organizer) {
      text("#organizer", `Presented by ${event.organizer.name}`);
      document.querySelector<HTMLElement>("#organizer")!.hidden = false;
    }
    text("#description", event.description);
    mountPurchaseForm(event);
    const promoInput = document.querySelector<HTMLInputElement>("#promo-code");
    if (promoInput) {
      if (code && !promoInput.value) promoInput.value = code;
      revealUnlockedTiers(id, event, promoInput);
    }
    mountQueueGate(event);
    if (event.status === "cancelled") showStatus(status, "This event has been cancelled. Ticket holders are refunded in full.", "error");
    article.hidden = false;
  } catch (error) {
    const message =
      error instanceof ApiProblem && error.code === "NOT_FOUND"
        ? "We could not find this event. It may have been unpublished."
        : error instanceof ApiProblem
          ? error.message
          : "Something went wrong loading this event.";
    showStatus(status, message, "error");
  }
}

void main();
