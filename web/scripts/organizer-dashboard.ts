/**
 * The organizer's home: their organization's events (drafts included) with status and sales, its
 * API keys (list, create with a once-only reveal, revoke), its team and audit log — each section
 * only for the roles that may use it. Right after sign-up it welcomes them and shows the
 * account's first key once, here. Not signed in → the login page.
 */
import { ApiProblem, showStatus } from "./api.lib";
import { askToConfirm } from "./confirm-dialog.lib";
import { h } from "./elements.lib";
import { clearErrorsOnEdit, clearFieldErrors, problemMessage, showFieldErrors, showFormProblem } from "./field-errors.lib";
import { revealSecret, whileBusy } from "./form-controls.lib";
import { formatWhen } from "./format.lib";
import { salesTotals, statusBadge, type OrganizerEvent } from "./organizer-events.lib";
import { answer, type Answer } from "./api-client.lib";
import { mountAccountBar, organizerClient, requireOrganizer } from "./organizer-session.lib";
import { mountAuditLog, mountTeam, type CurrentOrganization } from "./organizer-team.lib";
import { takeNewAccount } from "./organizer-welcome.lib";

type ApiKeys = (typeof organizerClient.organizers.me)["api-keys"];
type ApiKey = Answer<ApiKeys["$get"]>["api_keys"][number];

const status = document.querySelector<HTMLElement>("#status")!;
const list = document.querySelector<HTMLElement>("#events")!;
const keyForm = document.querySelector<HTMLFormElement>("#new-key")!;
const keyList = document.querySelector<HTMLElement>("#keys")!;
const keyStatus = document.querySelector<HTMLElement>("#keys-status")!;
const reveal = document.querySelector<HTMLElement>("#key-reveal")!;

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function eventRow(event: OrganizerEvent): HTMLElement {
  const { sold, capacity } = salesTotals(event);
  const editUrl = `/organizer/event?id=${encodeURIComponent(event.event_id)}`;
  const percent = capacity > 0 ? Math.min(100, Math.round((sold / capacity) * 100)) : 0;
  const fill = h("span");
  fill.style.width = `${percent}%`;
  const bar = h(
    "div",
    { className: "progress", role: "progressbar", "aria-label": "Tickets sold", "aria-valuemin": 0, "aria-valuemax": capacity, "aria-valuenow": sold },
    fill,
  );
  return h(
    "article",
    { className: "event-row", "data-event-id": event.event_id },
    h(
      "div",
      { className: "event-main" },
      h("div", { className: "event-title" }, statusBadge(event.status), h("a", { href: editUrl, className: "title" }, event.title || "Untitled event")),
      h("div", { className: "meta" }, formatWhen(event.starts_at, event.ends_at, event.timezone)),
      h("div", { className: "meta" }, [event.venue.name, event.venue.city].filter(Boolean).join(" · ")),
    ),
    h(
      "div",
      { className: "event-sales" },
      h("div", { className: "sold" }, h("strong", {}, `${sold} / ${capacity}`), " sold"),
      bar,
      h("div", { className: "meta" }, `${event.tiers.length} tier${event.tiers.length === 1 ? "" : "s"}`),
    ),
    h(
      "div",
      { className: "event-actions" },
      h("a", { className: "button secondary small", href: editUrl }, "Edit"),
      h(
        "a",
        { className: "button secondary small", href: `/event?id=${encodeURIComponent(event.event_id)}`, target: "_blank", rel: "noopener" },
        event.status === "draft" ? "Preview" : "Public page",
      ),
    ),
  );
}

