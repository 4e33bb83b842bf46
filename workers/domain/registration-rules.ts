/**
 * Whether a registration fits the event's sale window and the tier it names, before anything is
 * held: the rule register applies (workers/use-cases/register-order.ts), as plain data so the
 * use-case turns it into the API's answer.
 */

export interface SaleWindow {
  salesStartAt: Date | null;
  salesEndAt: Date | null;
  endsAt: Date;
}

export interface TierShape {
  kind: "general_admission" | "seated";
  maxPerOrder: number;
}

export interface RegistrationAsk {
  quantity: number;
  seats?: string[] | undefined;
  best_available?: boolean | undefined;
}

export type RegistrationRefusal =
  | { code: "SALES_NOT_OPEN"; message: string; salesStartAt: Date | null; salesEndAt: Date | null }
  | { code: "VALIDATION_FAILED"; field: string; message: string };

export function registrationRefusal(event: SaleWindow, tier: TierShape, ask: RegistrationAsk, now: Date): RegistrationRefusal | null {
  const notYet = event.salesStartAt !== null && now < event.salesStartAt;
  if (notYet || (event.salesEndAt && now >= event.salesEndAt) || now >= event.endsAt) {
    return {
      code: "SALES_NOT_OPEN",
      message: notYet ? `Sales open at ${event.salesStartAt!.toISOString()}.` : "Sales for this event have ended.",
      salesStartAt: event.salesStartAt,
      salesEndAt: event.salesEndAt,
    };
  }
  const invalid = (field: string, message: string): RegistrationRefusal => ({ code: "VALIDATION_FAILED", field, message });
  if (ask.quantity > tier.maxPerOrder) return invalid("quantity", `At most ${tier.maxPerOrder} tickets of this tier per order.`);
  if (tier.kind === "general_admission" && (ask.seats || ask.best_available)) {
    return invalid(ask.seats ? "seats" : "best_available", "This tier is general admission: it has no seats to choose.");
  }
  if (tier.kind === "seated" && !ask.seats && !ask.best_available) return invalid("seats", "Choose seats on the map, or ask for the best available ones.");
  if (ask.seats && new Set(ask.seats).size !== ask.quantity) return invalid("seats", "Choose exactly `quantity` different seats.");
  return null;
}
