/**
 * The organizer's event lifecycle: create a draft, edit it, publish it, cancel it. Each runs in one
 * transaction with the event row locked, so two browser tabs saving at once apply one after the other.
 */
import { startCancellationRow } from "../../db/queries/cancellations";
import { enqueueOutbox } from "../../db/queries/outbox";
import { cancellationMessage } from "./cancel-event";
import { inTransaction, type DatabaseSettings, type Transaction } from "../../db/client";
import { isConstraintViolation, PG_CHECK_VIOLATION } from "../../db/constraint-errors";
import {
  deleteTier,
  insertEvent,
  insertTier,
  lockOwnedEvent,
  orderCountsByTier,
  replaceSeats,
  soldSeatLabels,
  tiersOfEvent,
  updateEventRow,
  updateTier,
  type EventInsert,
} from "../../db/queries/organizer-events";
import type { EventRow } from "../../db/queries/catalog";
import { checkTierPrices } from "../domain/currency";
import { checkEventTimes, checkPublishable } from "../domain/event-schedule";
import { stageProblems } from "../domain/seat-map-stage";
import { isAtLeastAsGenerous, normalizeRefundPolicy, type RefundPolicy } from "../domain/refund-policy";
import { ApiError, validationFailed } from "../errors";
import { ensureEventSigningKey } from "../tickets/signing-keys";
import { eventCancelled } from "../webhooks-out/events";
import { DEFAULT_PURCHASE_LIMITS, type CreateEventInput, type TierInput, type UpdateEventInput } from "../event-input";

const DEFAULT_WAITING_ROOM = { enabled: false, opens_minutes_before: 30, admit_per_minute: 600, max_active_shoppers: 1000, session_minutes: 10 };
const DEFAULT_WAITLIST = { enabled: false, offer_minutes: 30 };

const notFound = () => new ApiError("NOT_FOUND", "You have no event with this id.");

function assertTimes(event: Pick<EventRow, "startsAt" | "endsAt" | "salesStartAt" | "salesEndAt">): void {
  const problems = checkEventTimes(event);
  if (problems.length > 0) throw validationFailed(problems);
}

/** Prices against the currency they will be charged in (workers/domain/currency.ts). */
function assertPrices(currency: string, tiers: readonly { price: number; maxPerOrder: number }[]): void {
  const problems = checkTierPrices(currency, tiers);
  if (problems.length > 0) throw validationFailed(problems);
}

const pricesOf = (tiers: readonly TierInput[]) => tiers.map((t) => ({ price: t.price, maxPerOrder: t.max_per_order }));

/** `owner`: the organization that owns the event and the member (or API key's maker) who created it. */
export async function createEvent(settings: DatabaseSettings, owner: { organizerId: string; organizationId: string }, input: CreateEventInput, now: Date): Promise<string> {
  const values: EventInsert = {
    organizerId: owner.organizerId,
    organizationId: owner.organizationId,
    title: input.title,
    description: input.description,
    category: input.category,
    venueName: input.venue.name,
    venueCity: input.venue.city,
    venueAddress: input.venue.address,
    startsAt: input.starts_at,
    endsAt: input.ends_at,
    timezone: input.timezone,
    currency: input.currency,
    salesStartAt: input.sales_start_at ?? now,
    salesEndAt: input.sales_end_at ?? input.starts_at,
    holdMinutes: input.hold_minutes ?? 10,
    doorsOpenMinutesBefore: input.doors_open_minutes_before ?? 360,
    refundPolicy: normalizeRefundPolicy(input.refund_policy ?? { schedule: [] }),
    waitingRoom: input.waiting_room ?? DEFAULT_WAITING_ROOM,
    waitlist: input.waitlist ?? DEFAULT_WAITLIST,
    purchaseLimits: input.purchase_limits ?? DEFAULT_PURCHASE_LIMITS,
    status: "draft",
  };
  assertTimes({ startsAt: values.startsAt, endsAt: values.endsAt, salesStartAt: values.salesStartAt ?? null, salesEndAt: values.salesEndAt ?? null });
  assertPrices(input.currency, pricesOf(input.tiers));
  return inTransaction(settings, async (tx) => {
    const event = await insertEvent(tx, values);
    await syncTiers(tx, event, input.tiers);
    return event.id;
  });
}

