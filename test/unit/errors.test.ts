import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiError, errorBody, errorStatus, validationFailed } from "../../workers/errors";
import { describeIssues } from "../../workers/validation";

describe("error codes", () => {
  it("include every code API.md promises, with its status", () => {
    expect(errorStatus).toMatchObject({
      VALIDATION_FAILED: 400,
      UNAUTHENTICATED: 401,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      SOLD_OUT: 409,
      SEAT_UNAVAILABLE: 409,
      IDEMPOTENCY_KEY_REUSED: 422,
      HOLD_EXPIRED: 410,
      PAYMENT_DECLINED: 402,
      REFUND_NOT_ALLOWED: 409,
      QUEUE_REQUIRED: 403,
      RATE_LIMITED: 429,
      INTERNAL: 500,
    });
    for (const code of Object.keys(errorStatus)) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
  });

  it("render as API.md's body with extra top-level fields", () => {
    const error = new ApiError("SOLD_OUT", "Sold out.", { waitlist_position: 4 });
    expect(error.status).toBe(409);
    expect(errorBody(error, "req-1")).toEqual({
      error: { code: "SOLD_OUT", message: "Sold out.", request_id: "req-1" },
      waitlist_position: 4,
    });
  });

  it("name each bad field of a validation failure", () => {
    const schema = z.object({ quantity: z.number().int().min(1), attendee: z.object({ email: z.email() }) }).strict();
    const parsed = schema.safeParse({ quantity: 0, attendee: { email: "nope" }, extra: true });
    expect(parsed.success).toBe(false);
    const details = describeIssues(parsed.error!.issues, "json");
    expect(details.map((d) => d.field).sort()).toEqual(["attendee.email", "extra", "quantity"]);
    expect(validationFailed(details).message).toContain("attendee.email");
  });
});
