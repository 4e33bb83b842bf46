/**
 * The sale-open war room (`/organizer/live?id=…`): one event's figures, moved by every snapshot the
 * live socket pushes (organizer-live-socket.lib), drawn by organizer-live-figures.lib, with a plot of
 * sales and check-ins that starts from the reports and grows with the snapshots
 * (organizer-live-chart.lib). Around the doors opening, the door's figures move to the top.
 */
import { ApiProblem, showStatus } from "./api.lib";
import { SalesChart } from "./organizer-live-chart.lib";
import { renderSnapshot } from "./organizer-live-figures.lib";
import { historySeries, HOUR_MS, MINUTE_MS, type SeriesPoint } from "./organizer-live-series.lib";
import { LiveSocket, liveUrl, type ConnectionState, type LiveSnapshot } from "./organizer-live-socket.lib";
import type { OrganizerEvent } from "./organizer-events.lib";
import { mountRevenueReport } from "./organizer-live-report.lib";
import { currentOrganizer, mountAccountBar, organizerClient, redirectToLogin, requireOrganizer } from "./organizer-session.lib";
import { answer } from "./api-client.lib";
import { formatWhen } from "./format.lib";

const root = document.querySelector<HTMLElement>("#live")!;
const status = document.querySelector<HTMLElement>("#status")!;
const connection = document.querySelector<HTMLElement>("#connection")!;
const updated = document.querySelector<HTMLElement>("#updated")!;
/** The door's figures lead from this long before the doors open until the event ends. */
const DOOR_LEAD_MS = 2 * 3_600_000;

const CONNECTION_TEXT: Record<ConnectionState, string> = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" };

function showConnection(state: ConnectionState): void {
  connection.dataset.connection = state;
  connection.textContent = CONNECTION_TEXT[state];
  root.classList.toggle("stale", state === "reconnecting");
}

function showPhase(event: OrganizerEvent, now: number): void {
  const doors = Date.parse(event.starts_at) - DOOR_LEAD_MS;
  root.dataset.phase = now >= doors && now <= Date.parse(event.ends_at) ? "door" : "sale";
}

async function loadEvent(id: string): Promise<OrganizerEvent | undefined> {
  const { events } = await answer(organizerClient.organizers.me.events.$get());
  return events.find((e) => e.event_id === id);
}

function showEvent(event: OrganizerEvent): void {
  const id = encodeURIComponent(event.event_id);
  document.title = `Live: ${event.title} — Admit One organizers`;
  document.querySelector("#heading")!.textContent = event.title;
  document.querySelector("#when")!.textContent = `${formatWhen(event.starts_at, event.ends_at, event.timezone)} · ${event.venue.name}, ${event.venue.city}`;
  document.querySelector<HTMLAnchorElement>("#back")!.href = `/organizer/event?id=${id}`;
  document.querySelector<HTMLAnchorElement>("#attendees-csv")!.href = `/api/v1/events/${id}/reports/attendees.csv`;
  document.querySelector<HTMLAnchorElement>("#orders-csv")!.href = `/api/v1/events/${id}/reports/orders.csv`;
  document.querySelector<HTMLElement>("#no-queue")!.hidden = event.waiting_room.enabled === true;
  document.querySelector<HTMLElement>("#no-waitlist")!.hidden = event.waitlist.enabled === true;
  showPhase(event, Date.now());
}

/**
 * Sales and check-ins so far, from the reports; an empty history if they cannot be read now. Sales
 * per minute, not per hour: drawn per hour, a sale-open rush reads as a slope from the top of the
 * hour. Only minutes with a sale are rows, so even a long sale stays a modest answer.
 */
async function loadHistory(event: OrganizerEvent): Promise<SeriesPoint[]> {
  const reports = organizerClient.events[":eventId"].reports;
  const param = { eventId: event.event_id };
  try {
    const [sales, checkins] = await Promise.all([
      answer(reports.sales.$get({ param, query: { bucket: "minute" } })),
      answer(reports.checkins.$get({ param, query: { bucket: "minute" } })),
    ]);
    return historySeries(sales.rows, sales.bucket === "minute" ? MINUTE_MS : HOUR_MS, checkins.rows, sales.timezone, Date.now());
  } catch {
    return [];
  }
}

function reading(s: LiveSnapshot): SeriesPoint {
  return { at: Date.parse(s.at), sold: s.tiers.reduce((sum, t) => sum + t.sold, 0), checkedIn: s.checked_in };
}

async function start(): Promise<void> {
  const organizer = await requireOrganizer();
  mountAccountBar(organizer, status);
  const id = new URLSearchParams(location.search).get("id") ?? "";
  const event = id ? await loadEvent(id) : undefined;
  if (!event) {
    showStatus(status, "You have no event with this id. Open the live view from one of your events.", "error");
    return;
  }
  showEvent(event);
  if (event.status === "draft") {
    showStatus(status, "This event is a draft: nothing is on sale yet. Publish it to follow its sales here.", "info");
    return;
  }

  const time = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });
  let chart: SalesChart | undefined;
  const early: SeriesPoint[] = [];
  const socket = new LiveSocket(liveUrl(event.event_id), {
    snapshot(s) {
      status.replaceChildren();
      renderSnapshot(root, s);
      updated.textContent = `Updated ${time.format(new Date(s.at))}`;
      updated.dataset.at = s.at;
      showPhase(event, Date.now());
      if (chart) chart.add(reading(s));
      else early.push(reading(s));
    },
    state: showConnection,
    problem(message) {
      showStatus(status, message, "error");
    },
    async refused() {
      // A refused upgrade looks like any dropped connection; a signed-out organizer is sent to sign in.
      if (!navigator.onLine) return;
      try {
        if (!(await currentOrganizer())) await redirectToLogin();
      } catch (error) {
        if (!(error instanceof ApiProblem)) throw error;
      }
    },
  });
  socket.start();

  mountRevenueReport(document.querySelector<HTMLElement>("#revenue-report")!, event.event_id);
  chart = new SalesChart(document.querySelector<HTMLElement>("#chart")!, await loadHistory(event), event.timezone);
  for (const point of early) chart.add(point);
}

start().catch((error: unknown) => {
  showStatus(status, error instanceof ApiProblem ? error.message : "Something went wrong loading the live view. Reload to try again.", "error");
});
