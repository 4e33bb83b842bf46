/**
 * `/offer#token=<offerToken>`: the page the offer mail links to. Shows what is held (event, tier,
 * quantity or seats, price) and for how long, and "Buy now", which accepts the offer and continues
 * in the usual checkout. An offer that ran out, was left or was already bought says so plainly; a
 * link that is not an offer says that too. The token is read from the fragment and wiped from the
 * address bar at once.
 */
import { ApiProblem, showStatus } from "./api.lib";
import { readEvent, type SaleEvent } from "./api-client.lib";
import { formatMoney } from "./format.lib";
import { listSeats } from "./order-problems.lib";
import { orderTokenFor } from "./order-access.lib";
import { formatEventStart, mountOfferHold } from "./offer-hold.lib";
import { describeOffer, offerTokenFromPage, type WaitlistOffer } from "./waitlist-access.lib";

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const status = $("#status");

function showEnded(title: string, text: string, href: string, action: string): void {
  $("#offer").hidden = true;
  $("#headline").textContent = title;
  $("#ended-title").textContent = title;
  $("#ended-text").textContent = text;
  const link = $<HTMLAnchorElement>("#ended-action");
  link.href = href;
  link.textContent = action;
  $("#ended").hidden = false;
}

function render(offer: WaitlistOffer, token: string, event: SaleEvent | undefined): void {
  const eventLink = `/event?id=${encodeURIComponent(offer.event_id)}`;
  if (offer.event_title) document.title = `Your offer: ${offer.event_title} — Admit One`;
  $("#event-title").textContent = offer.event_title ?? "Your event";
  $("#event-when").textContent = formatEventStart(offer.starts_at, offer.timezone);
  $("#offer-tickets").textContent = `${offer.quantity} × ${offer.tier_name}`;
  $("#offer-seats-row").hidden = offer.seats.length === 0;
  $("#offer-seats").textContent = listSeats(offer.seats);
  $("#offer-amount").textContent = formatMoney(offer.amount, offer.currency);
  $("#details").hidden = false;
  $("#ended").hidden = true;

  const live = offer.status === "offered" && offer.offer_expires_at !== null && Date.parse(offer.offer_expires_at) > Date.now();
  if (live) {
    $("#headline").textContent = "Your turn has come";
    $("#offer-what").textContent = offer.order_id ? "You started buying these already; Buy now picks up where you left off." : "";
    $("#offer").hidden = false;
    mountOfferHold({
      offerToken: token,
      expiresAt: Date.parse(offer.offer_expires_at!),
      offerMinutes: event?.waitlist?.offer_minutes ?? 30,
      onGone: () => void load(token, event),
    });
    return;
  }
  switch (offer.status) {
    case "purchased": {
      const mine = offer.order_id && orderTokenFor(offer.order_id);
      return mine
        ? showEnded("You bought these tickets", "Your tickets and their QR codes are ready.", `/order?order=${encodeURIComponent(offer.order_id!)}`, "See your tickets")
        : showEnded("You bought these tickets", "Your tickets and their QR codes are in your confirmation email.", eventLink, "Event details");
    }
    case "left":
      return showEnded("You left the waitlist", "This offer was passed on to the next person in line.", eventLink, "Back to the event");
    case "waiting":
      return showEnded("Not your turn yet", "Nothing is held for you at the moment. We email you when your turn comes.", eventLink, "Back to the event");
    default:
      return showEnded(
        "This offer has expired",
        "It was not bought in time, so the tickets were offered to the next person on the waitlist. If the event still has a waitlist, you can join it again.",
        eventLink,
        "Back to the event",
      );
  }
}

async function load(token: string, known?: SaleEvent): Promise<void> {
  let offer: WaitlistOffer;
  try {
    offer = await describeOffer(token);
  } catch (error) {
    $("#details").hidden = true;
    const message =
      error instanceof ApiProblem && error.code === "UNAUTHENTICATED"
        ? "This offer link is not valid. Open the link in your offer email again, exactly as it was sent."
        : error instanceof ApiProblem && error.code === "NOT_FOUND"
          ? "This offer no longer exists."
          : "We could not load your offer. Reload the page to try again; the tickets stay held until the timer in your email runs out.";
    showStatus(status, message, "error");
    return;
  }
  showStatus(status, "");
  const event = known ?? (await readEvent(offer.event_id).catch(() => undefined));
  render(offer, token, event);
}

async function main(): Promise<void> {
  const token = offerTokenFromPage();
  if (!token) {
    showStatus(status, "This link is missing its offer. Open the link in your offer email again.", "error");
    return;
  }
  await load(token);
}

// Back from the checkout restores this page from the back/forward cache: ask again.
window.addEventListener("pageshow", (e) => e.persisted && location.reload());

void main();