export async function updateEvent(settings: DatabaseSettings, organizationId: string, eventId: string, input: UpdateEventInput): Promise<void> {
  try {
    await inTransaction(settings, async (tx) => {
      const event = await lockOwnedEvent(tx, eventId, organizationId);
      if (!event) throw notFound();
      if (event.status === "cancelled") throw new ApiError("CONFLICT", "A cancelled event can no longer be changed.");
      const live = event.status === "published";

      const changes: Partial<EventInsert> = {};
      if (input.title !== undefined) changes.title = input.title;
      if (input.description !== undefined) changes.description = input.description;
      if (input.category !== undefined) changes.category = input.category;
      if (input.venue) Object.assign(changes, { venueName: input.venue.name, venueCity: input.venue.city, venueAddress: input.venue.address });
      if (input.starts_at) changes.startsAt = input.starts_at;
      if (input.ends_at) changes.endsAt = input.ends_at;
      if (input.timezone) changes.timezone = input.timezone;
      if (input.sales_start_at !== undefined) changes.salesStartAt = input.sales_start_at;
      if (input.sales_end_at !== undefined) changes.salesEndAt = input.sales_end_at;
      if (input.hold_minutes !== undefined) changes.holdMinutes = input.hold_minutes;
      if (input.doors_open_minutes_before !== undefined) changes.doorsOpenMinutesBefore = input.doors_open_minutes_before;
      if (input.waiting_room) changes.waitingRoom = input.waiting_room;
      if (input.waitlist) changes.waitlist = input.waitlist;
      if (input.purchase_limits) changes.purchaseLimits = input.purchase_limits;
      if (input.currency && input.currency !== event.currency) {
        if (live) throw new ApiError("CONFLICT", "The currency of a published event cannot change.");
        changes.currency = input.currency;
      }
      if (input.refund_policy) {
        const next = normalizeRefundPolicy(input.refund_policy);
        if (live && !isAtLeastAsGenerous(event.refundPolicy as RefundPolicy, next)) {
          throw new ApiError("REFUND_POLICY_NARROWED", "A published refund policy may only become more generous: attendees bought under the old one.", {
            current_policy: event.refundPolicy,
          });
        }
        changes.refundPolicy = next;
      }
      const merged = { ...event, ...changes } as EventRow;
      assertTimes(merged);
      if (input.tiers) assertPrices(merged.currency, pricesOf(input.tiers));
      else if (changes.currency) assertPrices(merged.currency, await tiersOfEvent(tx, event.id));

      const updated = Object.keys(changes).length > 0 ? await updateEventRow(tx, event.id, changes) : event;
      if (input.tiers) await syncTiers(tx, updated, input.tiers);
    });
  } catch (error) {
    if (isConstraintViolation(error, PG_CHECK_VIOLATION, "ticket_tiers_sold_within_capacity")) {
      throw new ApiError("CONFLICT", "A tier's capacity cannot go below the tickets already sold.");
    }
    throw error;
  }
}

/**
 * Makes the event's tiers match `incoming`: entries with a tier_id update that tier, the others are
 * new, and tiers left out are removed unless orders reference them.
 */
