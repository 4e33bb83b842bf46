/**
 * The event page's side of the waiting room: while the room takes people, the purchase form is
 * for those whose turn has come. Everyone else is shown the way to the queue.
 */
import type { SaleEvent } from "./api-client.lib";
import { currentQueueAccess, roomIsActive } from "./queue-access.lib";

/** What the gate reads of the event (`GET /events/{id}`). */
type GatedEvent = Pick<SaleEvent, "event_id" | "status" | "sold_out" | "waitlist" | "ends_at" | "sales_start_at" | "sales_end_at" | "waiting_room">;

export function mountQueueGate(event: GatedEvent): void {
  if (!roomIsActive(event)) return;
  const form = document.querySelector<HTMLElement>("#purchase");
  const notice = document.createElement("div");
  notice.id = "queue-gate";
  notice.className = "notice";
  const access = currentQueueAccess(event.event_id);
  if (access) {
    const until = new Date(access.expires_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    notice.classList.add("success");
    notice.textContent = `It's your turn. Choose your tickets before ${until}.`;
    form?.before(notice);
    return;
  }
  if (event.sold_out) {
    // Nobody is sent to queue for nothing: say it is sold out here, and leave the form to offer the
    // waitlist (it switches sold-out tiers to it), which needs no turn in the queue.
    notice.id = "sold-out";
    notice.dataset.state = "sold_out";
    notice.textContent = event.waitlist?.enabled
      ? "Sold out. Join the waitlist below: returned tickets are offered to it first, in order."
      : "Sold out. There is no waitlist for this event.";
    if (form && !event.waitlist?.enabled) form.hidden = true;
    (form ?? document.querySelector("#event"))?.before(notice);
    return;
  }
  if (form) form.hidden = true;
  const text = document.createElement("p");
  text.textContent = "Tickets for this event are sold through a waiting room, so that everyone gets a fair chance.";
  const link = document.createElement("a");
  link.className = "button";
  link.id = "join-queue";
  link.href = `/queue?event=${encodeURIComponent(event.event_id)}`;
  link.textContent = "Join the waiting room";
  notice.append(text, link);
  (form ?? document.querySelector("#event"))?.before(notice);
}
