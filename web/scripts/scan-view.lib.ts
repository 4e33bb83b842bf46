/**
 * What door staff see: a verdict that fills the screen (green: let them in; red: why not, in words),
 * the online/offline banner, the gate's counters, the last sync and the conflicts list. Only DOM
 * writes here, nothing that waits, so a verdict is on screen in the frame after it is decided.
 *
 * Contract the browser tests and the bench rely on (../shared/API.md, "Pages that tests drive"):
 * the verdict element carries `data-verdict="admit"|"reject"`, `data-reason` on reject, `data-seq`
 * (one more per scan) and, once painted, `data-verdict-ms` (from the code's submission to paint).
 */
import { h } from "./elements.lib";
import type { DoorMode } from "./scan-door.lib";
import type { ConflictRecord } from "./scan-store.lib";
import type { SyncSummary } from "./scan-sync.lib";
import type { DoorBundle, ScanReason, Verdict } from "./scan-verdict.lib";

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

export function timeOfDay(iso: string | undefined, timeZone?: string): string {
  if (!iso) return "earlier";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "earlier";
  const options: Intl.DateTimeFormatOptions = { hour: "2-digit", minute: "2-digit", second: "2-digit" };
  try {
    return date.toLocaleTimeString(undefined, timeZone ? { ...options, timeZone } : options);
  } catch {
    return date.toLocaleTimeString(undefined, options);
  }
}

/** The refusal in a few words for the headline, and a sentence that tells staff what happened. */
export function reasonWords(verdict: Verdict, bundle: DoorBundle): { title: string; detail: string } {
  const zone = bundle.event.timezone;
  const reason: ScanReason = verdict.reason ?? "bad_signature";
  switch (reason) {
    case "already_used":
      return {
        title: "Already used",
        detail: `Let in at ${timeOfDay(verdict.first_checked_in_at, zone)} by ${verdict.first_device?.name ?? "another device"}.`,
      };
    case "revoked":
      return { title: "Ticket cancelled", detail: "Refunded or reissued: this ticket is no longer valid." };
    case "wrong_event":
      return { title: "Wrong event", detail: "This ticket is for another event." };
    case "bad_signature":
      return { title: "Forged ticket", detail: "Not a ticket issued for this event: a fake or a damaged code." };
    case "wrong_list":
      return { title: "Wrong entrance", detail: `${verdict.tier ?? "This tier"} is not admitted at ${bundle.checkin_list.name}.` };
    case "not_yet_valid":
      return { title: "Doors not open yet", detail: `Tickets are valid from ${timeOfDay(bundle.event.doors_open_at, zone)}.` };
  }
}

export interface ShownScan {
  verdict: Verdict;
  nonce: string;
  offline: boolean;
  seq: number;
}

/** Replaces the verdict on screen; returns the new element (the undo button lives in it). */
export function showVerdict(scan: ShownScan, bundle: DoorBundle): HTMLElement {
  const { verdict } = scan;
  const admit = verdict.valid;
  const words = admit ? { title: "Admit", detail: "" } : reasonWords(verdict, bundle);
  const seat = verdict.seat ? `Seat ${verdict.seat}` : "";
  const element = h(
    "section",
    {
      className: `verdict ${admit ? "admit" : "reject"}`,
      "data-verdict": admit ? "admit" : "reject",
      "data-reason": admit ? undefined : (verdict.reason ?? "bad_signature"),
      "data-seq": scan.seq,
      "data-nonce": scan.nonce,
      "data-offline": scan.offline ? "true" : undefined,
      role: "alert",
    },
    h("div", { className: "verdict-mark", "aria-hidden": "true" }, admit ? "✓" : "✕"),
    h("h2", { className: "verdict-title" }, words.title),
    verdict.attendee_name ? h("p", { className: "verdict-name" }, verdict.attendee_name) : null,
    verdict.tier || seat ? h("p", { className: "verdict-ticket" }, [verdict.tier, seat].filter(Boolean).join(" · ")) : null,
    words.detail ? h("p", { className: "verdict-detail" }, words.detail) : null,
    scan.offline ? h("p", { className: "verdict-offline" }, "Checked on this phone") : null,
    h(
      "div",
      { className: "verdict-actions" },
      admit ? h("button", { type: "button", className: "undo", "data-action": "undo" }, "Undo") : null,
      h("button", { type: "button", className: "next", "data-action": "next" }, "Next"),
    ),
  );
  byId("verdict").replaceChildren(element);
  return element;
}

export function settleVerdict(element: HTMLElement): void {
  element.classList.add("settled");
}

export function clearVerdict(): void {
  byId("verdict").replaceChildren();
}

export function showUndone(element: HTMLElement): void {
  element.classList.replace("admit", "undone");
  element.dataset.undone = "true";
  element.querySelector(".verdict-title")!.textContent = "Undone — not let in";
  element.querySelector(".undo")?.remove();
}

export function showDoor(bundle: DoorBundle): void {
  byId("door-event").textContent = bundle.event.title;
  byId("door-gate").textContent = `${bundle.checkin_list.name} · ${bundle.device.name}`;
}

export function showMode(mode: DoorMode): void {
  document.documentElement.dataset.mode = mode;
  const banner = byId("mode");
  banner.className = `mode ${mode}`;
  banner.textContent = mode === "online" ? "Online" : "Offline — scans are checked on this phone and sent when the network is back";
}

export function showCounts(counts: { admitted: number; queued: number }): void {
  byId("admitted-count").textContent = String(counts.admitted);
  byId("queued-count").textContent = String(counts.queued);
  byId("queued").hidden = counts.queued === 0;
}

export function showSync(summary: SyncSummary): void {
  const status = byId("sync-status");
  status.dataset.sent = String(summary.sent);
  status.dataset.conflicts = String(summary.conflicts);
  const conflicts = summary.conflicts === 1 ? "1 conflict" : `${summary.conflicts} conflicts`;
  status.textContent = `Sent ${summary.sent} offline ${summary.sent === 1 ? "scan" : "scans"} at ${timeOfDay(summary.at)}: ${summary.admitted} admitted, ${summary.refused} refused, ${conflicts}.`;
}

/** Every conflict this phone was told of, newest first: someone got in twice on one ticket. */
export function showConflicts(all: readonly ConflictRecord[], bundle: DoorBundle): void {
  const count = byId("conflict-count");
  count.textContent = String(all.length);
  byId("conflicts-box").hidden = all.length === 0;
  const sorted = [...all].sort((a, b) => b.scanned_at.localeCompare(a.scanned_at));
  byId("conflicts").replaceChildren(
    ...sorted.map((c) =>
      h(
        "li",
        { "data-ticket-id": c.ticket_id ?? "" },
        h("strong", {}, c.attendee_name ?? "Unknown ticket"),
        ` ${[c.tier, c.seat ? `seat ${c.seat}` : ""].filter(Boolean).join(" · ")} — let in here offline at ${timeOfDay(c.scanned_at, bundle.event.timezone)}, `,
        `already let in at ${timeOfDay(c.first_checked_in_at, bundle.event.timezone)} by ${c.first_device?.name ?? "another device"}.`,
      ),
    ),
  );
}

export function showNotice(message: string): void {
  byId("notice").textContent = message;
}

/** The device was revoked (or never enrolled): no more scanning on this phone. */
export function showStopped(title: string, detail: string): void {
  document.documentElement.dataset.stopped = "true";
  byId("stopped-title").textContent = title;
  byId("stopped-detail").textContent = detail;
  byId("stopped").hidden = false;
  byId("scanner").hidden = true;
  clearVerdict();
}