async function syncTiers(tx: Transaction, event: EventRow, incoming: TierInput[]): Promise<void> {
  const existing = await tiersOfEvent(tx, event.id);
  const byId = new Map(existing.map((t) => [t.id, t]));
  const orderCounts = await orderCountsByTier(tx, existing.map((t) => t.id));
  const kept = new Set<string>();

  for (const [position, tier] of incoming.entries()) {
    const seated = "seats" in tier;
    const common = { name: tier.name, price: tier.price, maxPerOrder: tier.max_per_order, position, currency: event.currency };
    const capacity = seated ? tier.seats.length : tier.capacity;
    if (tier.tier_id) {
      const current = byId.get(tier.tier_id);
      if (!current) throw validationFailed([{ field: `tiers.${position}.tier_id`, message: "This event has no tier with this id." }]);
      if ((current.kind === "seated") !== seated) {
        throw validationFailed([{ field: `tiers.${position}`, message: "A tier cannot switch between general admission and a seat map." }]);
      }
      kept.add(current.id);
      if (seated) {
        const newLabels = new Set(tier.seats.map((s) => s.label));
        const missing = [...(await soldSeatLabels(tx, current.id))].filter((label) => !newLabels.has(label));
        if (missing.length > 0) {
          throw new ApiError("CONFLICT", `Seats already sold cannot be removed from the map: ${missing.slice(0, 10).join(", ")}.`);
        }
        await replaceSeats(tx, event.id, current.id, tier.seats);
        // A stage left out stays where it was saved, but must still clear the new seats.
        const problems = tier.stage === undefined && current.stage ? stageProblems(current.stage, tier.seats) : [];
        if (problems.length > 0) throw validationFailed(problems.map((message) => ({ field: `tiers.${position}.stage`, message: `The saved stage: ${message}` })));
      }
      await updateTier(tx, current.id, { ...common, capacity, ...(seated && tier.stage !== undefined ? { stage: tier.stage } : {}) });
    } else {
      const stage = seated ? (tier.stage ?? null) : null;
      const created = await insertTier(tx, { ...common, eventId: event.id, kind: seated ? "seated" : "general_admission", capacity, stage });
      if (seated) await replaceSeats(tx, event.id, created.id, tier.seats);
    }
  }

  for (const tier of existing) {
    if (kept.has(tier.id)) continue;
    if ((orderCounts.get(tier.id) ?? 0) > 0) {
      throw new ApiError("CONFLICT", `The tier "${tier.name}" has orders and cannot be removed; set it to sold out by lowering its capacity instead.`);
    }
    await deleteTier(tx, tier.id);
  }
}

/** Publishing also creates the event's ticket signing key, so its JWKS exists before any sale. */
export async function publishEvent(settings: DatabaseSettings, masterKey: string, organizationId: string, eventId: string, now: Date): Promise<void> {
  await inTransaction(settings, async (tx) => {
    const event = await lockOwnedEvent(tx, eventId, organizationId);
    if (!event) throw notFound();
    if (event.status === "published") return;
    if (event.status === "cancelled") throw new ApiError("CONFLICT", "A cancelled event cannot be published again.");
    const problems = checkPublishable(event, (await tiersOfEvent(tx, event.id)).length, now);
    if (problems.length > 0) throw validationFailed(problems, `This event cannot go on sale yet: ${problems.map((p) => p.message).join(" ")}`);
    await updateEventRow(tx, event.id, { status: "published", publishedAt: now });
    await ensureEventSigningKey(tx, masterKey, event.id);
  });
}

/** True when this call cancelled the event (false: it was cancelled already). */
export async function cancelEvent(settings: DatabaseSettings, organizationId: string, eventId: string, now: Date): Promise<boolean> {
  return inTransaction(settings, async (tx) => {
    const event = await lockOwnedEvent(tx, eventId, organizationId);
    if (!event) throw notFound();
    if (event.status === "cancelled") return false;
    await updateEventRow(tx, event.id, { status: "cancelled", cancelledAt: now });
    if (event.status === "published") {
      // Refunding every order is the background job's; it starts if and only if this commits.
      await startCancellationRow(tx, event.id);
      const message = cancellationMessage(event.id, "start");
      await enqueueOutbox(tx, "cancellation", message.dedupe_key, message);
      await eventCancelled(tx, event, now);
    }
    return true;
  });
}
