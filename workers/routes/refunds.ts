/**
 * Refunds and revocations: `POST /orders/{id}/refund` (the attendee with the order token, within the
 * event's policy; the event's organizer at any time) and the public list of revoked tickets that
 * scanners download with the event's keys.
 */
import { Hono } from "hono";
import { z } from "zod";
import { findPublishedEvent } from "../../db/queries/catalog";
import { findOwnedEvent } from "../../db/queries/organizer-events";
import { findOrder } from "../../db/queries/orders";
import { revokedTickets } from "../../db/queries/refunds";
import { authorizeOrganizer, type AuthorizedPrincipal } from "../auth/permissions";
import type { AppEnv } from "../context";
import { isoInstant } from "../date-input";
import { ApiError } from "../errors";
import { refundOrder, type RefundInitiator } from "../use-cases/refund-order";
import { refundAmount } from "../use-cases/refund-amount";
import { announceChange } from "../live-client";
import { validate } from "../validation";
import { recordAudit } from "../use-cases/audit-log";
import { authorizedOrder } from "./purchase";

const refundBody = z
  .object({
    ticket_ids: z.array(z.uuid("Each ticket id is a UUID.")).min(1).max(50).optional(),
    reason: z.string().trim().min(1).max(500).optional(),
    // The organizer's refund of an amount, money only (use-cases/refund-amount.ts); one key per refund.
    amount: z.number().int("An amount in minor units (cents).").min(1, "More than zero.").max(99_999_999_999, "Too large.").optional(),
    idempotency_key: z.string().trim().min(8).max(200).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.amount !== undefined && body.ticket_ids) ctx.addIssue({ code: "custom", path: ["amount"], message: "Refund tickets or an amount, not both." });
    if (body.amount !== undefined && !body.idempotency_key) ctx.addIssue({ code: "custom", path: ["idempotency_key"], message: "A refund of an amount needs an idempotency key." });
  });

const revocationQuery = z.object({ since: isoInstant.optional() }).strict();

const REVOCATIONS_PAGE = 1000;

export const refundRoutes = new Hono<AppEnv>()
  .post("/orders/:orderId/refund", validate("json", refundBody), async (c) => {
    const db = c.get("db");
    let orderId: string;
    let by: RefundInitiator;
    let organizer: AuthorizedPrincipal | undefined;
    if (/^Bearer\s+ot_/i.test(c.req.header("Authorization") ?? "")) {
      orderId = (await authorizedOrder(c)).id;
      by = "attendee";
    } else {
      // Not the attendee: a member of the organization owning the order's event whose role refunds
      // (API key, or session cookie + CSRF).
      organizer = await authorizeOrganizer(c, "order.refund");
      const id = c.req.param("orderId");
      const order = z.uuid().safeParse(id).success ? await findOrder(db, id) : undefined;
      if (!order || !(await findOwnedEvent(db, order.eventId, organizer.organization.id))) throw new ApiError("NOT_FOUND", "You have no order with this id.");
      orderId = order.id;
      by = "organizer";
    }
    const body = c.req.valid("json");
    if (body.amount !== undefined && by === "attendee") throw new ApiError("FORBIDDEN", "Only the organizer can refund an amount. Choose the tickets to refund instead.");
    const { refund } =
      body.amount !== undefined
        ? { refund: await refundAmount(c.env, db, orderId, { amount: body.amount, idempotencyKey: body.idempotency_key!, reason: body.reason }) }
        : await refundOrder(c.env, db, orderId, { ticketIds: body.ticket_ids, reason: body.reason, by }, new Date());
    const refunded = await findOrder(db, orderId);
    if (refunded) announceChange(c.env, c.executionCtx, refunded.eventId);
    if (organizer) {
      await recordAudit(db, organizer, {
        action: "order.refunded",
        eventId: refunded?.eventId ?? null,
        target: { type: "order", id: orderId },
        details: { refund_id: refund.id, amount: refund.amount, currency: refund.currency, ticket_ids: refund.ticketIds, status: refund.status, ...(body.reason ? { reason: body.reason } : {}) },
      });
    }
    return c.json({
      refund_id: refund.id,
      order_id: refund.orderId,
      amount: refund.amount,
      currency: refund.currency,
      status: refund.status,
      ticket_ids: refund.ticketIds,
      initiated_by: refund.initiatedBy,
    });
  })
  .get("/events/:eventId/revocations", validate("query", revocationQuery), async (c) => {
    const eventId = c.req.param("eventId");
    const db = c.get("db");
    const event = z.uuid().safeParse(eventId).success ? await findPublishedEvent(db, eventId) : undefined;
    if (!event) throw new ApiError("NOT_FOUND", "No published event has this id.");
    const { since } = c.req.valid("query");
    const rows = await revokedTickets(db, event.id, since ? new Date(since) : undefined, REVOCATIONS_PAGE);
    const last = rows.at(-1)?.revokedAt;
    c.header("Cache-Control", "public, max-age=15");
    return c.json({
      event_id: event.id,
      revoked: rows.map((r) => ({ ticket_id: r.id, revoked_at: r.revokedAt?.toISOString() ?? null, reason: r.reason })),
      ticket_ids: rows.map((r) => r.id),
      // Ask again with `since` set to this to get only what was revoked after.
      next_since: last?.toISOString() ?? since ?? null,
      has_more: rows.length === REVOCATIONS_PAGE,
    });
  });
