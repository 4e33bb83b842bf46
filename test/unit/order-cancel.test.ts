import { describe, expect, it } from "vitest";
import { decideCancel } from "../../workers/domain/order-cancel";

const now = new Date("2026-05-01T10:00:00Z");
const later = new Date("2026-05-01T10:10:00Z");
const earlier = new Date("2026-05-01T09:59:59Z");

describe("whether a buyer may cancel their order", () => {
  it("cancels a pending order with a live hold, cancelling any intent nobody can pay any more", () => {
    expect(decideCancel("pending", later, undefined, now)).toEqual({ kind: "cancel", cancelIntent: false });
    for (const intent of ["requires_payment_method", "requires_confirmation", "requires_action"] as const) {
      expect(decideCancel("pending", later, intent, now)).toEqual({ kind: "cancel", cancelIntent: true });
    }
    expect(decideCancel("pending", later, "canceled", now)).toEqual({ kind: "cancel", cancelIntent: false });
  });

  it("answers a cancelled order as cancelled again", () => {
    expect(decideCancel("cancelled", null, "canceled", now)).toEqual({ kind: "already_cancelled" });
  });

  it("refuses a paid order, an expired one and a lapsed hold with ORDER_NOT_CANCELLABLE", () => {
    for (const status of ["confirmed", "refunded", "partially_refunded"] as const) {
      expect(decideCancel(status, null, "succeeded", now)).toMatchObject({ kind: "refuse", code: "ORDER_NOT_CANCELLABLE", orderStatus: status });
    }
    expect(decideCancel("expired", earlier, undefined, now)).toMatchObject({ kind: "refuse", code: "ORDER_NOT_CANCELLABLE", orderStatus: "expired" });
    expect(decideCancel("pending", now, undefined, now)).toMatchObject({ kind: "refuse", code: "ORDER_NOT_CANCELLABLE", orderStatus: "expired" });
  });

  it("refuses while a charge is processing or has gone through, with PAYMENT_IN_PROGRESS", () => {
    for (const intent of ["processing", "succeeded", "requires_capture"] as const) {
      expect(decideCancel("pending", later, intent, now)).toMatchObject({ kind: "refuse", code: "PAYMENT_IN_PROGRESS", orderStatus: "pending" });
    }
  });
});
