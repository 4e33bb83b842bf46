/**
 * Webhooks out, the organization's side (API.md "Organizations, codes, webhooks"): endpoints, their
 * delivery log, re-sending by hand, and rotating an endpoint's signing secret. Owners and admins
 * only (`webhook.manage`).
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { deliveriesOfEndpoint } from "../../db/queries/webhook-deliveries";
import { disableEndpoint, endpointsOfOrganization, findEndpoint } from "../../db/queries/webhook-endpoints";
import { currentOrganization, requirePermission, type AuthorizedPrincipal } from "../auth/permissions";
import type { AppEnv } from "../context";
import { WEBHOOK_EVENT_TYPES } from "../domain/webhook-delivery";
import { MAX_GRACE_SECONDS } from "../domain/webhook-secret-rotation";
import { MAX_ENDPOINT_URL_LENGTH } from "../domain/webhook-url";
import { ApiError, validationFailed } from "../errors";
import { encodeCursor, pagedQuery } from "../page-cursor";
import { recordAudit } from "../use-cases/audit-log";
import { presentEndpoint, registerEndpoint, resendDelivery, rotateSecret } from "../use-cases/webhook-endpoints";
import { declaresJson, describeIssues, validate } from "../validation";

const endpointBody = z
  .object({
    url: z.string().trim().min(1, "Give the URL deliveries are sent to.").max(MAX_ENDPOINT_URL_LENGTH),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES, { message: `One of ${WEBHOOK_EVENT_TYPES.join(", ")}.` })).min(1, "Pick at least one event type.").max(WEBHOOK_EVENT_TYPES.length * 2),
    description: z.string().trim().max(200).optional(),
  })
  .strict();
const endpointParams = z.object({ endpointId: z.uuid({ message: "Not an endpoint id." }) });
const deliveryParams = z.object({ endpointId: z.uuid({ message: "Not an endpoint id." }), deliveryId: z.uuid({ message: "Not a delivery id." }) });
const deliveriesQuery = pagedQuery(z.tuple([z.iso.datetime(), z.uuid()]));

const rotateBody = z
  .object({
    expires_in_seconds: z
      .number({ message: `Seconds the old secret still signs: a whole number from 0 to ${MAX_GRACE_SECONDS} (7 days).` })
      .int(`A whole number of seconds, from 0 to ${MAX_GRACE_SECONDS}.`)
      .min(0, "0 at the least (the old secret stops at once).")
      .max(MAX_GRACE_SECONDS, `At most ${MAX_GRACE_SECONDS} seconds (7 days).`)
      .optional(),
  })
  .strict();

/** The rotation's body: JSON, or nothing at all (the default grace). */
async function readRotateBody(c: Context<AppEnv>): Promise<z.infer<typeof rotateBody>> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!/^application\/([\w.+-]+\+)?json$/.test(mediaType)) throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "Send the request body as JSON with Content-Type: application/json, or send none.");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw validationFailed([{ field: "body", message: "Send JSON, or nothing." }]);
  }
  const parsed = rotateBody.safeParse(value);
  if (!parsed.success) throw validationFailed(describeIssues(parsed.error.issues, "json"));
  return parsed.data;
}

const notFound = () => new ApiError("NOT_FOUND", "Your organization has no webhook endpoint with this id.");

