/**
 * "Best available", asked before committing: which seats register would choose right now, so the
 * page can show and list them. Nothing is held; the attendee then registers those seats by label,
 * and if one was taken in between, register's SEAT_UNAVAILABLE says which.
 */
import { listTiersOfEvents, findPublishedEvent } from "../../db/queries/catalog";
import { seatsOfTiers, soldSeatLabels } from "../../db/queries/organizer-events";
import type { HttpDatabase } from "../../db/client";
import { chooseBestAvailable } from "../domain/best-available";
import { inStageFrame } from "../domain/seat-map-stage";
import { ApiError, validationFailed } from "../errors";
import { inventoryOf } from "../inventory-client";

export interface BestAvailablePreviewRequest {
  quantity: number;
  accessible?: boolean;
}

export async function previewBestAvailable(env: Env, db: HttpDatabase, eventId: string, tierId: string, request: BestAvailablePreviewRequest): Promise<{ seats: string[] }> {
  const event = await findPublishedEvent(db, eventId);
  if (!event) throw new ApiError("NOT_FOUND", "No published event has this id.");
  const tier = (await listTiersOfEvents(db, [event.id])).find((t) => t.id === tierId);
  if (!tier) throw new ApiError("NOT_FOUND", "This event has no tier with this id.");
  if (tier.kind !== "seated") throw validationFailed([{ field: "tierId", message: "This tier is general admission: it has no seats to choose." }]);
  if (request.quantity > tier.maxPerOrder) {
    throw validationFailed([{ field: "quantity", message: `At most ${tier.maxPerOrder} seats can be bought in one order.` }]);
  }
  // The same live states the seat map shows: the tier's TierInventory, else the ledger.
  const [seats, live, sold] = await Promise.all([seatsOfTiers(db, [tier.id]), inventoryOf(env, tier.id).seatStatuses(), soldSeatLabels(db, tier.id)]);
  const states = seats.map((seat) => ({
    label: seat.label,
    section: seat.section,
    row: seat.row,
    number: seat.number,
    x: seat.x,
    y: seat.y,
    accessible: seat.accessible,
    available: (live[seat.label] ?? (sold.has(seat.label) ? "sold" : "available")) === "available",
  }));
  // Ranked from the stage, as the tier's TierInventory ranks them at register (inventory-client.ts).
  const chosen = chooseBestAvailable(inStageFrame(states, tier.stage), request);
  if (!chosen) {
    throw new ApiError("SEAT_UNAVAILABLE", `No ${request.quantity} seats side by side are free in ${tier.name} now. Choose seats on the map, or ask for fewer.`, { seats: [] });
  }
  return { seats: chosen };
}
