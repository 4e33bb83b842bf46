/**
 * The organizer's side of events: create, list, edit, publish, cancel. Always scoped to the
 * caller's organization; another organization's event id answers exactly like an unknown one.
 * Edits that move a price or capacity, publishing and cancelling go to the audit log.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { findCancellation, type CancellationRow } from "../../db/queries/cancellations";
import { listTiersOfEvents } from "../../db/queries/catalog";
import { findOwnedEvent, listOwnedEvents, seatsOfTiers, tiersOfEvent } from "../../db/queries/organizer-events";
import { currentOrganizer } from "../auth/organizer-auth";
import { currentOrganization, currentPrincipal, requirePermission } from "../auth/permissions";
import { databaseSettings } from "../config";
import type { AppEnv } from "../context";
import { ApiError, validationFailed } from "../errors";
import { createEventInput, updateEventInput, type TierInput } from "../event-input";
import { configureInventory, inventoryOf } from "../inventory-client";
import { publishOutbox } from "../outbox-publisher";
import { presentOrganizerEvent } from "../presenters/catalog";
import { closeInventories } from "../use-cases/cancel-event";
import { cancelEvent, createEvent, publishEvent, updateEvent } from "../use-cases/manage-events";
import { validate } from "../validation";
import { tierChanges } from "../domain/event-changes";
import { recordAudit } from "../use-cases/audit-log";

const eventId = z.object({ eventId: z.string() });

function ownedEventId(c: Context<AppEnv>): string {
  const id = c.req.param("eventId") ?? "";
  if (!z.uuid().safeParse(id).success) throw new ApiError("NOT_FOUND", "You have no event with this id.");
  return id;
}

/**
 * Holds count too: a capacity below what is sold or held right now would strand buyers mid-checkout.
 * Every tier id is checked to be one of the caller's own event's tiers first, answering as for an
 * unknown id: the counts in the refusal are for the owner's eyes only.
 */
async function assertCapacityCoversLiveSales(c: Context<AppEnv>, eventId: string, tiers: TierInput[]): Promise<void> {
  const db = c.get("db");
  if (!(await findOwnedEvent(db, eventId, currentOrganization(c).id))) throw new ApiError("NOT_FOUND", "You have no event with this id.");
  const own = new Set((await tiersOfEvent(db, eventId)).map((t) => t.id));
  const foreign = tiers.flatMap((tier, position) =>
    tier.tier_id && !own.has(tier.tier_id) ? [{ field: `tiers.${position}.tier_id`, message: "This event has no tier with this id." }] : [],
  );
  if (foreign.length > 0) throw validationFailed(foreign);
  for (const tier of tiers) {
    if (!tier.tier_id) continue;
    const live = await inventoryOf(c.env, tier.tier_id).snapshot();
    const capacity = "seats" in tier ? tier.seats.length : tier.capacity;
    if (live.configured && capacity < live.sold + live.held) {
      throw new ApiError("CONFLICT", `"${tier.name}" has ${live.sold} sold and ${live.held} in checkout; its capacity cannot go below ${live.sold + live.held}.`);
    }
  }
}

export async function renderOwnedEvent(c: Context<AppEnv>, id: string) {
  const db = c.get("db");
  const event = await findOwnedEvent(db, id, currentOrganization(c).id);
  if (!event) throw new ApiError("NOT_FOUND", "You have no event with this id.");
  const tiers = await tiersOfEvent(db, event.id);
  const seats = await seatsOfTiers(db, tiers.filter((t) => t.kind === "seated").map((t) => t.id));
  return presentOrganizerEvent(event, tiers, seats, new Date());
}