export const webhookEndpointRoutes = new Hono<AppEnv>()
  .post("/", requirePermission("webhook.manage"), validate("json", endpointBody), async (c) => {
    const principal = c.get("principal")!;
    const created = await registerEndpoint(c.env, c.get("db"), currentOrganization(c).id, principal.organizer.id, c.req.valid("json"));
    await recordAudit(c.get("db"), principal as AuthorizedPrincipal, { action: "webhook_endpoint.created", target: { type: "webhook_endpoint", id: created.endpoint_id }, details: { url: created.url, events: created.events } });
    c.header("Cache-Control", "no-store");
    return c.json(created, 201);
  })
  .get("/", requirePermission("webhook.manage"), async (c) => {
    const rows = await endpointsOfOrganization(c.get("db"), currentOrganization(c).id);
    return c.json({ endpoints: rows.map((r) => presentEndpoint(r.endpoint, { pending: r.pending, failed: r.failed, succeeded: r.succeeded })) });
  })
  .get("/:endpointId", requirePermission("webhook.manage"), validate("param", endpointParams), async (c) => {
    const row = await findEndpoint(c.get("db"), currentOrganization(c).id, c.req.valid("param").endpointId);
    if (!row) throw notFound();
    return c.json(presentEndpoint(row));
  })
  .delete("/:endpointId", requirePermission("webhook.manage"), validate("param", endpointParams), async (c) => {
    const row = await disableEndpoint(c.get("db"), currentOrganization(c).id, c.req.valid("param").endpointId, new Date());
    if (!row) throw notFound();
    await recordAudit(c.get("db"), c.get("principal") as AuthorizedPrincipal, { action: "webhook_endpoint.deleted", target: { type: "webhook_endpoint", id: row.id }, details: { url: row.url } });
    return c.json({ endpoint_id: row.id, deleted_at: row.disabledAt!.toISOString() });
  })
  // The body may also be empty (readRotateBody checks it); declaresJson only tells hc its type.
  .post("/:endpointId/rotate-secret", requirePermission("webhook.manage"), validate("param", endpointParams), declaresJson(rotateBody), async (c) => {
    const db = c.get("db");
    const body = await readRotateBody(c);
    const rotated = await rotateSecret(c.env, db, currentOrganization(c).id, c.req.valid("param").endpointId, body.expires_in_seconds, new Date());
    await recordAudit(db, c.get("principal") as AuthorizedPrincipal, {
      action: "webhook_endpoint.secret_rotated",
      target: { type: "webhook_endpoint", id: rotated.endpoint_id },
      details: { previous_secret_expires_at: rotated.previous_secret_expires_at },
    });
    c.header("Cache-Control", "no-store");
    return c.json(rotated);
  })
  .get("/:endpointId/deliveries", requirePermission("webhook.manage"), validate("param", endpointParams), validate("query", deliveriesQuery), async (c) => {
    const db = c.get("db");
    const endpoint = await findEndpoint(db, currentOrganization(c).id, c.req.valid("param").endpointId);
    if (!endpoint) throw notFound();
    const { cursor, limit } = c.req.valid("query");
    const rows = await deliveriesOfEndpoint(db, endpoint.id, cursor ? { createdAt: new Date(cursor[0]), id: cursor[1] } : undefined, Math.min(limit, 100));
    const last = rows.length === Math.min(limit, 100) ? rows[rows.length - 1] : undefined;
    c.header("Cache-Control", "no-store");
    return c.json({
      deliveries: rows.map(({ delivery: d, type, attempts }) => ({
        delivery_id: d.id,
        event_id: d.eventId,
        event_type: type,
        resource: d.resourceKey,
        sequence: d.seq,
        status: d.status,
        attempts: d.attempts,
        next_attempt_at: d.status === "pending" ? d.nextAttemptAt.toISOString() : null,
        last_status: d.lastStatus,
        last_error: d.lastError,
        created_at: d.createdAt.toISOString(),
        delivered_at: d.deliveredAt?.toISOString() ?? null,
        log: attempts.map((a) => ({
          attempted_at: a.attemptedAt.toISOString(),
          response_status: a.responseStatus,
          response_excerpt: a.responseExcerpt,
          duration_ms: a.durationMs,
          error: a.error,
          manual: a.manual,
        })),
      })),
      next_cursor: last ? encodeCursor([last.delivery.createdAt.toISOString(), last.delivery.id]) : null,
    });
  })
  .post("/:endpointId/deliveries/:deliveryId/resend", requirePermission("webhook.manage"), validate("param", deliveryParams), async (c) => {
    const db = c.get("db");
    const { endpointId, deliveryId } = c.req.valid("param");
    const endpoint = await findEndpoint(db, currentOrganization(c).id, endpointId);
    if (!endpoint) throw notFound();
    const resent = await resendDelivery(c.env, db, endpoint.id, deliveryId, new Date());
    await recordAudit(db, c.get("principal") as AuthorizedPrincipal, { action: "webhook_delivery.resent", target: { type: "webhook_delivery", id: resent.delivery_id }, details: { endpoint_id: endpoint.id } });
    return c.json(resent, 202);
  });
