/**
 * The event page's door (docs/door.md): how many are in, the attendee report with check-in times,
 * the check-in lists (the main entrance and any the organizer adds for some tiers) and the scanner
 * devices. Each live device shows its enrolment link as a QR code drawn here, in the browser, large
 * enough for a phone's camera to read off a laptop screen, so a phone becomes a scanner by pointing
 * it at the page.
 */
import QRCode from "qrcode";
import { ApiProblem, showStatus, type FieldProblem } from "./api.lib";
import { askToConfirm } from "./confirm-dialog.lib";
import { h } from "./elements.lib";
import { clearErrorsOnEdit, clearFieldErrors, problemMessage, showFieldErrors, showFormProblem } from "./field-errors.lib";
import { copyText, whileBusy } from "./form-controls.lib";
import { answer, type Answer } from "./api-client.lib";
import { eventApi, type EventApi, type EventCalls } from "./organizer-event-api.lib";

export type CheckinList = Answer<EventCalls["checkin-lists"]["$get"]>["checkin_lists"][number];
export type Device = Answer<EventCalls["devices"]["$get"]>["devices"][number];
type Stats = Answer<EventCalls["stats"]["$get"]>;

interface DoorEvent {
  event_id: string;
  status: string;
  tiers: { tier_id: string; name: string }[];
}

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const REFRESH_MS = 30_000;
const when = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** "2 minutes ago", "yesterday": how long since a device last spoke to us. */
export function timeAgo(iso: string, now = Date.now()): string {
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [["second", 60], ["minute", 60], ["hour", 24], ["day", 7], ["week", 4.35], ["month", 12]];
  let value = seconds;
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) return Math.abs(seconds) < 10 ? "just now" : relative.format(Math.round(value), unit);
    value /= size;
  }
  return relative.format(Math.round(value), "year");
}

/** The enrolment link as an SVG QR: level M and 4 quiet modules, as the ticket QRs. */
async function enrolmentQr(url: string, deviceName: string): Promise<SVGSVGElement | undefined> {
  const markup = await QRCode.toString(url, { type: "svg", errorCorrectionLevel: "M", margin: 4 });
  const root = new DOMParser().parseFromString(markup, "image/svg+xml").documentElement;
  if (root.localName !== "svg") return undefined;
  const svg = document.importNode(root, true) as unknown as SVGSVGElement;
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `QR code enrolling a phone as ${deviceName}`);
  svg.setAttribute("class", "device-qr-code");
  return svg;
}

