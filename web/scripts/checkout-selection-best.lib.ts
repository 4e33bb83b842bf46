/**
 * "Best available" on a seated tier: asks the API which seats it would pick now (a preview, nothing
 * held), shows them chosen on the map and lists them, and offers to hold exactly those. The
 * attendee's name and email are asked for only when holding, so nobody meets field errors before
 * seeing their seats.
 */
import { ApiProblem } from "./api.lib";
import { answer, apiClient } from "./api-client.lib";
import { h } from "./elements.lib";
import { whileBusy } from "./form-controls.lib";
import { listSeats } from "./order-problems.lib";
import type { SeatPicker } from "./seat-picker.lib";

export interface BestAvailableOptions {
  eventId: string;
  tierId: string;
  picker: SeatPicker;
  quantity: HTMLSelectElement;
  /** Holds the seats now chosen on the map (the form's Continue). */
  hold: () => void;
}

export function bestAvailableControl(options: BestAvailableOptions): { element: HTMLElement; button: HTMLButtonElement } {
  const { picker, quantity } = options;
  const button = h("button", { type: "button", className: "secondary" }, "Find best seats");
  const listed = h("p", { className: "best-seats" });
  const holdButton = h("button", { type: "button" }, "Hold these seats");
  const proposal = h("div", { className: "best-proposal", hidden: true, role: "status", "aria-live": "polite" }, listed, h("div", { className: "actions" }, holdButton));
  const problem = h("p", { className: "seatmap-message problem", hidden: true, role: "alert" });
  holdButton.addEventListener("click", () => options.hold());
  button.addEventListener("click", () => void find());

  async function find(): Promise<void> {
    problem.hidden = true;
    proposal.hidden = true;
    try {
      const { seats } = await whileBusy(button, "Finding seats…", async () => {
        await picker.start();
        return answer(
          apiClient.events[":eventId"].tiers[":tierId"]["best-available"].$get({
            param: { eventId: options.eventId, tierId: options.tierId },
            query: { quantity: quantity.value },
          }),
        );
      });
      picker.propose(seats);
      listed.textContent = `Best available now: ${listSeats(picker.selection)}. They are shown on the map as your seats; nothing is held until you hold them.`;
      holdButton.textContent = seats.length === 1 ? "Hold this seat" : `Hold these ${seats.length} seats`;
      proposal.hidden = false;
    } catch (error) {
      problem.textContent =
        error instanceof ApiProblem && error.code === "SEAT_UNAVAILABLE"
          ? `No ${quantity.value} seats side by side are free right now. Choose seats on the map, or ask for fewer.`
          : error instanceof ApiProblem
            ? error.message
            : "We could not find seats just now. Please try again.";
      problem.hidden = false;
    }
  }

  const element = h(
    "div",
    { className: "best-available field" },
    h("span", { className: "label" }, "Don't mind where you sit?"),
    h("span", { className: "best-row" }, h("label", { htmlFor: quantity.id }, "Seats"), quantity, button),
    h("p", { className: "hint" }, "We pick the best seats still free, side by side where we can, and show them before anything is held."),
    problem,
    proposal,
  );
  return { element, button };
}
