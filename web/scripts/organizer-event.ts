/**
 * The event editor (`/organizer/event?id=…`, or `?new=1`): loads the organizer's event, saves it
 * (POST for a new event, PATCH after), previews, publishes and cancels, always showing the status
 * the API last reported. Published and cancelled events also list their orders (with refunds) and
 * waitlist, and a cancellation's refunds are followed live (organizer-orders.lib); published events
 * also show the door: check-ins, check-in lists and scanner devices (organizer-door.lib). Saved events
 * show their promo codes to roles that may read them (organizer-promo.lib).
 */
import { ApiProblem, showStatus } from "./api.lib";
import type { InferRequestType } from "hono/client";
import { answer } from "./api-client.lib";
import { askToConfirm } from "./confirm-dialog.lib";
import { clearErrorsOnEdit, clearFieldErrors, problemMessage, showFieldErrors, showFormProblem } from "./field-errors.lib";
import { whileBusy } from "./form-controls.lib";
import { describeTimes, fillEventForm, prepareChoices, readEventForm, RefundRows, syncToggles } from "./organizer-event-form.lib";
import { DoorPanel } from "./organizer-door.lib";
import { isSeated, statusBadge, type OrganizerEvent } from "./organizer-events.lib";
import { PromoPanel } from "./organizer-promo.lib";
import { followCancellation, SalesPanel, type Cancellation } from "./organizer-orders.lib";
import { mountAccountBar, organizerClient, requireOrganizer } from "./organizer-session.lib";
import { TierList } from "./organizer-tiers.lib";

const form = document.querySelector<HTMLFormElement>("#event-form")!;
const editable = document.querySelector<HTMLFieldSetElement>("#editable")!;
const status = document.querySelector<HTMLElement>("#status")!;
const heading = document.querySelector<HTMLElement>("#heading")!;
const statusDetail = document.querySelector<HTMLElement>("#status-detail")!;
const dirtyNote = document.querySelector<HTMLElement>("#dirty")!;
const saveButton = document.querySelector<HTMLButtonElement>("#save")!;
const publishButton = document.querySelector<HTMLButtonElement>("#publish")!;
const cancelButton = document.querySelector<HTMLButtonElement>("#cancel-event")!;
const preview = document.querySelector<HTMLAnchorElement>("#preview")!;

let event: OrganizerEvent | undefined;
let dirty = false;
const sales = new SalesPanel();
const door = new DoorPanel();
const promo = new PromoPanel();

function markDirty(value: boolean): void {
  dirty = value;
  dirtyNote.textContent = value ? "Unsaved changes" : event ? "All changes saved" : "";
  dirtyNote.classList.toggle("unsaved", value);
  if (event) preview.title = value ? "The preview shows the last saved version." : "";
}

const tiers = new TierList(document.querySelector<HTMLElement>("#tiers")!, () => markDirty(true));
const refunds = new RefundRows(
  document.querySelector<HTMLElement>("#refund-rows")!,
  document.querySelector<HTMLElement>("#refund-summary")!,
  () => markDirty(true),
);

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function showEventStatus(): void {
  const badge = document.querySelector<HTMLElement>("#status-badge")!;
  const state = event?.status;
  const fresh = state ? statusBadge(state) : Object.assign(document.createElement("span"), { className: "badge draft", textContent: "New" });
  fresh.id = "status-badge";
  fresh.dataset.status = state ?? "new";
  badge.replaceWith(fresh);
  heading.textContent = event ? event.title || "Untitled event" : "New event";
  document.title = `${event ? event.title : "New event"} — Admit One organizers`;
  statusDetail.textContent =
    state === "published"
      ? `Published${event?.published_at ? ` ${dateFormat.format(new Date(event.published_at))}` : ""}. Attendees can find it and buy tickets during the sales window.`
      : state === "cancelled"
        ? `Cancelled${event?.cancelled_at ? ` ${dateFormat.format(new Date(event.cancelled_at))}` : ""}. Every order is refunded in full; the event can no longer be edited.`
        : state === "draft"
          ? "Draft: only you can see it. Preview it, then publish when it's ready."
          : "Fill in the details and save a draft. Nothing is public until you publish.";
  saveButton.textContent = event ? "Save changes" : "Create draft";
  saveButton.hidden = state === "cancelled";
  publishButton.hidden = state !== "draft";
  cancelButton.hidden = !event || state === "cancelled";
  preview.hidden = !event;
  if (event) {
    preview.href = `/event?id=${encodeURIComponent(event.event_id)}`;
    preview.textContent = state === "draft" ? "Preview public page" : "Open public page";
  }
  editable.disabled = state === "cancelled";
  const live = document.querySelector<HTMLAnchorElement>("#live-view")!;
  live.hidden = state !== "published";
  if (event) live.href = `/organizer/live?id=${encodeURIComponent(event.event_id)}`;
  document.querySelector<HTMLElement>("#refund-published")!.hidden = state !== "published";
}

