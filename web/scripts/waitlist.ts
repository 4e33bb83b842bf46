/**
 * `/waitlist?entry=<id>`: one place on a tier's waitlist. Shows the place in line and the status in
 * words, asking again every few seconds; when the turn comes, the held tickets with their countdown
 * and "Buy now"; "Leave the waitlist" behind a confirmation; and a clear ending for an entry that
 * bought, let its offer expire or left. The entry token arrives in the fragment from the join and
 * lives in localStorage (waitlist-access.lib).
 */
import { ApiProblem, showStatus } from "./api.lib";
import { readEvent, type SaleEvent } from "./api-client.lib";
import { askToConfirm } from "./confirm-dialog.lib";
import { problemMessage } from "./field-errors.lib";
import { formatMoney } from "./format.lib";
import { formatEventStart, mountOfferHold, type OfferHold } from "./offer-hold.lib";
import { entryIdFromUrl, entryNote, entryTokenFor, forgetEntry, leaveEntry, readEntry, type WaitlistEntry, type WaitlistStatus } from "./waitlist-access.lib";

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const status = $("#status");
const POLL_MS = 4000;

const STATUS_WORDS: Record<WaitlistStatus, string> = {
  waiting: "Waiting",
  offered: "Your turn",
  purchased: "Bought",
  expired: "Offer expired",
  left: "Left",
};

let event: SaleEvent | undefined;
let hold: OfferHold | undefined;
let heldToken: string | null = null;
let timer: number | undefined;

function tickets(entry: WaitlistEntry): string {
  const tier = event?.tiers.find((t) => t.tier_id === entry.tier_id);
  return `${entry.quantity} × ${tier?.name ?? entryNote(entry.entry_id)?.tier_name ?? "ticket"}`;
}

function ordinal(n: number): string {
  const rule = new Intl.PluralRules("en", { type: "ordinal" }).select(n);
  return `${n}${{ one: "st", two: "nd", few: "rd", other: "th", zero: "th", many: "th" }[rule]}`;
}

function wordsFor(entry: WaitlistEntry): string {
  switch (entry.status) {
    case "waiting":
      return entry.position === 1
        ? "You're first in line. The next tickets that come back are offered to you."
        : `You're ${ordinal(entry.position)} in line. When tickets come back they are offered to the people ahead of you first, then to you.`;
    case "offered":
      return "Your turn has come: tickets are held in your name. Buy them before the timer runs out.";
    case "purchased":
      return "You bought tickets from the waitlist. They are in your confirmation email.";
    case "expired":
      return "Your offer ran out before it was bought, so the tickets went to the next person in line.";
    case "left":
      return "You left the waitlist. Nothing is held for you.";
  }
}

function showEnded(entry: WaitlistEntry): void {
  const eventLink = `/event?id=${encodeURIComponent(entry.event_id)}`;
  const ended: Record<"purchased" | "expired" | "left", [string, string, string]> = {
    purchased: ["You're going!", "Your tickets and their QR codes are in your confirmation email; its link opens them on any device.", "Event details"],
    expired: ["This offer has expired", "If the event still has a waitlist you can join it again, at the back of the line.", "Back to the event"],
    left: ["You left the waitlist", "You can join again from the event page, at the back of the line.", "Back to the event"],
  };
  const [title, text, action] = ended[entry.status as keyof typeof ended];
  $("#ended-title").textContent = title;
  $("#ended-text").textContent = text;
  const link = $<HTMLAnchorElement>("#ended-action");
  link.href = eventLink;
  link.textContent = action;
  $("#ended").classList.toggle("outcome", entry.status !== "purchased");
  $("#ended").hidden = false;
}