async function loadEvents(): Promise<void> {
  try {
    const { events } = await answer(organizerClient.organizers.me.events.$get());
    list.replaceChildren(...events.map(eventRow));
    if (events.length === 0) {
      list.append(
        h(
          "div",
          { className: "empty-state" },
          h("h2", {}, "No events yet"),
          h("p", {}, "Create your first event: add tiers, draw a seat map, preview it, then publish when you're ready."),
          h("a", { className: "button", href: "/organizer/event?new=1" }, "Create an event"),
        ),
      );
    }
  } catch (error) {
    showStatus(status, problemMessage(error, "We could not load your events. Please reload the page."), "error");
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

function keyItem(key: ApiKey): HTMLElement {
  const revoke = h("button", { type: "button", className: "danger-outline small" }, "Revoke");
  revoke.addEventListener("click", async () => {
    const sure = await askToConfirm({
      title: `Revoke “${key.name}”?`,
      text: "Anything using this key stops working immediately. This cannot be undone.",
      confirm: "Revoke key",
      cancel: "Keep key",
      danger: true,
    });
    if (!sure) return;
    try {
      await whileBusy(revoke, "Revoking…", () =>
        answer(organizerClient.organizers.me["api-keys"][":keyId"].$delete({ param: { keyId: key.api_key_id } })),
      );
      showStatus(keyStatus, `Revoked “${key.name}”. It no longer works.`, "success");
      await loadKeys();
    } catch (error) {
      showStatus(keyStatus, problemMessage(error), "error");
    }
  });
  const used = key.last_used_at ? `last used ${dateFormat.format(new Date(key.last_used_at))}` : "never used";
  return h(
    "li",
    { "data-key-id": key.api_key_id },
    h(
      "div",
      {},
      h("strong", {}, key.name),
      h("div", { className: "meta" }, h("code", {}, `${key.prefix}…`), ` · created ${dateFormat.format(new Date(key.created_at))} · ${used}`),
    ),
    revoke,
  );
}

async function loadKeys(): Promise<void> {
  try {
    const { api_keys } = await answer(organizerClient.organizers.me["api-keys"].$get());
    keyList.replaceChildren(...api_keys.map(keyItem));
    if (api_keys.length === 0) keyList.append(h("li", { className: "meta empty-keys" }, "No active keys. Create one above when a script needs access."));
  } catch (error) {
    showStatus(keyStatus, problemMessage(error, "We could not load your API keys."), "error");
  }
}

keyForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = keyForm.elements.namedItem("name") as HTMLInputElement;
  const name = input.value.trim();
  clearFieldErrors(keyForm);
  showStatus(keyStatus, "");
  if (!name) {
    showFieldErrors(keyForm, [{ field: "name", message: "Give the key a name, so you know later what uses it." }]);
    input.focus();
    return;
  }
  try {
    const created = await whileBusy(keyForm.querySelector("button")!, "Creating…", () =>
      answer(organizerClient.organizers.me["api-keys"].$post({ json: { name } })),
    );
    input.value = "";
    showKeyOnce(created.api_key, "Copy your new key now: it won't be shown again.");
    await loadKeys();
  } catch (error) {
    showFormProblem(keyStatus, keyForm, error);
  }
});

function showKeyOnce(apiKey: string, note: string): void {
  document.querySelector<HTMLElement>("#key-reveal-note")!.textContent = note;
  reveal.hidden = false;
  revealSecret(
    document.querySelector<HTMLElement>("#new-key-value")!,
    document.querySelector<HTMLButtonElement>("#copy-new-key")!,
    document.querySelector<HTMLElement>("#copy-new-key-status")!,
    apiKey,
  );
}

/** Sign-up's hand-over: a welcome with first steps, and the account's key shown once under API keys. */
function welcomeNewAccount(): void {
  const account = takeNewAccount();
  if (!account) return;
  const panel = document.querySelector<HTMLElement>("#welcome")!;
  document.querySelector<HTMLElement>("#welcome-name")!.textContent = account.name;
  panel.hidden = false;
  document.querySelector("#dismiss-welcome")!.addEventListener("click", () => (panel.hidden = true));
  showKeyOnce(account.apiKey, "Your first API key, made with your account. Copy it now if a script needs it: it won't be shown again.");
  document.querySelector<HTMLElement>("#welcome-title")!.focus();
  history.replaceState(null, "", "/organizer/");
}

document.querySelector("#hide-key")!.addEventListener("click", () => {
  reveal.hidden = true;
  document.querySelector<HTMLElement>("#new-key-value")!.textContent = "";
  document.querySelector<HTMLElement>("#copy-new-key-status")!.textContent = "";
  document.querySelector<HTMLButtonElement>("#copy-new-key")!.textContent = "Copy";
});

clearErrorsOnEdit(keyForm);

async function main(): Promise<void> {
  let organization: CurrentOrganization | undefined;
  try {
    const organizer = await requireOrganizer();
    mountAccountBar(organizer, status);
    welcomeNewAccount();
    organization = await answer(organizerClient.organizations.current.$get());
    // Each section shows only what the caller's role may use (issue #15).
    const may = (action: CurrentOrganization["permissions"][number]) => organization!.permissions.includes(action);
    document.querySelector<HTMLElement>("#keys-panel")!.hidden = !may("api_key.manage");
    document.querySelector<HTMLElement>("#new-event")!.hidden = !may("event.write");
    mountTeam(organization, organizer);
    mountAuditLog(organization);
  } catch (error) {
    const message = error instanceof ApiProblem ? error.message : "We could not check your sign-in.";
    showStatus(status, message, "error");
    return;
  }
  await Promise.all([loadEvents(), organization.permissions.includes("api_key.manage") ? loadKeys() : undefined]);
}

void main();