function show(loaded: OrganizerEvent | undefined): void {
  event = loaded;
  fillEventForm(form, event, refunds);
  tiers.load(event?.tiers ?? [], event?.currency ?? form.querySelector<HTMLSelectElement>("#currency")!.value, event?.status === "cancelled");
  showEventStatus();
  markDirty(false);
}

/**
 * The owner's view of one event: the organizer's event list is the one answer that carries the
 * organizer fields (sold counts, timestamps) and proves ownership (GET /events/{id} shows any
 * published event to anyone); seat maps come from each seated tier's seat list.
 */
async function loadEvent(id: string): Promise<OrganizerEvent> {
  const { events } = await answer(organizerClient.organizers.me.events.$get());
  const mine = events.find((e) => e.event_id === id);
  if (!mine) throw new ApiProblem("NOT_FOUND", "You have no event with this id.", 404);
  const tiers = await Promise.all(
    mine.tiers.map(async (tier) => {
      if (!isSeated(tier) || (tier.seats?.length ?? 0) > 0) return tier;
      const { seats } = await answer(organizerClient.events[":eventId"].tiers[":tierId"].seats.$get({ param: { eventId: id, tierId: tier.tier_id } }));
      return { ...tier, seats };
    }),
  );
  return { ...mine, tiers };
}

/**
 * The form sends what was typed, blanks included, and lets the API name each missing or bad field
 * (VALIDATION_FAILED's details land at the fields): its body is the routes' input only once valid.
 */
type CreateBody = InferRequestType<typeof organizerClient.events.$post>["json"];
type EditBody = InferRequestType<(typeof organizerClient.events)[":eventId"]["$patch"]>["json"];

/** Saves the form; true when the API accepted it. */
async function save(): Promise<boolean> {
  clearFieldErrors(form);
  const { body, problems } = readEventForm(form, refunds, tiers.read(), event !== undefined);
  if (problems.length > 0) {
    showStatus(status, `Please fix ${problems.length === 1 ? "the highlighted field" : `the ${problems.length} highlighted fields`} before saving.`, "error");
    const { placed } = showFieldErrors(form, problems);
    placed[0]?.scrollIntoView({ block: "center", behavior: "smooth" });
    placed[0]?.focus({ preventScroll: true });
    return false;
  }
  try {
    const saved = await whileBusy(saveButton, "Saving…", () =>
      event
        ? answer(organizerClient.events[":eventId"].$patch({ param: { eventId: event.event_id }, json: body as EditBody }))
        : answer(organizerClient.events.$post({ json: body as CreateBody })),
    );
    const created = !event;
    show(saved);
    if (created) history.replaceState(null, "", `/organizer/event?id=${encodeURIComponent(saved.event_id)}`);
    if (created) void promo.show(saved);
    showStatus(status, created ? "Draft created. Preview it, then publish when you're ready." : "Changes saved.", "success");
    return true;
  } catch (error) {
    showFormProblem(status, form, error);
    return false;
  }
}

type ActedEvent = OrganizerEvent & { cancellation?: Cancellation | null };

async function act(button: HTMLButtonElement, busyText: string, action: "publish" | "cancel", done: string): Promise<ActedEvent | undefined> {
  if (!event) return undefined;
  try {
    const updated = await whileBusy(button, busyText, () =>
      answer(organizerClient.events[":eventId"][action].$post({ param: { eventId: event!.event_id } })),
    );
    show(updated);
    showStatus(status, done, action === "publish" ? "success" : "info");
    status.scrollIntoView({ block: "center", behavior: "smooth" });
    return updated;
  } catch (error) {
    showFormProblem(status, form, error);
    return undefined;
  }
}

