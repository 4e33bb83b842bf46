/**
 * The organization's webhooks: add an endpoint (its secret shown once), see each endpoint's
 * delivery log (every attempt with the receiver's answer), re-send a delivery by hand, and rotate an
 * endpoint's secret (the new one shown once; the old one signs too until the grace ends).
 */
import { ApiProblem, showStatus } from "./api.lib";
import { askToConfirm } from "./confirm-dialog.lib";
import { h } from "./elements.lib";
import { clearErrorsOnEdit, clearFieldErrors, problemMessage, showFormProblem } from "./field-errors.lib";
import { revealSecret, whileBusy } from "./form-controls.lib";
import type { InferRequestType } from "hono/client";
import { answer, type Answer } from "./api-client.lib";
import { mountAccountBar, organizerClient, requireOrganizer } from "./organizer-session.lib";

type Endpoints = typeof organizerClient["webhook-endpoints"];
type EndpointCalls = Endpoints[":endpointId"];
type Endpoint = Answer<Endpoints["$get"]>["endpoints"][number];
type Delivery = Answer<EndpointCalls["deliveries"]["$get"]>["deliveries"][number];
type Attempt = Delivery["log"][number];
/** The event types an endpoint subscribes to (the form's checkboxes carry exactly these values). */
type EventTypes = InferRequestType<Endpoints["$post"]>["json"]["events"];

const status = document.querySelector<HTMLElement>("#status")!;
const form = document.querySelector<HTMLFormElement>("#new-endpoint")!;
const list = document.querySelector<HTMLElement>("#endpoints")!;
const listStatus = document.querySelector<HTMLElement>("#endpoints-status")!;
const reveal = document.querySelector<HTMLElement>("#secret-reveal")!;
const secretNote = document.querySelector<HTMLElement>("#secret-note")!;
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
        answer(organizerClient["webhook-endpoints"][":endpointId"].deliveries[":deliveryId"].resend.$post({ param: { endpointId: endpoint.endpoint_id, deliveryId: d.delivery_id } })),
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

/** Shows a secret once, in the reveal box, with a line saying what it is for. */
function showSecret(secret: string, note: string): void {
  secretNote.textContent = note;
  secretNote.hidden = !note;
  reveal.hidden = false;
  revealSecret(document.querySelector<HTMLElement>("#secret-value")!, document.querySelector<HTMLButtonElement>("#copy-secret")!, document.querySelector<HTMLElement>("#copy-secret-status")!, secret);
  reveal.scrollIntoView({ block: "center" });
}

function rotateButton(endpoint: Endpoint): HTMLButtonElement {
  const rotate = h("button", { type: "button", className: "secondary small" }, "Rotate secret");
  rotate.addEventListener("click", async () => {
    const sure = await askToConfirm({
      title: `Rotate the signing secret of ${endpoint.url}?`,
      text: "A new secret signs every delivery from now on. For 24 hours deliveries carry a signature with the old secret too, so your receiver keeps accepting them while you switch it to the new one.",
      confirm: "Rotate secret",
      cancel: "Keep the secret",
    });
    if (!sure) return;
    try {
      const rotated = await whileBusy(rotate, "Rotating…", () =>
        answer(organizerClient["webhook-endpoints"][":endpointId"]["rotate-secret"].$post({ param: { endpointId: endpoint.endpoint_id }, json: {} })),
      );
      showSecret(rotated.secret, `New secret for ${endpoint.url}. The old one still signs until ${when.format(new Date(rotated.previous_secret_expires_at))}.`);
      await loadEndpoints();
    } catch (error) {
      showStatus(listStatus, problemMessage(error), "error");
    }
  });
  return rotate;
}

function endpointCard(endpoint: Endpoint): HTMLElement {
  const log = h("div", { className: "delivery-log", "aria-live": "polite" });
  const refresh = async () => {
    // Busy while it loads, so assistive tech (and a test) can tell the log is about to change.
    log.setAttribute("aria-busy", "true");
    try {
      const { deliveries } = await answer(organizerClient["webhook-endpoints"][":endpointId"].deliveries.$get({ param: { endpointId: endpoint.endpoint_id }, query: { limit: "50" } }));
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
      await whileBusy(remove, "Deleting…", () => answer(organizerClient["webhook-endpoints"][":endpointId"].$delete({ param: { endpointId: endpoint.endpoint_id } })));
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
    endpoint.previous_secret_expires_at
      ? h("p", { className: "meta", "data-grace": "" }, `Secret rotated: the old secret also signs until ${when.format(new Date(endpoint.previous_secret_expires_at))}.`)
      : null,
    h("div", { className: "actions" }, show, rotateButton(endpoint), remove),
    log,
  );
}

async function loadEndpoints(): Promise<void> {
  try {
    const { endpoints } = await answer(organizerClient["webhook-endpoints"].$get());
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
  const body = { url: String(data.get("url") ?? "").trim(), events: data.getAll("events").map(String) as EventTypes, ...(description ? { description } : {}) };
  try {
    const created = await whileBusy(form.querySelector("button[type=submit]")!, "Adding…", () =>
      answer(organizerClient["webhook-endpoints"].$post({ json: body })),
    );
    form.reset();
    showSecret(created.secret, "");
    await loadEndpoints();
  } catch (error) {
    showFormProblem(listStatus, form, error);
  }
});

document.querySelector("#hide-secret")!.addEventListener("click", () => {
  reveal.hidden = true;
  document.querySelector<HTMLElement>("#secret-value")!.textContent = "";
  secretNote.textContent = "";
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
