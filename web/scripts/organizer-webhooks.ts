/**
 * The organization's webhooks: add an endpoint (its secret shown once), see each endpoint's
 * delivery log (every attempt with the receiver's answer) and re-send a delivery by hand.
 */
import { ApiProblem, showStatus } from "./api.lib";
import { askToConfirm } from "./confirm-dialog.lib";
import { h } from "./elements.lib";
import { clearErrorsOnEdit, clearFieldErrors, problemMessage, showFormProblem } from "./field-errors.lib";
import { revealSecret, whileBusy } from "./form-controls.lib";
import { mountAccountBar, organizerApi, requireOrganizer } from "./organizer-session.lib";

interface Endpoint {
  endpoint_id: string;
  url: string;
  events: string[];
  description: string;
  created_at: string;
  deliveries?: { pending: number; failed: number; succeeded: number };
}

interface Attempt {
  attempted_at: string;
  response_status: number | null;
  response_excerpt: string;
  duration_ms: number;
  error: string | null;
  manual: boolean;
}

interface Delivery {
  delivery_id: string;
  event_id: string;
  event_type: string;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  next_attempt_at: string | null;
  created_at: string;
  log: Attempt[];
}

const status = document.querySelector<HTMLElement>("#status")!;
const form = document.querySelector<HTMLFormElement>("#new-endpoint")!;
const list = document.querySelector<HTMLElement>("#endpoints")!;
const listStatus = document.querySelector<HTMLElement>("#endpoints-status")!;
const reveal = document.querySelector<HTMLElement>("#secret-reveal")!;
const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

function attemptLine(a: Attempt): HTMLElement {
  const outcome = a.response_status !== null ? `HTTP ${a.response_status}` : (a.error ?? "no answer");
  return h(
    "li",
    { "data-status": a.response_status ?? "none" },
    `${when.format(new Date(a.attempted_at))} · ${outcome} · ${a.duration_ms} ms${a.manual ? " · re-sent by hand" : ""}`,
    a.response_excerpt ? h("pre", { className: "excerpt" }, a.response_excerpt) : null,
  );
}

function deliveryRow(endpoint: Endpoint, d: Delivery, refresh: () => Promise<void>): HTMLElement {
  const resend = h("button", { type: "button", className: "secondary small" }, "Re-send");
  resend.addEventListener("click", async () => {
    try {
      await whileBusy(resend, "Queued…", () =>
        organizerApi(`/api/v1/webhook-endpoints/${encodeURIComponent(endpoint.endpoint_id)}/deliveries/${encodeURIComponent(d.delivery_id)}/resend`, { method: "POST" }),
      );
      showStatus(listStatus, `Re-sending ${d.event_type} (${d.event_id}). Its log shows the answer in a moment.`, "success");
      await refresh();
    } catch (error) {
      showStatus(listStatus, problemMessage(error), "error");
    }
  });
  const state = d.status === "pending" && d.next_attempt_at ? `pending, next attempt ${when.format(new Date(d.next_attempt_at))}` : d.status;
  return h(
    "details",
    { className: "delivery", "data-delivery-id": d.delivery_id, "data-state": d.status },
    h("summary", {}, h("strong", {}, d.event_type), ` · ${state} · ${d.attempts} attempt${d.attempts === 1 ? "" : "s"} · ${when.format(new Date(d.created_at))}`),
    h("div", { className: "meta" }, "Event id ", h("code", {}, d.event_id)),
    h("ol", { className: "attempts" }, ...d.log.map(attemptLine)),
    resend,
  );
}