function render(entry: WaitlistEntry, token: string): void {
  const badge = $("#entry-status");
  badge.textContent = STATUS_WORDS[entry.status];
  badge.className = `badge waitlist-${entry.status}`;
  $("#status-words").textContent = wordsFor(entry);
  $("#place-box").hidden = entry.status !== "waiting";
  $("#position").textContent = String(entry.position);
  $("#entry-tickets").textContent = tickets(entry);
  $("#entry-joined").textContent = new Date(entry.joined_at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  $("#headline").textContent = entry.status === "offered" ? "Your tickets are waiting" : "Your place on the waitlist";

  const offered = entry.status === "offered" && entry.offer_token !== null && entry.offer_expires_at !== null;
  $("#offer").hidden = !offered;
  if (offered && heldToken !== entry.offer_token) {
    hold?.stop();
    heldToken = entry.offer_token;
    const tier = event?.tiers.find((t) => t.tier_id === entry.tier_id);
    const seats = entry.offer_seats.length > 0 ? ` · seats ${entry.offer_seats.join(", ")}` : "";
    $("#offer-what").textContent = `${tickets(entry)}${seats}${tier ? ` · ${formatMoney(tier.price * entry.quantity, tier.currency)}` : ""}`;
    hold = mountOfferHold({
      offerToken: entry.offer_token!,
      expiresAt: Date.parse(entry.offer_expires_at!),
      offerMinutes: event?.waitlist?.offer_minutes ?? 30,
      attendeeName: entryNote(entry.entry_id)?.attendee_name,
      onGone: () => void refresh(entry.entry_id, token),
    });
  } else if (!offered) {
    hold?.stop();
    hold = undefined;
    heldToken = null;
  }

  const active = entry.status === "waiting" || entry.status === "offered";
  $(".waitlist-leave").hidden = !active;
  $("#poll-note").hidden = !active;
  if (!active) {
    showEnded(entry);
    // Nothing left to see or do with this entry's token.
    if (entry.status !== "purchased") forgetEntry(entry.entry_id);
  }
  $("#entry").hidden = false;
}

async function refresh(entryId: string, token: string): Promise<void> {
  window.clearTimeout(timer);
  try {
    const entry = await readEntry(entryId, token);
    showStatus(status, "");
    render(entry, token);
    if (entry.status === "waiting" || entry.status === "offered") timer = window.setTimeout(() => void refresh(entryId, token), POLL_MS);
  } catch (error) {
    if (error instanceof ApiProblem && (error.code === "UNAUTHENTICATED" || error.code === "NOT_FOUND")) {
      $("#entry").hidden = true;
      showStatus(status, "This link does not open a place on a waitlist. Join the waitlist again from the event page.", "error");
      return;
    }
    // A lost answer changes nothing on the server: say so, and keep asking.
    showStatus(status, "We could not reach Admit One to update your place. Your place is kept; this page tries again by itself.", "error");
    timer = window.setTimeout(() => void refresh(entryId, token), POLL_MS * 2);
  }
}

async function leave(entryId: string, token: string, offered: boolean): Promise<void> {
  const sure = await askToConfirm({
    title: "Leave the waitlist?",
    text: offered
      ? "The tickets held for you go to the next person in line at once. This cannot be undone."
      : "You lose your place in line. If you join again later, you start at the back.",
    confirm: "Leave the waitlist",
    cancel: "Stay on it",
    danger: true,
  });
  if (!sure) return;
  const button = $<HTMLButtonElement>("#leave");
  button.disabled = true;
  try {
    const entry = await leaveEntry(entryId, token);
    render(entry, token);
  } catch (error) {
    showStatus($("#leave-status"), problemMessage(error, "We could not take you off the waitlist. Please try again."), "error");
  }
  button.disabled = false;
}

async function main(): Promise<void> {
  const entryId = entryIdFromUrl();
  if (!entryId) {
    showStatus(status, "This link is missing its waitlist entry. Go back to the event to join the waitlist.", "error");
    return;
  }
  const token = entryTokenFor(entryId);
  if (!token) {
    showStatus(status, "This place on the waitlist can only be opened in the browser where you joined. Your place is kept either way, and we email you when your turn comes.", "error");
    return;
  }
  let first: WaitlistEntry;
  try {
    first = await readEntry(entryId, token);
  } catch {
    return refresh(entryId, token);
  }
  event = await readEvent(first.event_id).catch(() => undefined);
  const back = $<HTMLAnchorElement>("#back-link");
  back.href = `/event?id=${encodeURIComponent(first.event_id)}`;
  back.hidden = false;
  const title = event?.title ?? entryNote(entryId)?.event_title;
  $("#event-title").textContent = title ?? "Your event";
  if (title) document.title = `Waitlist: ${title} — Admit One`;
  $("#event-when").textContent = event ? formatEventStart(event.starts_at, event.timezone) : "";
  $("#leave").addEventListener("click", () => void leave(entryId, token, heldToken !== null));
  render(first, token);
  if (first.status === "waiting" || first.status === "offered") timer = window.setTimeout(() => void refresh(entryId, token), POLL_MS);
}

// Back from the checkout restores this page from the back/forward cache: ask again.
window.addEventListener("pageshow", (e) => e.persisted && location.reload());

void main();