/** Follows the refunds of a cancelled event until every order is refunded, then lists the orders as refunded. */
async function showCancellation(eventId: string, first?: Cancellation | null): Promise<void> {
  await sales.load(eventId, "cancelled");
  if (await followCancellation(eventId, first)) await sales.load(eventId, "cancelled");
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  void save();
});

publishButton.addEventListener("click", async () => {
  if (dirty && !(await save())) return;
  const published = await act(publishButton, "Publishing…", "publish", "Published. Attendees can now find this event and buy tickets.");
  if (published) {
    void sales.load(published.event_id, published.status);
    void door.show(published);
    void promo.show(published);
  }
});

cancelButton.addEventListener("click", async () => {
  const published = event?.status === "published";
  const paid = sales.paidOrders;
  const sure = await askToConfirm({
    title: `Cancel “${event?.title}”?`,
    text: published
      ? `Ticket sales stop at once and every order is refunded in full${paid > 0 ? `: ${paid === 1 ? "1 paid order goes" : `${paid} paid orders go`} back to the attendees' cards` : ""}. This cannot be undone.`
      : "The draft will be marked cancelled and can no longer be published. This cannot be undone.",
    confirm: "Cancel event",
    cancel: "Keep event",
    danger: true,
  });
  if (!sure) return;
  const cancelled = await act(cancelButton, "Cancelling…", "cancel", "The event is cancelled. Every order is being refunded in full.");
  if (!cancelled) return;
  void door.show(cancelled);
  void promo.show(cancelled);
  await showCancellation(cancelled.event_id, cancelled.cancellation);
});

/** Sales close when the event starts unless set otherwise, so moving the start moves that close too. */
let startsAtBefore = "";
form.addEventListener("focusin", (e) => {
  if ((e.target as HTMLElement).id === "starts_at") startsAtBefore = (e.target as HTMLInputElement).value;
});

form.addEventListener("input", (e) => {
  const target = e.target as HTMLElement;
  // The seat-map tools' own inputs (grid size, a label being typed) change nothing until applied.
  if (target.closest(".seatmap-editor")) return;
  markDirty(true);
  if (target.id === "starts_at") {
    const salesEnd = form.querySelector<HTMLInputElement>("#sales_end_at")!;
    if (salesEnd.value && salesEnd.value === startsAtBefore) salesEnd.value = (target as HTMLInputElement).value;
    startsAtBefore = (target as HTMLInputElement).value;
  }
  if (target.matches("[type=datetime-local], #timezone")) describeTimes(form);
});
form.addEventListener("change", (e) => {
  const target = e.target as HTMLElement;
  if (target.closest(".seatmap-editor")) return;
  markDirty(true);
  if (target.matches("#timezone")) describeTimes(form);
  if (target.matches("#currency")) tiers.setCurrency((target as HTMLSelectElement).value);
  if (target.matches("input[type=checkbox]")) syncToggles(form);
});
document.querySelector("#add-ga")!.addEventListener("click", () => tiers.add("general_admission"));
document.querySelector("#add-seated")!.addEventListener("click", () => tiers.add("seated"));
document.querySelector("#add-refund")!.addEventListener("click", () => refunds.add());
window.addEventListener("beforeunload", (e) => {
  if (dirty) e.preventDefault();
});

async function main(): Promise<void> {
  prepareChoices(form);
  clearErrorsOnEdit(form);
  try {
    mountAccountBar(await requireOrganizer(), status);
    const id = new URLSearchParams(location.search).get("id");
    show(id ? await loadEvent(id) : undefined);
    form.hidden = false;
    if (event?.status === "cancelled") void showCancellation(event.event_id);
    else if (event) void sales.load(event.event_id, event.status);
    if (event) void door.show(event);
    if (event) void promo.show(event);
  } catch (error) {
    const message =
      error instanceof ApiProblem && error.code === "NOT_FOUND"
        ? "We could not find this event in your account. It may belong to another organizer, or the link is wrong."
        : problemMessage(error, "We could not load this event. Please reload the page.");
    showStatus(status, message, "error");
  }
}

void main();
