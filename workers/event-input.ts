/**
 * The shape of an event as organizers send it (POST creates, PATCH takes any subset), validated
 * at the edge. Defaults are applied when an event is created, not here, so PATCH stays partial.
 */
import { z } from "zod";
import { instant } from "./date-input";
import { currencyOf } from "./domain/currency";
import { stageProblems } from "./domain/seat-map-stage";

const timezone = z
  .string()
  .min(1)
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "Use an IANA time zone such as Europe/Lisbon.");

const money = z.number().int("Prices are integers in minor units (cents).").min(0).max(100_000_000);

export const refundPolicyInput = z
  .object({
    schedule: z
      .array(
        z.object({ until_hours_before_start: z.number().int().min(0).max(24 * 365 * 2), percent: z.number().int().min(0).max(100) }).strict(),
      )
      .max(12),
  })
  .strict();

export const waitingRoomInput = z
  .object({
    enabled: z.boolean(),
    opens_minutes_before: z.number().int().min(0).max(24 * 60).default(30),
    admit_per_minute: z.number().int().min(1).max(100_000).default(600),
    max_active_shoppers: z.number().int().min(1).max(100_000).default(1000),
    session_minutes: z.number().int().min(1).max(60).default(10),
  })
  .strict();

export const waitlistInput = z
  .object({ enabled: z.boolean(), offer_minutes: z.number().int().min(5).max(24 * 60).default(30) })
  .strict();

/** Units one buyer (email) or one client address may hold at once in the event (workers/domain/buyer-limits.ts). */
export const DEFAULT_PURCHASE_LIMITS = { max_held_per_buyer: 10, max_held_per_ip: 30 };

export const purchaseLimitsInput = z
  .object({
    max_held_per_buyer: z.number().int().min(1).max(1_000).default(DEFAULT_PURCHASE_LIMITS.max_held_per_buyer),
    max_held_per_ip: z.number().int().min(1).max(100_000).default(DEFAULT_PURCHASE_LIMITS.max_held_per_ip),
  })
  .strict();

/** The event's stored limits, defaults filled in (events made before limits existed have none). */
export function purchaseLimitsOf(event: { purchaseLimits: unknown }): { maxHeldPerBuyer: number; maxHeldPerClient: number } {
  const stored = (event.purchaseLimits ?? {}) as Partial<typeof DEFAULT_PURCHASE_LIMITS>;
  return {
    maxHeldPerBuyer: stored.max_held_per_buyer ?? DEFAULT_PURCHASE_LIMITS.max_held_per_buyer,
    maxHeldPerClient: stored.max_held_per_ip ?? DEFAULT_PURCHASE_LIMITS.max_held_per_ip,
  };
}

export const seatInput = z
  .object({
    label: z.string().trim().min(1).max(20),
    section: z.string().trim().max(60).default(""),
    row: z.string().trim().max(20).default(""),
    number: z.number().int().min(0).max(100_000),
    x: z.number().finite().min(-100_000).max(100_000),
    y: z.number().finite().min(-100_000).max(100_000),
    accessible: z.boolean().default(false),
  })
  .strict();

const coordinate = z.number().finite().min(-100_000).max(100_000);

/** A seated tier's stage: a rectangle in the seat map's coordinates (workers/domain/seat-map-stage.ts). */
export const stageInput = z
  .object({
    x: coordinate,
    y: coordinate,
    width: z.number().finite().min(1).max(100_000),
    height: z.number().finite().min(1).max(100_000),
    label: z
      .string()
      .trim()
      .min(1, "Give the stage a name, such as Stage.")
      .max(40)
      .refine((label) => !/[\u0000-\u001f\u007f]/.test(label), "The stage's name cannot contain control characters.")
      .default("Stage"),
  })
  .strict();

const tierCommon = {
  tier_id: z.uuid().optional(),
  name: z.string().trim().min(1).max(80),
  price: money,
  max_per_order: z.number().int().min(1).max(50).default(10),
};

