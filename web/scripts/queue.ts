/**
 * The waiting room: join once (a reload or a second tab finds the same place), then ask for the
 * standing as often as the API says (`poll_after_seconds`). Shows the place, the people ahead, the
 * estimated wait, the tickets left and a progress bar; moves on to the event's purchase form when
 * the turn comes; turns into a waitlist offer when everything is sold.
 */
import { ApiProblem, showStatus } from "./api.lib";
import { answer, apiClient, type Answer, type SaleEvent } from "./api-client.lib";
import { joinWaitlist, waitlistPage } from "./waitlist-access.lib";
import { joinProblem } from "./waitlist-join.lib";
import { rememberQueueAccess, rememberQueueToken, storedQueueToken } from "./queue-access.lib";
import { nextAdmissionText, progressPercent, queueClock } from "./queue-progress.lib";
import { mountNotify, takeQueueTokenFromLink, type NotifyControls } from "./queue-notify.lib";

type QueueCalls = (typeof apiClient.events)[":eventId"]["queue"];
/** Join's answer (the place's queue token with its standing); status answers the standing alone. */
type QueueStatus = Answer<QueueCalls["$post"]> | Answer<QueueCalls["status"]["$get"]>;
const status = document.querySelector<HTMLElement>("#status")!;
const standing = document.querySelector<HTMLElement>("#standing")!;
const heading = document.querySelector<HTMLElement>("#heading")!;
const rejoin = document.querySelector<HTMLButtonElement>("#rejoin")!;
const waitlist = document.querySelector<HTMLElement>("#waitlist")!;
const eventId = new URLSearchParams(location.search).get("event") ?? "";
/** The event's path parameter, encoded (it comes from the address bar; hc puts it in the path as given). */
const param = { eventId: encodeURIComponent(eventId) };
let timer: number | undefined;
let event: SaleEvent | undefined;
let notify: NotifyControls | undefined;

function text(selector: string, value: string): void {
  document.querySelector<HTMLElement>(selector)!.textContent = value;
}

const count = (n: number | null | undefined) => (n === null || n === undefined ? "–" : n.toLocaleString());