export class DoorPanel {
  private event: DoorEvent | undefined;
  private lists: CheckinList[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    const listForm = $<HTMLFormElement>("#new-list");
    const deviceForm = $<HTMLFormElement>("#new-device");
    clearErrorsOnEdit(listForm);
    clearErrorsOnEdit(deviceForm);
    listForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.addList(listForm);
    });
    deviceForm.addEventListener("submit", (e) => {
      e.preventDefault();
      void this.addDevice(deviceForm);
    });
    $("#door-refresh").addEventListener("click", () => void this.refresh());
  }

  /** Shows the door for a published event (hides it otherwise) and keeps its counts fresh while the tab is in view. */
  async show(event: DoorEvent): Promise<void> {
    this.event = event;
    const panel = $("#door");
    panel.hidden = event.status !== "published";
    clearInterval(this.timer);
    if (panel.hidden) return;
    const base = this.api.base;
    $<HTMLAnchorElement>("#door-attendees-csv").href = `${base}/reports/attendees.csv`;
    $<HTMLAnchorElement>("#door-orders-csv").href = `${base}/reports/orders.csv`;
    $("#list-tiers").replaceChildren(
      ...event.tiers.map((tier) =>
        h("label", { className: "check" }, h("input", { type: "checkbox", name: "tier_ids", value: tier.tier_id }), tier.name),
      ),
    );
    await this.refresh();
    this.timer = setInterval(() => {
      if (document.visibilityState === "visible") void this.refresh();
    }, REFRESH_MS);
  }

  private get api(): EventApi {
    return eventApi(this.event!.event_id);
  }

  async refresh(): Promise<void> {
    if (!this.event) return;
    const { calls, param } = this.api;
    try {
      const [stats, { checkin_lists }, { devices }] = await Promise.all([
        answer(calls.stats.$get(param)),
        answer(calls["checkin-lists"].$get(param)),
        answer(calls.devices.$get(param)),
      ]);
      this.lists = checkin_lists;
      this.renderFigures(stats);
      this.renderLists();
      await this.renderDevices(devices);
    } catch (error) {
      showStatus($("#door-status"), problemMessage(error, "We could not load the door. Press Refresh to try again."), "error");
    }
  }

  private renderFigures(stats: Stats): void {
    const sold = stats.tiers.reduce((sum, tier) => sum + tier.sold, 0);
    $("#door-checked-in").textContent = String(stats.checked_in);
    $("#door-checked-in-of").textContent = `of ${plural(sold, "ticket")} sold checked in`;
  }

  private tierNames(ids: string[] | null): string {
    if (!ids) return "All tiers";
    const names = this.event!.tiers.filter((t) => ids.includes(t.tier_id)).map((t) => t.name);
    return names.length > 0 ? names.join(", ") : "No tier";
  }

  private renderLists(): void {
    $("#checkin-lists").replaceChildren(
      ...this.lists.map((list) =>
        h(
          "li",
          { className: "sales-row checkin-list-row", "data-list-id": list.checkin_list_id },
          h("div", { className: "sales-who" }, h("strong", {}, list.name), h("span", { className: "meta list-tiers" }, this.tierNames(list.tier_ids))),
          h("div", { className: "sales-money" }, h("span", { className: "list-count" }, `${list.checked_in} checked in`)),
          h("div", {}, list.main ? h("span", { className: "badge published", title: "Devices scan for this list unless told otherwise" }, "Main") : null),
        ),
      ),
    );
    const select = $<HTMLSelectElement>("#device-list");
    const chosen = select.value;
    select.replaceChildren(...this.lists.map((list) => h("option", { value: list.checkin_list_id }, list.main ? `${list.name} (all tiers)` : list.name)));
    if (this.lists.some((l) => l.checkin_list_id === chosen)) select.value = chosen;
  }

  private async renderDevices(devices: Device[]): Promise<void> {
    const list = $("#devices");
    if (devices.length === 0) {
      list.replaceChildren(h("li", { className: "empty-row" }, "No devices yet. Add one for each phone at the door."));
      return;
    }
    list.replaceChildren(...(await Promise.all(devices.map((device) => this.deviceRow(device)))));
  }

  private async deviceRow(device: Device): Promise<HTMLLIElement> {
    const revoked = device.revoked_at !== null;
    const counts = `${plural(device.scans, "scan")} · ${device.admitted} admitted · ${device.rejected} rejected · ${plural(device.conflicts, "conflict")}`;
    const seen = device.last_seen_at ? `Last seen ${timeAgo(device.last_seen_at)}` : "Not used yet";
    const info = h(
      "div",
      { className: "sales-who" },
      h("strong", { className: "device-name" }, device.name),
      h("span", { className: "meta device-list" }, `Scans for ${device.checkin_list_name}`),
      h("span", { className: "meta device-seen", title: device.last_seen_at ? when.format(new Date(device.last_seen_at)) : "" }, seen),
      h("span", { className: "meta device-counts" }, counts),
      revoked ? h("span", { className: "badge cancelled device-revoked" }, `Revoked ${when.format(new Date(device.revoked_at!))}`) : null,
    );
    const row = h("li", { className: revoked ? "device-row revoked" : "device-row", "data-device-id": device.device_id }, info);
    if (revoked || !device.enroll_url) return row;

    const url = device.enroll_url;
    const link = h("a", { className: "device-link", href: url, target: "_blank", rel: "noopener" }, url);
    const copy = h("button", { type: "button", className: "secondary small" }, "Copy link");
    const copied = h("span", { className: "meta", role: "status" });
    copy.addEventListener("click", async () => {
      const ok = await copyText(url, link);
      copied.textContent = ok ? "Copied." : "Selected: press Ctrl+C (⌘C on a Mac).";
    });
    const revoke = h("button", { type: "button", className: "danger-outline small" }, "Revoke");
    revoke.addEventListener("click", () => void this.revoke(device, revoke));
    const qr = await enrolmentQr(url, device.name);
    row.append(
      h("div", { className: "device-qr" }, qr ?? h("p", { className: "hint" }, "The QR code could not be drawn; use the link.")),
      h("div", { className: "device-enrol" }, link, h("div", { className: "button-row" }, copy, revoke), copied),
    );
    return row;
  }

  private async addList(form: HTMLFormElement): Promise<void> {
    clearFieldErrors(form);
    const name = $<HTMLInputElement>("#list-name").value.trim();
    const tierIds = [...form.querySelectorAll<HTMLInputElement>("input[name=tier_ids]:checked")].map((input) => input.value);
    const problems: FieldProblem[] = name ? [] : [{ field: "name", message: "Name the list, as door staff will see it (e.g. VIP gate)." }];
    if (problems.length > 0) return this.refuse(form, problems);
    try {
      const created = await whileBusy(form.querySelector("button")!, "Adding…", () =>
        answer(this.api.calls["checkin-lists"].$post({ ...this.api.param, json: tierIds.length > 0 ? { name, tier_ids: tierIds } : { name } })),
      );
      form.reset();
      await this.refresh();
      showStatus($("#door-status"), `Added the list “${created.name}”.`, "success");
    } catch (error) {
      showFormProblem($("#door-status"), form, error);
    }
  }

  private async addDevice(form: HTMLFormElement): Promise<void> {
    clearFieldErrors(form);
    const name = $<HTMLInputElement>("#device-name").value.trim();
    const listId = $<HTMLSelectElement>("#device-list").value;
    if (!name) return this.refuse(form, [{ field: "name", message: "Name the device, so you know which phone to revoke if it goes missing." }]);
    try {
      const created = await whileBusy(form.querySelector("button")!, "Adding…", () =>
        answer(this.api.calls.devices.$post({ ...this.api.param, json: listId ? { name, checkin_list_id: listId } : { name } })),
      );
      $<HTMLInputElement>("#device-name").value = "";
      await this.refresh();
      showStatus($("#door-status"), `Added “${created.name}”. Point the phone's camera at its QR code below, or send it the link.`, "success");
    } catch (error) {
      showFormProblem($("#door-status"), form, error);
    }
  }

  private refuse(form: HTMLFormElement, problems: FieldProblem[]): void {
    showStatus($("#door-status"), problems[0]!.message, "error");
    const { placed } = showFieldErrors(form, problems);
    placed[0]?.focus();
  }

  private async revoke(device: Device, button: HTMLButtonElement): Promise<void> {
    const sure = await askToConfirm({
      title: `Revoke “${device.name}”?`,
      text: "The phone stops admitting anyone at once when online, and at its next sync when offline. Its scans so far stay counted. A revoked device cannot be restored; add a new one instead.",
      confirm: "Revoke device",
      cancel: "Keep it",
      danger: true,
    });
    if (!sure) return;
    try {
      await whileBusy(button, "Revoking…", () =>
        answer(this.api.calls.devices[":deviceId"].$delete({ param: { eventId: this.event!.event_id, deviceId: device.device_id } })),
      );
      await this.refresh();
      showStatus($("#door-status"), `“${device.name}” is revoked.`, "success");
    } catch (error) {
      const gone = error instanceof ApiProblem && error.code === "NOT_FOUND";
      showStatus($("#door-status"), gone ? "This device no longer exists. Refresh to see the current list." : problemMessage(error), "error");
    }
  }
}
