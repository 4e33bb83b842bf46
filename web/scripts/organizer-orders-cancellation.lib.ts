/**
 * Once the event is cancelled, its background refund of every order, followed live until it is done.
 */
import { ApiProblem, showStatus } from "./api.lib";
import { problemMessage } from "./field-errors.lib";
import { answer, type Answer } from "./api-client.lib";
import { organizerClient } from "./organizer-session.lib";

/** An event's cancellation and how far its refunds have got (`GET /events/{id}/cancellation`). */
export type Cancellation = Answer<(typeof organizerClient.events)[":eventId"]["cancellation"]["$get"]>;

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const POLL_MS = 1500;

/**
 * Shows the cancellation's refunds as they happen, asking every couple of seconds until every order
 * is refunded. Resolves when it is complete (or cannot be followed any further).
 */
export async function followCancellation(eventId: string, first?: Cancellation | null): Promise<Cancellation | undefined> {
  const panel = $("#cancellation");
  let current = first ?? undefined;
  for (;;) {
    if (!current) {
      try {
        current = await answer(organizerClient.events[":eventId"].cancellation.$get({ param: { eventId } }));
      } catch (error) {
        if (error instanceof ApiProblem && error.code === "NOT_FOUND") return undefined;
        showStatus($("#cancellation-text"), problemMessage(error, "We lost touch with the refunds in progress; they continue anyway."), "error");
        await new Promise((r) => setTimeout(r, POLL_MS * 2));
        continue;
      }
    }
    renderCancellation(current);
    panel.hidden = false;
    if (current.status === "completed") return current;
    await new Promise((r) => setTimeout(r, POLL_MS));
    current = undefined;
  }
}

function renderCancellation(c: Cancellation): void {
  const done = c.status === "completed";
  const share = c.orders_total === 0 ? 100 : Math.round((c.orders_refunded / c.orders_total) * 100);
  const bar = $("#cancellation-progress");
  bar.setAttribute("aria-valuenow", String(share));
  $("#cancellation-bar").style.width = `${share}%`;
  $("#cancellation").classList.toggle("done", done);
  $("#cancellation-title").textContent = done ? "Every order is refunded" : "Refunding every order…";
  $("#cancellation-count").textContent = `${c.orders_refunded} of ${c.orders_total} order${c.orders_total === 1 ? "" : "s"} refunded`;
  $("#cancellation-text").textContent = done
    ? `Finished ${c.finished_at ? when.format(new Date(c.finished_at)) : ""}. Every attendee was refunded in full.`
    : "Refunds run in the background and resume by themselves after any interruption; you can leave this page.";
}
