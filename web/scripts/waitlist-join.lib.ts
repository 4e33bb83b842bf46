/**
 * The purchase form's way onto a sold-out tier's waitlist: what the waitlist promises, how many
 * tickets to wait for (a group is served together), and the join itself, which moves on to the
 * waitlist page with the entry token in the fragment.
 */
import { ApiProblem } from "./api.lib";
import type { Tier } from "./catalog.lib";
import { h } from "./elements.lib";
import { problemMessage } from "./field-errors.lib";
import { joinWaitlist, waitlistPage, type JoinRequest } from "./waitlist-access.lib";

export interface WaitlistChoice {
  element: HTMLElement;
  quantity: HTMLSelectElement;
}

export function waitlistChoice(tier: Tier, offerMinutes: number): WaitlistChoice {
  const id = `tier-${tier.tier_id}-waitlist-quantity`;
  const quantity = h(
    "select",
    { id, "data-field": "quantity" },
    // A group larger than the whole tier could never be served.
    ...Array.from({ length: Math.max(1, Math.min(tier.max_per_order, tier.capacity)) }, (_, i) => h("option", { value: String(i + 1) }, String(i + 1))),
  );
  const element = h(
    "div",
    { className: "waitlist-choice", hidden: true },
    h("p", { className: "waitlist-pitch" }, h("strong", {}, `${tier.name} is sold out.`), " Join the waitlist: tickets that come back (a refund, an unpaid order) are offered to it first, in order."),
    h("div", { className: "field narrow" }, h("label", { htmlFor: id }, "Tickets to wait for"), quantity),
    h(
      "p",
      { className: "hint" },
      `When your turn comes we email you and hold the tickets for you for ${offerMinutes} minutes. A group waits together and is offered all its tickets at once. Joining is free.`,
    ),
  );
  return { element, quantity };
}

/** Joins and opens the waitlist page; rejects with the API's refusal, otherwise the page is leaving. */
export async function joinAndOpenWaitlist(eventId: string, eventTitle: string, tier: Tier, request: JoinRequest): Promise<void> {
  const entry = await joinWaitlist(eventId, request, { tier_name: tier.name, event_title: eventTitle });
  location.assign(waitlistPage(entry.entry_id, entry.entry_token));
}

export function joinProblem(error: unknown): string {
  if (error instanceof ApiProblem) {
    switch (error.code) {
      case "WAITLIST_DISABLED":
        return "This event does not keep a waitlist.";
      case "EVENT_CANCELLED":
        return "This event has been cancelled, so there is no waitlist to join.";
      case "SALES_NOT_OPEN":
        return "Sales for this event have ended, so the waitlist is closed.";
    }
  }
  return problemMessage(error, "We could not add you to the waitlist. Please try again.");
}