export const gaTierInput = z.object({ ...tierCommon, capacity: z.number().int().min(1).max(1_000_000) }).strict();
/** `stage`: left out keeps a saved tier's stage, null removes it (the picker then draws it above the front row). */
export const seatedTierInput = z
  .object({ ...tierCommon, seats: z.array(seatInput).min(1).max(20_000), stage: stageInput.nullable().optional() })
  .strict()
  .superRefine((tier, ctx) => {
    if (!tier.stage) return;
    for (const message of stageProblems(tier.stage, tier.seats)) ctx.addIssue({ code: "custom", path: ["stage"], message });
  });

/**
 * A tier with `seats` is seated, any other is general admission. Choosing the schema up front
 * (rather than a plain union) reports the real fault, e.g. `tiers.0.price`, not "no variant matched".
 */
export const tierInput = z.unknown().transform((value, ctx) => {
  const seated = typeof value === "object" && value !== null && "seats" in value;
  const parsed = (seated ? seatedTierInput : gaTierInput).safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) ctx.addIssue({ code: "custom", message: "This field is not accepted here.", path: [...issue.path, key] });
    } else {
      ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
    }
  }
  return z.NEVER;
});

export type TierInput = z.infer<typeof tierInput>;

const tiersInput = z
  .array(tierInput)
  .min(1, "An event needs at least one ticket tier.")
  .max(20)
  .superRefine((tiers, ctx) => {
    const seen = new Set<string>();
    tiers.forEach((tier, t) => {
      if (!("seats" in tier)) return;
      tier.seats.forEach((seat, s) => {
        if (seen.has(seat.label)) {
          ctx.addIssue({ code: "custom", path: [t, "seats", s, "label"], message: `Seat label ${seat.label} is used twice in this event.` });
        }
        seen.add(seat.label);
      });
    });
  });

const eventFields = {
  title: z.string().trim().min(1).max(160),
  description: z.string().trim().max(10_000).default(""),
  category: z.string().trim().toLowerCase().min(1).max(60),
  venue: z.object({ name: z.string().trim().min(1).max(160), city: z.string().trim().min(1).max(100), address: z.string().trim().max(300).default("") }).strict(),
  starts_at: instant,
  ends_at: instant,
  timezone,
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, "Use a three-letter ISO currency code such as EUR.")
    .transform((c) => c.toUpperCase())
    .refine((c) => currencyOf(c) !== undefined, "Payments cannot be taken in this currency."),
  sales_start_at: instant.nullable().optional(),
  sales_end_at: instant.nullable().optional(),
  hold_minutes: z.number().int().min(1).max(60).optional(),
  /** Tickets scan as valid from this many minutes before the start (a week at most). */
  doors_open_minutes_before: z.number().int().min(0).max(10_080).optional(),
  refund_policy: refundPolicyInput.optional(),
  waiting_room: waitingRoomInput.optional(),
  waitlist: waitlistInput.optional(),
  purchase_limits: purchaseLimitsInput.optional(),
};

export const createEventInput = z.object({ ...eventFields, tiers: tiersInput }).strict();

export const updateEventInput = z
  .object({
    title: eventFields.title.optional(),
    description: z.string().trim().max(10_000).optional(),
    category: eventFields.category.optional(),
    venue: eventFields.venue.optional(),
    starts_at: instant.optional(),
    ends_at: instant.optional(),
    timezone: timezone.optional(),
    currency: eventFields.currency.optional(),
    sales_start_at: eventFields.sales_start_at,
    sales_end_at: eventFields.sales_end_at,
    hold_minutes: eventFields.hold_minutes,
    doors_open_minutes_before: eventFields.doors_open_minutes_before,
    refund_policy: eventFields.refund_policy,
    waiting_room: eventFields.waiting_room,
    waitlist: eventFields.waitlist,
    purchase_limits: eventFields.purchase_limits,
    tiers: tiersInput.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: "Send at least one field to change." });

export type CreateEventInput = z.infer<typeof createEventInput>;
export type UpdateEventInput = z.infer<typeof updateEventInput>;