function endpointCard(endpoint: Endpoint): HTMLElement {
  const log = h("div", { className: "delivery-log", "aria-live": "polite" });
  const refresh = async () => {
    // Busy while it loads, so assistive tech (and a test) can tell the log is about to change.
    log.setAttribute("aria-busy", "true");
    try {
      const { deliveries } = await organizerApi<{ deliveries: Delivery[] }>(`/api/v1/webhook-endpoints/${encodeURIComponent(endpoint.endpoint_id)}/deliveries?limit=50`);
      log.replaceChildren(...deliveries.map((d) => deliveryRow(endpoint, d, refresh)));
      if (deliveries.length === 0) log.append(h("p", { className: "meta" }, "Nothing sent yet."));
    } catch (error) {
      showStatus(listStatus, problemMessage(error, "We could not load the delivery log."), "error");
    } finally {
      log.removeAttribute("aria-busy");
    }
  };
  const show = h("button", { type: "button", className: "secondary small" }, "Delivery log");
  show.addEventListener("click", () => void refresh());
  const remove = h("button", { type: "button", className: "danger-outline small" }, "Delete");
  remove.addEventListener("click", async () => {
    const sure = await askToConfirm({ title: `Delete the endpoint ${endpoint.url}?`, text: "Nothing more is sent to it, retries included.", confirm: "Delete endpoint", cancel: "Keep it", danger: true });
    if (!sure) return;
    try {
      await whileBusy(remove, "Deleting…", () => organizerApi(`/api/v1/webhook-endpoints/${encodeURIComponent(endpoint.endpoint_id)}`, { method: "DELETE" }));
      await loadEndpoints();
    } catch (error) {
      showStatus(listStatus, problemMessage(error), "error");
    }
  });
  const counts = endpoint.deliveries;
  return h(
    "article",
    { className: "endpoint", "data-endpoint-id": endpoint.endpoint_id },
    h("h3", {}, h("code", {}, endpoint.url)),
    endpoint.description ? h("p", {}, endpoint.description) : null,
    h("p", { className: "meta" }, `Events: ${endpoint.events.join(", ")}`, counts ? ` · ${counts.succeeded} delivered, ${counts.pending} pending, ${counts.failed} failed` : ""),
    h("div", { className: "actions" }, show, remove),
    log,
  );
}

async function loadEndpoints(): Promise<void> {
  try {
    const { endpoints } = await organizerApi<{ endpoints: Endpoint[] }>("/api/v1/webhook-endpoints");
    list.replaceChildren(...endpoints.map(endpointCard));
    if (endpoints.length === 0) list.append(h("p", { className: "meta" }, "No endpoints yet. Add one above."));
  } catch (error) {
    showStatus(listStatus, problemMessage(error, "We could not load your webhook endpoints."), "error");
  } finally {
    list.removeAttribute("aria-busy");
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearFieldErrors(form);
  showStatus(listStatus, "");
  const data = new FormData(form);
  const description = String(data.get("description") ?? "").trim();
  const body = { url: String(data.get("url") ?? "").trim(), events: data.getAll("events").map(String), ...(description ? { description } : {}) };
  try {
    const created = await whileBusy(form.querySelector("button[type=submit]")!, "Adding…", () =>
      organizerApi<Endpoint & { secret: string }>("/api/v1/webhook-endpoints", { method: "POST", body: JSON.stringify(body) }),
    );
    form.reset();
    reveal.hidden = false;
    revealSecret(document.querySelector<HTMLElement>("#secret-value")!, document.querySelector<HTMLButtonElement>("#copy-secret")!, document.querySelector<HTMLElement>("#copy-secret-status")!, created.secret);
    await loadEndpoints();
  } catch (error) {
    showFormProblem(listStatus, form, error);
  }
});

document.querySelector("#hide-secret")!.addEventListener("click", () => {
  reveal.hidden = true;
  document.querySelector<HTMLElement>("#secret-value")!.textContent = "";
});

clearErrorsOnEdit(form);

async function main(): Promise<void> {
  try {
    mountAccountBar(await requireOrganizer(), status);
  } catch (error) {
    showStatus(status, error instanceof ApiProblem ? error.message : "We could not check your sign-in.", "error");
    return;
  }
  await loadEndpoints();
}

void main();