function duration(seconds: number | null): string {
  if (seconds === null) return "–";
  if (seconds < 60) return "under a minute";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function authorization(): Record<string, string> {
  const token = storedQueueToken(eventId);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function join(): Promise<QueueStatus> {
  const token = storedQueueToken(eventId);
  const joined = await answer(apiClient.events[":eventId"].queue.$post({ param, json: token ? { queue_token: token } : {} }));
  if (joined.queue_token) rememberQueueToken(eventId, joined.queue_token);
  return joined;
}

async function poll(): Promise<void> {
  try {
    render(await answer(apiClient.events[":eventId"].queue.status.$get({ param }, { headers: authorization() })));
  } catch (error) {
    if (error instanceof ApiProblem && error.code === "UNAUTHENTICATED") {
      rememberQueueToken(eventId, undefined);
      render(await join().catch(problem));
      return;
    }
    problem(error);
  }
}

function problem(error: unknown): never {
  const retry = error instanceof ApiProblem ? (error.retryAfterSeconds ?? 10) : 10;
  showStatus(status, `${error instanceof ApiProblem ? error.message : "Something went wrong."} Trying again in ${retry} s.`, "error");
  schedule(retry);
  throw error;
}

function schedule(seconds: number): void {
  window.clearTimeout(timer);
  timer = window.setTimeout(() => void poll().catch(() => undefined), Math.max(1, seconds) * 1000);
}

/** People ahead when this place first had a number, kept per event and token over reloads. */
function aheadAtStart(answer: QueueStatus): number | null {
  if (answer.state !== "waiting" || answer.ahead === null || answer.position === null) return null;
  const key = `ao_queue_start:${eventId}:${answer.position}`;
  const known = Number(localStorage.getItem(key));
  if (localStorage.getItem(key) !== null && Number.isFinite(known)) return known;
  localStorage.setItem(key, String(answer.ahead));
  return answer.ahead;
}

function render(answer: QueueStatus): void {
  document.body.dataset.queueState = answer.state;
  standing.hidden = answer.state === "closed";
  rejoin.hidden = answer.state !== "expired";
  waitlist.hidden = !(answer.state === "sold_out" && answer.waitlist?.enabled);
  notify?.show(answer.state);
  text("#position", answer.position === null ? "drawn at opening" : `#${count(answer.position)}`);
  text("#ahead", count(answer.ahead));
  text("#wait", answer.state === "pre_queue" ? `opens in ${duration(answer.estimated_wait_seconds)}` : duration(answer.estimated_wait_seconds));
  text("#tickets-left", count(answer.tickets_left));
  const progress = progressPercent(answer.state, aheadAtStart(answer), answer.ahead);
  const bar = document.querySelector<HTMLElement>("#progress")!;
  bar.hidden = progress === null;
  document.querySelector<HTMLElement>("#progress-bar")!.style.width = `${progress ?? 0}%`;
  bar.setAttribute("aria-valuenow", String(progress ?? 0));
  text("#next-admission", nextAdmissionText(answer, Date.now()));

  switch (answer.state) {
    case "pre_queue":
      heading.textContent = "You're in the waiting room";
      showStatus(status, `The sale opens at ${queueClock(answer.opens_at)}. Everyone here before then gets a place by a fair draw at the opening.`);
      break;
    case "waiting":
      heading.textContent = "You're in the queue";
      showStatus(status, "");
      break;
    case "admitted":
      heading.textContent = "It's your turn";
      if (answer.access_token && answer.access_expires_at) {
        rememberQueueAccess(eventId, { token: answer.access_token, expires_at: answer.access_expires_at });
      }
      showStatus(status, "Taking you to the tickets…", "success");
      location.assign(`/event?id=${encodeURIComponent(eventId)}`);
      return;
    case "sold_out":
      heading.textContent = "Sold out";
      showStatus(
        status,
        answer.waitlist?.enabled
          ? "Every ticket is sold or held right now. Join the waitlist: if tickets come back, they are offered to it first."
          : "Every ticket is sold or held right now. Stay here: if held tickets are released, the queue moves on.",
        "error",
      );
      break;
    case "expired":
      heading.textContent = "Your turn has ended";
      showStatus(status, "Your time to buy ran out. You can join the queue again at the back.", "error");
      return;
    case "closed":
      heading.textContent = "Sales have ended";
      showStatus(status, "This sale has closed.", "error");
      return;
  }
  schedule(answer.poll_after_seconds);
}

async function showFairness(): Promise<void> {
  const fairness = await answer(apiClient.events[":eventId"].queue.fairness.$get({ param })).catch(() => undefined);
  if (!fairness) return;
  text("#commitment", fairness.commitment);
  if (fairness.seed) {
    text("#seed", fairness.seed);
    document.querySelector<HTMLElement>("#seed-line")!.hidden = false;
  }
  document.querySelector<HTMLElement>("#fairness")!.hidden = false;
}

function mountWaitlist(): void {
  const select = document.querySelector<HTMLSelectElement>("#waitlist-tier")!;
  for (const tier of event?.tiers ?? []) select.append(new Option(tier.name, tier.tier_id));
  const form = document.querySelector<HTMLFormElement>("#waitlist-form")!;
  const result = document.querySelector<HTMLElement>("#waitlist-status")!;
  form.addEventListener("submit", async (submit) => {
    submit.preventDefault();
    const name = document.querySelector<HTMLInputElement>("#waitlist-name")!.value.trim();
    const email = document.querySelector<HTMLInputElement>("#waitlist-email")!.value.trim();
    if (!name || !email) {
      showStatus(result, "Give your name and email so we can offer you tickets.", "error");
      return;
    }
    const tier = event?.tiers.find((t) => t.tier_id === select.value);
    form.querySelector("button")!.disabled = true;
    try {
      // The waitlist page shows the place, follows it, and is where an offer can be bought.
      const entry = await joinWaitlist(eventId, { tier_id: select.value, quantity: 1, attendee: { name, email } }, { tier_name: tier?.name ?? "", event_title: event?.title ?? "" });
      location.assign(waitlistPage(entry.entry_id, entry.entry_token));
    } catch (error) {
      form.querySelector("button")!.disabled = false;
      showStatus(result, joinProblem(error), "error");
    }
  });
}

async function main(): Promise<void> {
  if (!eventId) {
    showStatus(status, "This link is missing the event. Go back to the list and pick one.", "error");
    return;
  }
  try {
    event = await answer(apiClient.events[":eventId"].$get({ param, query: {} }));
    text("#event-title", event.title);
    document.title = `Waiting room — ${event.title} — Admit One`;
  } catch (error) {
    showStatus(status, error instanceof ApiProblem && error.code === "NOT_FOUND" ? "We could not find this event." : "Something went wrong loading this event.", "error");
    return;
  }
  mountWaitlist();
  // A "your turn" mail's link carries the place: this device takes it (join answers the same place).
  const linked = takeQueueTokenFromLink();
  if (linked) rememberQueueToken(eventId, linked);
  notify = mountNotify(eventId, () => storedQueueToken(eventId));
  rejoin.addEventListener("click", () => {
    rememberQueueToken(eventId, undefined);
    void join().then(render, problem).catch(() => undefined);
  });
  void showFairness();
  try {
    render(await join());
  } catch (error) {
    if (error instanceof ApiProblem && error.code === "QUEUE_NOT_ACTIVE") {
      showStatus(status, "There is no queue for this event right now.", "info");
      location.replace(`/event?id=${encodeURIComponent(eventId)}`);
      return;
    }
    try {
      problem(error);
    } catch {
      // scheduled a retry
    }
  }
}

void main();
