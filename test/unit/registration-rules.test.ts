import { describe, expect, it } from "vitest";
import { registrationRefusal } from "../../workers/domain/registration-rules";

const now = new Date("2027-05-01T12:00:00Z");
const open = { salesStartAt: new Date("2027-04-01T00:00:00Z"), salesEndAt: null, endsAt: new Date("2027-06-01T00:00:00Z") };
const ga = { kind: "general_admission" as const, maxPerOrder: 4 };
const seated = { kind: "seated" as const, maxPerOrder: 4 };

describe("registrationRefusal", () => {
  it("lets a request that fits the window and the tier through", () => {
    expect(registrationRefusal(open, ga, { quantity: 4 }, now)).toBeNull();
    expect(registrationRefusal(open, seated, { quantity: 2, seats: ["A1", "A2"] }, now)).toBeNull();
    expect(registrationRefusal(open, seated, { quantity: 2, best_available: true }, now)).toBeNull();
  });

  it("refuses outside the sale window, saying when sales open", () => {
    const early = registrationRefusal({ ...open, salesStartAt: new Date("2027-05-02T00:00:00Z") }, ga, { quantity: 1 }, now);
    expect(early).toMatchObject({ code: "SALES_NOT_OPEN", message: "Sales open at 2027-05-02T00:00:00.000Z." });
    expect(registrationRefusal({ ...open, salesEndAt: now }, ga, { quantity: 1 }, now)).toMatchObject({ code: "SALES_NOT_OPEN", message: "Sales for this event have ended." });
    expect(registrationRefusal({ ...open, endsAt: now }, ga, { quantity: 1 }, now)).toMatchObject({ code: "SALES_NOT_OPEN" });
  });

  it("names the field a request gets wrong for its tier", () => {
    expect(registrationRefusal(open, ga, { quantity: 5 }, now)).toMatchObject({ code: "VALIDATION_FAILED", field: "quantity" });
    expect(registrationRefusal(open, ga, { quantity: 1, seats: ["A1"] }, now)).toMatchObject({ field: "seats" });
    expect(registrationRefusal(open, ga, { quantity: 1, best_available: true }, now)).toMatchObject({ field: "best_available" });
    expect(registrationRefusal(open, seated, { quantity: 1 }, now)).toMatchObject({ field: "seats" });
    expect(registrationRefusal(open, seated, { quantity: 2, seats: ["A1", "A1"] }, now)).toMatchObject({ field: "seats" });
  });
});
