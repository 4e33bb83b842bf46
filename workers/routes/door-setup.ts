/**
 * The organizer's side of the door: check-in lists, scanner devices (each with an enrolment link a
 * phone opens by scanning its QR), and the check-ins report.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { EventRow } from "../../db/queries/catalog";
import { checkinsByPeriod, devicesOfEvent, ensureMainList, insertDevice, insertList, listsOfEvent, revokeDevice, type CheckinListRow } from "../../db/queries/door";
import { findOwnedEvent, tiersOfEvent } from "../../db/queries/organizer-events";
import { deviceToken } from "../auth/device-tokens";
import { currentOrganization, currentPrincipal, requirePermission } from "../auth/permissions";
import { sha256Hex } from "../auth/tokens";
import type { AppEnv } from "../context";
import { ApiError, validationFailed } from "../errors";
import { checkedInByList } from "../use-cases/event-stats";
import { validate } from "../validation";
import { recordAudit } from "../use-cases/audit-log";

async function ownedEvent(c: Context<AppEnv>): Promise<EventRow> {
  const eventId = c.req.param("eventId") ?? "";
  const event = z.uuid().safeParse(eventId).success ? await findOwnedEvent(c.get("db"), eventId, currentOrganization(c).id) : undefined;
  if (!event) throw new ApiError("NOT_FOUND", "You have no event with this id.");
  return event;
}

function siteOrigin(c: Context<AppEnv>): string {
  return c.env.PUBLIC_BASE_URL || new URL(c.req.url).origin;
}

async function enrolment(c: Context<AppEnv>, deviceId: string) {
  const token = await deviceToken(c.env.SIGNING_MASTER_KEY, deviceId);
  return { device_token: token, enroll_url: `${siteOrigin(c)}/scan#device_token=${token}` };
}

function presentList(list: CheckinListRow, checkedIn?: number) {
  return { checkin_list_id: list.id, name: list.name, tier_ids: list.tierIds ?? null, main: list.isMain, ...(checkedIn !== undefined ? { checked_in: checkedIn } : {}) };
}

const name = z.string().trim().min(1, "Give it a name.").max(80);
const listBody = z.object({ name, tier_ids: z.array(z.uuid()).min(1).max(100).nullable().optional() }).strict();
const deviceBody = z.object({ name, checkin_list_id: z.uuid().optional() }).strict();
const deviceParams = z.object({ eventId: z.string(), deviceId: z.string() });
const checkinReportQuery = z.object({ bucket: z.enum(["minute", "hour"]).default("minute") }).strict();

export const doorSetupRoutes = new Hono<AppEnv>()
  .post("/:eventId/checkin-lists", requirePermission("door.manage"), validate("json", listBody), async (c) => {
    const event = await ownedEvent(c);
    const body = c.req.valid("json");
    const db = c.get("db");
    if (body.tier_ids) {
      const tierIds = new Set((await tiersOfEvent(db, event.id)).map((t) => t.id));
      const foreign = body.tier_ids.filter((id) => !tierIds.has(id));
      if (foreign.length > 0) throw validationFailed([{ field: "tier_ids", message: `This event has no tier ${foreign[0]}.` }]);
    }
    await ensureMainList(db, event.id);
    const list = await insertList(db, { eventId: event.id, name: body.name, tierIds: body.tier_ids ? [...new Set(body.tier_ids)] : null });
    await recordAudit(db, currentPrincipal(c), { action: "checkin_list.created", eventId: event.id, target: { type: "checkin_list", id: list.id }, details: { name: list.name } });
    return c.json(presentList(list), 201);
  })
  .get("/:eventId/checkin-lists", requirePermission("door.read"), async (c) => {
    const event = await ownedEvent(c);
    const db = c.get("db");
    await ensureMainList(db, event.id);
    const [lists, counts] = await Promise.all([listsOfEvent(db, event.id), checkedInByList(c.env, db, event.id)]);
    return c.json({ checkin_lists: lists.map((l) => presentList(l, counts.get(l.id) ?? 0)) });
  })
  .post("/:eventId/devices", requirePermission("door.manage"), validate("json", deviceBody), async (c) => {
    const event = await ownedEvent(c);
    if (event.status === "draft") throw new ApiError("CONFLICT", "Publish the event before adding scanners: a draft has no tickets to scan.");
    const body = c.req.valid("json");
    const db = c.get("db");
    const main = await ensureMainList(db, event.id);
    let list = main;
    if (body.checkin_list_id && body.checkin_list_id !== main.id) {
      const found = (await listsOfEvent(db, event.id)).find((l) => l.id === body.checkin_list_id);
      if (!found) throw validationFailed([{ field: "checkin_list_id", message: "This event has no check-in list with this id." }]);
      list = found;
    }
    const id = crypto.randomUUID();
    const link = await enrolment(c, id);
    const device = await insertDevice(db, { id, eventId: event.id, name: body.name, checkinListId: list.id, tokenHash: await sha256Hex(link.device_token) });
    await recordAudit(db, currentPrincipal(c), { action: "device.enrolled", eventId: event.id, target: { type: "device", id: device.id }, details: { name: device.name, checkin_list_id: list.id } });
    return c.json(
      { device_id: device.id, name: device.name, ...link, checkin_list_id: list.id, checkin_list_name: list.name, created_at: device.createdAt.toISOString() },
      201,
    );
  })
  .get("/:eventId/devices", requirePermission("door.read"), async (c) => {
    const event = await ownedEvent(c);
    const rows = await devicesOfEvent(c.get("db"), event.id);
    const devices = await Promise.all(
      rows.map(async (r) => ({
        device_id: r.device.id,
        name: r.device.name,
        checkin_list_id: r.device.checkinListId,
        checkin_list_name: r.listName ?? "Main entrance",
        created_at: r.device.createdAt.toISOString(),
        last_seen_at: r.device.lastSeenAt?.toISOString() ?? null,
        revoked_at: r.device.revokedAt?.toISOString() ?? null,
        scans: r.scans,
        admitted: r.admitted,
        rejected: r.rejected,
        conflicts: r.conflicts,
        ...(r.device.revokedAt ? {} : await enrolment(c, r.device.id)),
      })),
    );
    c.header("Cache-Control", "no-store");
    return c.json({ devices });
  })
  .delete("/:eventId/devices/:deviceId", requirePermission("door.manage"), validate("param", deviceParams), async (c) => {
    const event = await ownedEvent(c);
    const { deviceId } = c.req.valid("param");
    const device = z.uuid().safeParse(deviceId).success ? await revokeDevice(c.get("db"), event.id, deviceId, new Date()) : undefined;
    if (!device) throw new ApiError("NOT_FOUND", "This event has no scanner with this id.");
    await recordAudit(c.get("db"), currentPrincipal(c), { action: "device.revoked", eventId: event.id, target: { type: "device", id: device.id }, details: { name: device.name } });
    return c.json({ device_id: device.id, revoked_at: device.revokedAt!.toISOString() });
  })
  .get("/:eventId/reports/checkins", requirePermission("report.read"), validate("query", checkinReportQuery), async (c) => {
    const event = await ownedEvent(c);
    const { bucket } = c.req.valid("query");
    const rows = await checkinsByPeriod(c.get("db"), event, bucket);
    return c.json({
      event_id: event.id,
      bucket,
      timezone: event.timezone,
      rows,
      totals: {
        admitted: rows.reduce((s, r) => s + r.admitted, 0),
        rejected: rows.reduce((s, r) => s + r.rejected, 0),
        conflicts: rows.reduce((s, r) => s + r.conflicts, 0),
      },
    });
  });
