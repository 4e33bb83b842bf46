/**
 * The event page's side of the waiting room: while the room takes people, the purchase form is
 * for those whose turn has come. Everyone else is shown the way to the queue.
 */
import { currentQueueAccess, roomIsActive, type WaitingRoomSettings } from "./queue-access.lib";

interface GatedEvent {
  event_id: string;
  status: string;
  ends_at: string;
  sales_start_at?: string | null;
  sales_end_at?: string | null;
  waiting_room?: WaitingRoomSettings | null;
}

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
