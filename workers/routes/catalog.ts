/**
 * The attendees' catalog: published events, searched and paged, and one event with its tiers.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { findPublishedEvent, listPublishedEvents, listTiersOfEvents } from "../../db/queries/catalog";
import { findOwnedEvent, seatsOfTiers, soldSeatLabels } from "../../db/queries/organizer-events";
import { optionalOrganizer } from "../auth/organizer-auth";
import { can } from "../domain/roles";
import { inventoryOf } from "../inventory-client";
import type { AppEnv } from "../context";
import { instantOrDate, isoInstant } from "../date-input";
import { ApiError } from "../errors";
import { presentEvent, presentSeat, presentStage } from "../presenters/catalog";
import { tiersShownTo } from "../use-cases/promo-claims";
import { validate } from "../validation";

const PAGE_SIZE = 20;

const cursorSchema = z.tuple([isoInstant, z.uuid()]);

function encodeCursor(startsAt: Date, id: string): string {
  return btoa(JSON.stringify([startsAt.toISOString(), id])).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeCursor(cursor: string): { startsAt: Date; id: string } | undefined {
  try {
    const json = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const [startsAt, id] = cursorSchema.parse(JSON.parse(json));
    return { startsAt: new Date(startsAt), id };
  } catch {
    return undefined;
  }
}

/** An empty filter (`?city=`) means "any", as a cleared form field does. */
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => v || undefined);

const listQuery = z
  .object({
    q: optionalText(200),
    city: optionalText(100),
    category: optionalText(60),
    from: instantOrDate.optional(),
    to: instantOrDate.optional(),
    cursor: z
      .string()
      .max(200)
      .transform((value, ctx) => {
        const decoded = decodeCursor(value);
        if (!decoded) {
          ctx.addIssue({ code: "custom", message: "Not a cursor this API handed out." });
          return z.NEVER;
        }
        return decoded;
      })
      .optional(),
    limit: z.coerce.number().int().min(1).max(100).default(PAGE_SIZE),
  })
  .strict()
  .refine((v) => !v.from || !v.to || v.from <= v.to, { message: "`from` must not be after `to`.", path: ["to"] });

const eventParams = z.object({ eventId: z.string() });
/** `?promo_code=` shows the hidden tier the code unlocks (docs/promo-codes.md); other keys are ignored. */
const eventQuery = z.object({ promo_code: z.string().max(200).optional() });
const seatParams = z.object({ eventId: z.string(), tierId: z.uuid() });

export const catalogRoutes = new Hono<AppEnv>()
  .get("/", validate("query", listQuery), async (c) => {
    const query = c.req.valid("query");
    const now = new Date();
    const db = c.get("db");
    const rows = await listPublishedEvents(db, {
      q: query.q,
      city: query.city,
      category: query.category,
      from: query.from ?? now,
      to: query.to,
      after: query.cursor,
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const tiers = await listTiersOfEvents(db, page.map((e) => e.id));
    const last = page.at(-1);
    return c.json({
      events: page.map((event) => presentEvent(event, tiers.filter((t) => t.eventId === event.id), now)),
      next_cursor: rows.length > query.limit && last ? encodeCursor(last.startsAt, last.id) : null,
    });
  })
  .get("/:eventId", optionalOrganizer, validate("param", eventParams), validate("query", eventQuery), async (c) => {
    const event = await visibleEvent(c, c.req.valid("param").eventId);
    // A tier a promo code unlocks shows only to the event's organization, or with `?promo_code=` of a code that unlocks it.
    const tiers = await tiersShownTo(c.get("db"), event, c.get("principal")?.organization?.id, c.req.valid("query").promo_code, new Date());
    // Live availability (holds included) from each tier's TierInventory, once it has started selling.
    const live = await Promise.all(tiers.map((tier) => inventoryOf(c.env, tier.id).snapshot()));
    const withLive = tiers.map((tier, i) => (live[i]!.configured ? { ...tier, soldCount: tier.capacity - live[i]!.available } : tier));
    return c.json(presentEvent(event, withLive, new Date()));
  })
  .get("/:eventId/tiers/:tierId/seats", optionalOrganizer, validate("param", seatParams), async (c) => {
    const { eventId, tierId } = c.req.valid("param");
    const event = await visibleEvent(c, eventId);
    const db = c.get("db");
    const tier = (await listTiersOfEvents(db, [event.id])).find((t) => t.id === tierId);
    if (!tier) throw new ApiError("NOT_FOUND", "This event has no tier with this id.");
    // Live states come from the tier's TierInventory; before its first sale, from the ledger.
    const [seats, live, sold] = await Promise.all([seatsOfTiers(db, [tier.id]), inventoryOf(c.env, tier.id).seatStatuses(), soldSeatLabels(db, tier.id)]);
    return c.json({
      seats: seats.map((seat) => ({ ...presentSeat(seat), status: live[seat.label] ?? (sold.has(seat.label) ? ("sold" as const) : ("available" as const)) })),
      stage: presentStage(tier),
    });
  });

/** Published (or cancelled) events for everyone; drafts too for members of their organization, as a preview. */
async function visibleEvent(c: Context<AppEnv>, eventId: string) {
  const notFound = new ApiError("NOT_FOUND", "No published event has this id.");
  if (!z.uuid().safeParse(eventId).success) throw notFound;
  const db = c.get("db");
  const principal = c.get("principal");
  const preview = principal?.organization && principal.role && can(principal.role, "event.read") ? principal.organization.id : undefined;
  const event = (await findPublishedEvent(db, eventId)) ?? (preview ? await findOwnedEvent(db, eventId, preview) : undefined);
  if (!event) throw notFound;
  return event;
}