// requirePermission goes on each route, not via use(): this sub-app shares the /events prefix with
// the public catalog, and a prefix-wide middleware would lock the catalog too.
export const organizerEventRoutes = new Hono<AppEnv>()
  .post("/", requirePermission("event.write"), validate("json", createEventInput), async (c) => {
    const owner = { organizerId: currentOrganizer(c).id, organizationId: currentOrganization(c).id };
    const id = await createEvent(databaseSettings(c.env), owner, c.req.valid("json"), new Date());
    await recordAudit(c.get("db"), currentPrincipal(c), { action: "event.created", eventId: id, target: { type: "event", id } });
    return c.json(await renderOwnedEvent(c, id), 201);
  })
  .patch("/:eventId", requirePermission("event.write"), validate("param", eventId), validate("json", updateEventInput), async (c) => {
    const id = ownedEventId(c);
    const input = c.req.valid("json");
    if (input.tiers) await assertCapacityCoversLiveSales(c, id, input.tiers);
    const before = input.tiers ? await renderOwnedEvent(c, id) : undefined;
    await updateEvent(databaseSettings(c.env), currentOrganization(c).id, id, input);
    const view = await renderOwnedEvent(c, id);
    const tiers = before ? tierChanges(before.tiers, view.tiers) : [];
    await recordAudit(c.get("db"), currentPrincipal(c), {
      action: "event.updated",
      eventId: id,
      target: { type: "event", id },
      details: { fields: Object.keys(input), ...(tiers.length > 0 ? { tiers } : {}) },
    });
    // Tiers already selling learn their new capacity and seats now, not at their next sale.
    if (view.status === "published") {
      await Promise.all(view.tiers.map((tier) => configureInventory(c.env, c.get("db"), id, tier.tier_id)));
    }
    return c.json(view);
  })
  .post("/:eventId/publish", requirePermission("event.write"), async (c) => {
    const id = ownedEventId(c);
    await publishEvent(databaseSettings(c.env), c.env.SIGNING_MASTER_KEY, currentOrganization(c).id, id, new Date());
    const view = await renderOwnedEvent(c, id);
    await recordAudit(c.get("db"), currentPrincipal(c), { action: "event.published", eventId: id, target: { type: "event", id } });
    // Every tier's TierInventory is ready before the first buyer arrives.
    await Promise.all(view.tiers.map((tier) => configureInventory(c.env, c.get("db"), id, tier.tier_id)));
    return c.json(view);
  })
  .post("/:eventId/cancel", requirePermission("event.cancel"), async (c) => {
    const id = ownedEventId(c);
    if (await cancelEvent(databaseSettings(c.env), currentOrganization(c).id, id, new Date())) {
      await recordAudit(c.get("db"), currentPrincipal(c), { action: "event.cancelled", eventId: id, target: { type: "event", id } });
    }
    // Stop selling now; the refunds follow in the background (GET .../cancellation shows progress).
    await closeInventories(c.env, c.get("db"), id);
    await publishOutbox(c.env).catch((error: unknown) => console.warn(JSON.stringify({ level: "warn", where: "outbox", error: String(error) })));
    const cancellation = await findCancellation(c.get("db"), id);
    return c.json({ ...(await renderOwnedEvent(c, id)), cancellation: cancellation ? presentCancellation(cancellation) : null });
  })
  .get("/:eventId/cancellation", requirePermission("event.read"), async (c) => {
    const id = ownedEventId(c);
    await renderOwnedEvent(c, id);
    const cancellation = await findCancellation(c.get("db"), id);
    if (!cancellation) throw new ApiError("NOT_FOUND", "This event has not been cancelled.");
    return c.json(presentCancellation(cancellation));
  });

/** A cancellation as GET .../cancellation answers it (never null there: it 404s first). */
function presentCancellation(row: CancellationRow) {
  return {
    status: row.status,
    orders_total: row.ordersTotal,
    orders_refunded: row.ordersRefunded,
    started_at: row.startedAt.toISOString(),
    finished_at: row.finishedAt?.toISOString() ?? null,
  };
}

export const myEventRoutes = new Hono<AppEnv>().get("/", requirePermission("event.read"), async (c) => {
  const db = c.get("db");
  const events = await listOwnedEvents(db, currentOrganization(c).id);
  const tiers = await listTiersOfEvents(db, events.map((e) => e.id));
  const now = new Date();
  return c.json({
    events: events.map((event) => presentOrganizerEvent(event, tiers.filter((t) => t.eventId === event.id), [], now)),
  });
});
