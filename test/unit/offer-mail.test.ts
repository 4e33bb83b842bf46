/**
 * The waitlist offer mail reads right for one ticket and for several, and gives its deadline with the
 * event's time zone.
 */
import { describe, expect, it } from "vitest";
import { waitlistOfferMail } from "../../workers/mail/waitlist-offer";

const facts = { entryId: "e1", offerToken: "wo_x", baseUrl: "https://tickets.example", to: "ada@example.test", attendeeName: "Ada", eventTitle: "Gig" };

describe("waitlist offer mail", () => {
  it("says '1 ticket is held' and names the zone of its deadline", () => {
    const mail = waitlistOfferMail({ ...facts, quantity: 1, seats: ["A1"], expiresAt: new Date(Date.UTC(2027, 6, 1, 17, 30)), timezone: "Europe/Lisbon" });
    expect(mail.text).toContain("1 ticket (seat A1) is held for you until 1 Jul 2027, 18:30 WEST.");
  });

  it("says 'are held' for several, listing the seats", () => {
    const mail = waitlistOfferMail({ ...facts, quantity: 3, seats: ["A1", "A2", "A3"], expiresAt: new Date(Date.UTC(2027, 0, 1, 9)), timezone: "UTC" });
    expect(mail.text).toContain("3 tickets (seats A1, A2 and A3) are held for you until 1 Jan 2027, 09:00 UTC.");
  });
});
