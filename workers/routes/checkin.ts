/**
 * The scanner's calls (`Authorization: Bearer <device_token>`): the offline bundle, online scans,
 * offline scans synced in one call, and undoing a mistaken admit. A device token scans for its own
 * event only; a revoked device is refused on its next call.
 */
import { Hono, type Context } from "hono";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import { listTiersOfEvents } from "../../db/queries/catalog";
import { ensureMainList, findScanningDevice, markDeviceSeen } from "../../db/queries/door";
import { revokedTickets } from "../../db/queries/refunds";
import { deviceOfToken } from "../auth/device-tokens";
import type { AppEnv } from "../context";
import { doorsOpenAt, effectiveScanTime } from "../domain/scan-verdict";
import { isoInstant } from "../date-input";
import { ApiError } from "../errors";
import { eventJwks } from "../tickets/signing-keys";
import { scanTicket, undoScan, type DoorDevice } from "../use-cases/scan-ticket";
import { announceChange } from "../live-client";
import { validate } from "../validation";

type DoorEnv = AppEnv & { Variables: AppEnv["Variables"] & { door: DoorDevice } };

const requireDevice = createMiddleware<DoorEnv>(async (c, next) => {
  const match = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "");
  const deviceId = match ? await deviceOfToken(c.env.SIGNING_MASTER_KEY, match[1]!) : undefined;
  if (!deviceId) throw new ApiError("UNAUTHENTICATED", "Scanning needs `Authorization: Bearer <device_token>` from the organizer's enrolment link.");
  const db = c.get("db");
  const found = await findScanningDevice(db, deviceId);
  if (!found) throw new ApiError("UNAUTHENTICATED", "This scanner is not known. Ask the organizer for a new enrolment link.");
  if (found.device.revokedAt) throw new ApiError("DEVICE_REVOKED", "This scanner was removed by the organizer. Ask for a new enrolment link.");
  const { device, event } = found;
  if (event.status === "draft") throw new ApiError("UNAUTHENTICATED", "This scanner's event is not published.");
  const list = found.list ?? (await ensureMainList(db, device.eventId));
  const now = new Date();
  if (!device.lastSeenAt || now.getTime() - device.lastSeenAt.getTime() > 60_000) {
    // Off the scan's path: a lost "last seen" write costs nothing, a slow one must not slow the door.
    c.executionCtx.waitUntil(markDeviceSeen(db, device.id, now).catch(() => undefined));
  }
  c.set("door", { device, list, event });
  await next();
});

const nonce = z.string().regex(/^[A-Za-z0-9_-]{8,100}$/, "A nonce is 8 to 100 letters, digits, '-' or '_'.");
const token = z.string().min(1).max(4096);
const scannedAt = isoInstant;

const scanBody = z.object({ token, nonce, scanned_at: scannedAt.optional(), offline: z.boolean().optional() }).strict();
const syncBody = z
  .object({
    scans: z.array(z.object({ token, nonce, scanned_at: scannedAt, offline_verdict: z.enum(["admit", "reject"]) }).strict()).min(1).max(500),
  })
  .strict();
const undoBody = z.object({ nonce }).strict();
const bundleQuery = z.object({ since: isoInstant.optional() }).strict();

/** Enough for any real event; past it the bundle says it is incomplete and the phone pages with `since`. */
const BUNDLE_REVOCATIONS = 50_000;

function door(c: Context<DoorEnv>): DoorDevice {
  return c.get("door");
}

export const checkinRoutes = new Hono<DoorEnv>()
  .use(requireDevice)
  .get("/bundle", validate("query", bundleQuery), async (c) => {
    const { device, list, event } = door(c);
    const db = c.get("db");
    const { since } = c.req.valid("query");
    const [keys, tiers, revoked] = await Promise.all([
      eventJwks(db, event.id),
      listTiersOfEvents(db, [event.id]),
      revokedTickets(db, event.id, since ? new Date(since) : undefined, BUNDLE_REVOCATIONS),
    ]);
    c.header("Cache-Control", "no-store");
    return c.json({
      event: {
        event_id: event.id,
        title: event.title,
        starts_at: event.startsAt.toISOString(),
        ends_at: event.endsAt.toISOString(),
        doors_open_at: new Date(doorsOpenAt(event.startsAt.getTime(), event.doorsOpenMinutesBefore)).toISOString(),
        timezone: event.timezone,
        status: event.status,
        venue: { name: event.venueName, city: event.venueCity, address: event.venueAddress },
      },
      device: { device_id: device.id, name: device.name },
      checkin_list: { checkin_list_id: list.id, name: list.name, tier_ids: list.tierIds ?? null, main: list.isMain },
      tiers: tiers.map((t) => ({ tier_id: t.id, name: t.name })),
      keys,
      revocations: revoked.map((r) => r.id),
      revocations_cursor: revoked.at(-1)?.revokedAt?.toISOString() ?? since ?? null,
      revocations_complete: !since && revoked.length < BUNDLE_REVOCATIONS,
      server_time: new Date().toISOString(),
    });
  })
  .post("/scan", validate("json", scanBody), async (c) => {
    const body = c.req.valid("json");
    const now = new Date();
    const at = body.offline ? effectiveScanTime(body.scanned_at ? Date.parse(body.scanned_at) : undefined, now.getTime()) : now.getTime();
    const verdict = await scanTicket(c.env, c.get("db"), door(c), { token: body.token, nonce: body.nonce, scannedAt: at, offline: body.offline === true }, now);
    announceChange(c.env, c.executionCtx, door(c).event.id);
    return c.json(verdict);
  })
  .post("/sync", validate("json", syncBody), async (c) => {
    const { scans } = c.req.valid("json");
    const now = new Date();
    const results = [];
    // In the order the phone scanned them: a ticket scanned twice in one upload is admitted once.
    for (const scan of scans) {
      const verdict = await scanTicket(
        c.env,
        c.get("db"),
        door(c),
        {
          token: scan.token,
          nonce: scan.nonce,
          scannedAt: effectiveScanTime(Date.parse(scan.scanned_at), now.getTime()),
          offline: true,
          offlineVerdict: scan.offline_verdict,
        },
        now,
      );
      results.push({ ...verdict, conflict: verdict.conflict === true });
    }
    announceChange(c.env, c.executionCtx, door(c).event.id);
    return c.json({ results });
  })
  .post("/undo", validate("json", undoBody), async (c) => {
    const { nonce: scanNonce } = c.req.valid("json");
    const undone = await undoScan(c.env, c.get("db"), door(c), scanNonce, new Date());
    announceChange(c.env, c.executionCtx, door(c).event.id);
    return c.json(undone);
  });
