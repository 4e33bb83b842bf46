/**
 * "Mail me when it's my turn" on the waiting-room page: an optional address sent with the place's
 * queue token (POST /events/{id}/queue/notify, through the typed client). Shown while the person
 * waits or is in the pre-queue; once asked, it says which address will be mailed (kept per event in
 * localStorage, so a reload still says so). The mail's link comes back to this page with the queue
 * token in the fragment: `takeQueueTokenFromLink` keeps it and clears it from the address bar.
 */
import { answer, apiClient, type Answer } from "./api-client.lib";
import { ApiProblem, showStatus } from "./api.lib";

export type TurnMailAnswer = Answer<(typeof apiClient.events)[":eventId"]["queue"]["notify"]["$post"]>;

const ASKED_KEY = "admit-one.queue-notify.";

function askedAddress(eventId: string): string | null {
  try {
    return localStorage.getItem(ASKED_KEY + eventId);
  } catch {
    return null;
  }
}

function rememberAsked(eventId: string, email: string): void {
  try {
    localStorage.setItem(ASKED_KEY + eventId, email);
  } catch {
    // storage disabled: the request still stands with the place
  }
}

/** The queue token a mail's link carried (`#queue_token=…`), removed from the address bar so it is not bookmarked or shared. */
export function takeQueueTokenFromLink(): string | undefined {
  const token = new URLSearchParams(location.hash.slice(1)).get("queue_token");
  if (!token) return undefined;
  history.replaceState(null, "", `${location.pathname}${location.search}`);
  return token;
}

export interface NotifyControls {
  /** Shows the form while the place waits (or is in the pre-queue), hides it otherwise. */
  show(state: string): void;
}

export function mountNotify(eventId: string, queueToken: () => string | undefined): NotifyControls {
  const section = document.querySelector<HTMLElement>("#notify")!;
  const form = document.querySelector<HTMLFormElement>("#notify-form")!;
  const input = document.querySelector<HTMLInputElement>("#notify-email")!;
  const button = document.querySelector<HTMLButtonElement>("#notify-submit")!;
  const result = document.querySelector<HTMLElement>("#notify-status")!;
  const confirm = (email: string) => showStatus(result, `We'll mail ${email} when it's your turn. You can close this page.`, "success");
  const known = askedAddress(eventId);
  if (known) {
    input.value = known;
    confirm(known);
  }
  form.addEventListener("submit", async (submit) => {
    submit.preventDefault();
    const email = input.value.trim();
    if (!email || !input.checkValidity()) {
      showStatus(result, "Enter an email address like name@example.com.", "error");
      input.focus();
      return;
    }
    button.disabled = true;
    try {
      const token = queueToken();
      const asked: TurnMailAnswer = await answer(
        apiClient.events[":eventId"].queue.notify.$post({ param: { eventId: encodeURIComponent(eventId) }, json: { email, ...(token ? { queue_token: token } : {}) } }),
      );
      rememberAsked(eventId, asked.email);
      confirm(asked.email);
    } catch (error) {
      const field = error instanceof ApiProblem ? error.details.find((d) => d.field === "email") : undefined;
      showStatus(result, field ? field.message : error instanceof ApiProblem ? error.message : "Something went wrong; try again.", "error");
    } finally {
      button.disabled = false;
    }
  });
  return {
    show(state) {
      section.hidden = !(state === "waiting" || state === "pre_queue");
    },
  };
}
