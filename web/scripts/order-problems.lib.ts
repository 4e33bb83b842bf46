/**
 * What a failed purchase step means for the attendee, in words that say what happened to their
 * seats and their money and what to do next. The API's codes are stable, so the pages switch on
 * them; the API's own message is the fallback for anything not listed here.
 */
import { ApiProblem } from "./api.lib";
import { problemMessage } from "./field-errors.lib";

function labels(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** "D5", "D5 and D6", "D5, D6 and D7". */
export function listSeats(seats: readonly string[]): string {
  if (seats.length <= 1) return seats.join("");
  return `${seats.slice(0, -1).join(", ")} and ${seats.at(-1)}`;
}

/** The seats SEAT_UNAVAILABLE names as taken (empty when best-available found no block). */
export function takenSeats(error: unknown): string[] {
  return error instanceof ApiProblem && error.code === "SEAT_UNAVAILABLE" ? labels(error.body.seats) : [];
}

function formatSalesStart(iso: string, timeZone: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "full", timeStyle: "short", timeZone });
}

export interface RegisterContext {
  tierName: string;
  quantity: number;
  timeZone: string;
}

export function registerProblem(error: unknown, context: RegisterContext): string {
  if (!(error instanceof ApiProblem)) return "Something went wrong, and nothing is held yet. Please try again.";
  switch (error.code) {
    case "SOLD_OUT": {
      const left = typeof error.body.available === "number" ? error.body.available : 0;
      return left > 0
        ? `Only ${left} ${left === 1 ? "ticket is" : "tickets are"} left in ${context.tierName}. Choose ${left} or fewer.`
        : `${context.tierName} has just sold out. Nothing was charged.`;
    }
    case "SEAT_UNAVAILABLE": {
      const taken = labels(error.body.seats);
      return taken.length > 0
        ? `Sorry, ${listSeats(taken)} ${taken.length === 1 ? "was" : "were"} just taken by someone else. The map is updated: please pick other seats.`
        : `There are no longer ${context.quantity} seats together in ${context.tierName}. Pick seats on the map, or ask for fewer.`;
    }
    case "SALES_NOT_OPEN": {
      const opens = typeof error.body.sales_start_at === "string" && Date.parse(error.body.sales_start_at) > Date.now() ? error.body.sales_start_at : undefined;
      return opens ? `Ticket sales have not started yet. They open on ${formatSalesStart(opens, context.timeZone)}.` : "Ticket sales for this event have closed.";
    }
    case "VALIDATION_FAILED":
      return "Please check the highlighted details.";
    case "QUEUE_REQUIRED":
      return "Tickets for this event are being sold through a waiting room right now. Reload the page to join the queue.";
    case "NOT_FOUND":
      return "This event is no longer on sale.";
    case "NETWORK":
      return "We could not reach Admit One, so nothing is held yet. Check your connection and press Continue again: it is safe, you will not get two orders.";
    default:
      return problemMessage(error);
  }
}

const DECLINES: Record<string, string> = {
  insufficient_funds: "Your card has insufficient funds.",
  expired_card: "Your card has expired.",
  incorrect_cvc: "The card's security code is incorrect.",
  incorrect_number: "The card number is incorrect.",
  processing_error: "Your bank could not process the card just now.",
  card_velocity_exceeded: "Your card has reached its spending limit.",
};

/**
 * Lost, stolen and fraud declines deliberately read as a plain decline (Stripe's advice: never tell
 * a possible thief why); the code is still shown so a real cardholder can quote it to their bank.
 */
export function declineSentence(code: string | null | undefined): string {
  return (code && DECLINES[code]) || "Your card was declined.";
}

/** "8:42 PM": a time of today in the buyer's own clock, as the hold's countdown counts to it. */
export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });
}

/**
 * A declined card whose order keeps its hold: "Your card was declined — your seats are held until
 * 8:42 PM, try another card."
 */
export function declinedButHeld(code: string | null | undefined, holdExpiresAt: string, seated: boolean): string {
  const why = declineSentence(code).replace(/\.$/, "");
  return `${why} — your ${seated ? "seats are" : "tickets are"} held until ${clockTime(holdExpiresAt)}, try another card. Nothing was charged.`;
}

export function declineCode(error: unknown): string | undefined {
  if (!(error instanceof ApiProblem)) return undefined;
  const code = error.body.decline_code;
  return typeof code === "string" && code ? code : undefined;
}

export function wasRefunded(error: unknown): boolean {
  return error instanceof ApiProblem && error.body.refunded === true;
}

export function holdExpiredSentence(refunded: boolean): string {
  return refunded
    ? "Your hold ran out before the payment went through, so the seats went back on sale. Your payment has been refunded in full; your bank may take 5–10 days to show it."
    : "Your hold ran out and the tickets went back on sale. You have not been charged.";
}

export function payProblem(error: unknown): string {
  if (!(error instanceof ApiProblem)) return "Something went wrong. You have not been charged twice; please try again.";
  switch (error.code) {
    case "PAYMENT_DECLINED":
      return `${declineSentence(declineCode(error))} Nothing was charged.`;
    case "HOLD_EXPIRED":
      return holdExpiredSentence(wasRefunded(error));
    case "UNAUTHENTICATED":
      return "This checkout can only be opened in the browser tab where the tickets were chosen, or from the link in your confirmation email.";
    case "NOT_FOUND":
      return "We could not find this order.";
    case "VALIDATION_FAILED":
      return "Choose a payment method.";
    case "PAYMENT_DETAILS":
    case "PAYMENT_ACTION_REQUIRED":
      return `${error.message} Nothing was charged.`;
    default:
      return problemMessage(error);
  }
}
