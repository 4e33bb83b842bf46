/**
 * One event: details in the event's time zone, its tiers with what is still available, and the
 * form that holds tickets and opens the checkout.
 */
import { ApiProblem, showStatus } from "./api.lib";
import { readEvent } from "./api-client.lib";
import { mountPurchaseForm } from "./checkout-selection.lib";
import { formatWhen } from "./format.lib";
import { mountQueueGate } from "./queue-gate.lib";

const status = document.querySelector<HTMLElement>("#status")!;
const article = document.querySelector<HTMLElement>("#event")!;

function text(selector: string, value: string): void {
  document.querySelector<HTMLElement>(selector)!.textContent = value;
}

async function main(): Promise<void> {
  const id = new URLSearchParams(location.search).get("id");
  if (!id) {
    showStatus(status, "This link is missing the event. Go back to the list and pick one.", "error");
    return;
  }
  try {
    const event = await readEvent(id);
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
