/**
 * An event's promo codes for its organizer (docs/promo-codes.md): create one or a batch, list them
 * with what each sold, export them as CSV, withdraw one, and revenue by code.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { findOwnedEvent } from "../../db/queries/organizer-events";
import { currentOrganization, currentPrincipal, requirePermission } from "../auth/permissions";
import type { AppEnv } from "../context";
import { instant } from "../date-input";
import { MAX_CHARGE } from "../domain/currency";
import { CODE_PATTERN, normalizeCode } from "../domain/promo-codes";
import { ApiError } from "../errors";
import { recordAudit } from "../use-cases/audit-log";
import { createPromoCodes, listPromoCodes, promoCodeReport, promoCodesCsv, withdrawPromoCode } from "../use-cases/manage-promo-codes";
import { validate } from "../validation";

const createBody = z
  .object({
    code: z
      .string()
      .trim()
      .transform(normalizeCode)
      .refine((s) => CODE_PATTERN.test(s), "3 to 40 letters, digits, '-' or '_', starting with a letter or digit.")
      .optional(),
    count: z.number().int().min(1).max(1000).optional(),
    prefix: z
      .string()
      .trim()
      .max(20)
      .regex(/^[A-Za-z0-9_-]*$/, "Letters, digits, '-' or '_' only.")
      .optional(),
    percent_off: z.number().int().min(0).max(100).optional(),
    amount_off: z.number().int().min(0).max(MAX_CHARGE).optional(),
    max_uses: z.number().int().min(1).max(1_000_000),
    valid_from: instant.optional(),
    valid_until: instant.optional(),
    tier_ids: z.array(z.uuid()).min(1).max(100).optional(),
    unlocks_tier_id: z.uuid().optional(),
    reserves: z.number().int().min(0).max(100_000).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if ((b.percent_off === undefined) === (b.amount_off === undefined)) {
      ctx.addIssue({ code: "custom", path: ["percent_off"], message: "Give exactly one of percent_off and amount_off." });
    }
    if (b.code !== undefined && b.count !== undefined) ctx.addIssue({ code: "custom", path: ["count"], message: "Give a code, or a count of codes to generate, not both." });
    if (b.code !== undefined && b.prefix !== undefined) ctx.addIssue({ code: "custom", path: ["prefix"], message: "A prefix is for generated codes only." });
    if (b.valid_from && b.valid_until && b.valid_from >= b.valid_until) ctx.addIssue({ code: "custom", path: ["valid_until"], message: "valid_until must be after valid_from." });
  });

const batchQuery = z.object({ batch_id: z.uuid().optional() }).strict();
const codeParams = z.object({ eventId: z.string(), promoCodeId: z.string() });

async function ownedEvent(c: Context<AppEnv>) {
  const eventId = c.req.param("eventId") ?? "";
  const event = z.uuid().safeParse(eventId).success ? await findOwnedEvent(c.get("db"), eventId, currentOrganization(c).id) : undefined;
  if (!event) throw new ApiError("NOT_FOUND", "You have no event with this id.");
  return event;
}

export const promoCodeRoutes = new Hono<AppEnv>()
  .post("/:eventId/promo-codes", requirePermission("promo_code.write"), validate("json", createBody), async (c) => {
    const event = await ownedEvent(c);
    const created = await createPromoCodes(c.env, c.get("db"), event, c.req.valid("json"));
    await recordAudit(c.get("db"), currentPrincipal(c), {
      action: "promo_code.created",
      eventId: event.id,
      target: { type: "promo_code_batch", id: created.batch_id },
      details: { codes: created.promo_codes.length, ...(created.promo_codes.length === 1 ? { code: created.promo_codes[0]!.code } : {}) },
    });
    return c.json(created, 201);
  })
  .get("/:eventId/promo-codes", requirePermission("promo_code.read"), validate("query", batchQuery), async (c) => {
    const event = await ownedEvent(c);
    return c.json({ event_id: event.id, currency: event.currency, promo_codes: await listPromoCodes(c.get("db"), event.id, c.req.valid("query").batch_id) });
  })
  .get("/:eventId/promo-codes.csv", requirePermission("promo_code.read"), validate("query", batchQuery), async (c) => {
    const event = await ownedEvent(c);
    const csv = await promoCodesCsv(c.get("db"), event.id, c.req.valid("query").batch_id);
    return c.body(csv, 200, { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="promo-codes-${event.id}.csv"`, "Cache-Control": "no-store" });
  })
  .post("/:eventId/promo-codes/:promoCodeId/cancel", requirePermission("promo_code.write"), validate("param", codeParams), async (c) => {
    const event = await ownedEvent(c);
    const id = c.req.valid("param").promoCodeId;
    if (!z.uuid().safeParse(id).success) throw new ApiError("NOT_FOUND", "This event has no promo code with this id.");
    const withdrawn = await withdrawPromoCode(c.env, c.get("db"), event.id, id, new Date());
    await recordAudit(c.get("db"), currentPrincipal(c), { action: "promo_code.cancelled", eventId: event.id, target: { type: "promo_code", id }, details: { code: withdrawn.code } });
    return c.json(withdrawn);
  })
  .get("/:eventId/reports/promo-codes", requirePermission("report.read"), async (c) => {
    const event = await ownedEvent(c);
    return c.json(await promoCodeReport(c.get("db"), event));
  });
