/**
 * An open waitlist offer, as the waitlist page and the offer page both show it: how long the
 * tickets stay held, and "Buy now", which accepts the offer and continues in the usual checkout.
 * The markup is the pages' `#offer` panel (countdown, bar, announcer, button, status line).
 */
import { ApiProblem, showStatus } from "./api.lib";
import { startCountdown, type Countdown } from "./checkout-countdown.lib";
import { problemMessage } from "./field-errors.lib";
import { acceptOfferAndCheckout } from "./waitlist-access.lib";

const $ = <T extends HTMLElement = HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

export interface OfferHold {
  stop(): void;
}

export function mountOfferHold(options: {
  offerToken: string;
  expiresAt: number;
  offerMinutes: number;
  attendeeName?: string;
  /** The countdown ran out, or accepting found the offer gone (410): the page re-reads its state. */
  onGone: () => void;
}): OfferHold {
  const button = $<HTMLButtonElement>("#buy-now");
  const status = $("#offer-status");
  let countdown: Countdown | undefined;
  let buying = false;
  const buy = async () => {
    if (buying) return;
    buying = true;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    const label = button.textContent;
    button.textContent = "Holding your tickets…";
    showStatus(status, "");
    try {
      await acceptOfferAndCheckout(options.offerToken, options.attendeeName);
      return; // leaving for the checkout
    } catch (error) {
      if (error instanceof ApiProblem && (error.code === "HOLD_EXPIRED" || error.code === "NOT_FOUND")) {
        countdown?.stop();
        options.onGone();
      } else {
        showStatus(status, problemMessage(error, "We could not reach Admit One. Press Buy now again: it is safe, you get one order."), "error");
      }
    }
    buying = false;
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = label;
  };
  button.onclick = () => void buy();
  countdown = startCountdown({
    expiresAt: options.expiresAt,
    startedAt: options.expiresAt - options.offerMinutes * 60_000,
    clock: $("#countdown"),
    bar: $("#hold-bar"),
    announcer: $("#hold-announcer"),
    onExpired: () => {
      if (!buying) options.onGone();
    },
  });
  return {
    stop() {
      countdown?.stop();
      button.onclick = null;
    },
  };
}

/** "Friday 3 July 2027, 19:30" in the event's own zone. */
export function formatEventStart(iso: string | null, timeZone: string | null): string {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "full", timeStyle: "short", timeZone: timeZone ?? undefined });
}
