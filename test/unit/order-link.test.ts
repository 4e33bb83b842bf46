import { describe, expect, it } from "vitest";
import { isOrderLinkExpired, orderLinkExpiresAt } from "../../workers/domain/order-link";

const DAY = 86_400_000;

describe("an order link", () => {
  const endsAt = Date.parse("2027-03-01T22:00:00Z");

  it("opens its order until 30 days after the event ends", () => {
    expect(new Date(orderLinkExpiresAt(endsAt)).toISOString()).toBe("2027-03-31T22:00:00.000Z");
    expect(isOrderLinkExpired(endsAt, endsAt - DAY)).toBe(false);
    expect(isOrderLinkExpired(endsAt, endsAt + 30 * DAY - 1)).toBe(false);
  });

  it("stops opening it from that moment on", () => {
    expect(isOrderLinkExpired(endsAt, endsAt + 30 * DAY)).toBe(true);
    expect(isOrderLinkExpired(endsAt, endsAt + 365 * DAY)).toBe(true);
  });
});
