/**
 * The door's ledger side: check-in lists, scanner devices and the append-only check-in log.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { checkinLists, checkins, events, eventSigningKeys, scannerDevices, tickets, ticketTiers } from "../schema";
import type { EventRow } from "./catalog";
import { checkinCurve, type CheckinReportRow } from "./reports";

export type CheckinListRow = typeof checkinLists.$inferSelect;
export type DeviceRow = typeof scannerDevices.$inferSelect;

export const MAIN_LIST_NAME = "Main entrance";

/** The event's main entrance list, created on first use; concurrent callers get the one row. */
export async function ensureMainList(db: HttpDatabase, eventId: string): Promise<CheckinListRow> {
  const [existing] = await db.select().from(checkinLists).where(and(eq(checkinLists.eventId, eventId), eq(checkinLists.isMain, true))).limit(1);
  if (existing) return existing;
  await db.execute(sql`
    INSERT INTO checkin_lists (event_id, name, is_main) VALUES (${eventId}, ${MAIN_LIST_NAME}, true)
    ON CONFLICT (event_id) WHERE is_main DO NOTHING`);
  const [created] = await db.select().from(checkinLists).where(and(eq(checkinLists.eventId, eventId), eq(checkinLists.isMain, true))).limit(1);
  return created!;
}

export async function listsOfEvent(db: HttpDatabase, eventId: string): Promise<CheckinListRow[]> {
  return db.select().from(checkinLists).where(eq(checkinLists.eventId, eventId)).orderBy(sql`${checkinLists.isMain} DESC`, asc(checkinLists.createdAt));
}

export async function insertList(db: HttpDatabase, values: { eventId: string; name: string; tierIds: string[] | null }): Promise<CheckinListRow> {
  const [row] = await db.insert(checkinLists).values(values).returning();
  return row!;
}

export async function insertDevice(db: HttpDatabase, values: { eventId: string; name: string; checkinListId: string; tokenHash: string; id: string }): Promise<DeviceRow> {
  const [row] = await db.insert(scannerDevices).values(values).returning();
  return row!;
}

export interface DeviceSummary {
  device: DeviceRow;
  listName: string | null;
  scans: number;
  admitted: number;
  rejected: number;
  conflicts: number;
}

/** Devices with their scan counts (an undone admit no longer counts as admitted). */
export async function devicesOfEvent(db: HttpDatabase, eventId: string): Promise<DeviceSummary[]> {
  const rows = await db
    .select({
      device: scannerDevices,
      listName: checkinLists.name,
      scans: sql<number>`(SELECT count(*) FROM checkins c WHERE c.device_id = ${scannerDevices.id} AND c.result <> 'undone')::int`,
      admitted: sql<number>`(SELECT count(*) FILTER (WHERE c.result = 'admitted') - count(*) FILTER (WHERE c.result = 'undone') FROM checkins c WHERE c.device_id = ${scannerDevices.id})::int`,
      rejected: sql<number>`(SELECT count(*) FROM checkins c WHERE c.device_id = ${scannerDevices.id} AND c.result IN ('rejected', 'duplicate'))::int`,
      conflicts: sql<number>`(SELECT count(*) FROM checkins c WHERE c.device_id = ${scannerDevices.id} AND c.conflict)::int`,
    })
    .from(scannerDevices)
    .leftJoin(checkinLists, eq(checkinLists.id, scannerDevices.checkinListId))
    .where(eq(scannerDevices.eventId, eventId))
    .orderBy(asc(scannerDevices.createdAt), asc(scannerDevices.id));
  return rows;
}

export async function revokeDevice(db: HttpDatabase, eventId: string, deviceId: string, at: Date): Promise<DeviceRow | undefined> {
  const [row] = await db
    .update(scannerDevices)
    .set({ revokedAt: sql`coalesce(${scannerDevices.revokedAt}, ${at.toISOString()}::timestamptz)` })
    .where(and(eq(scannerDevices.id, deviceId), eq(scannerDevices.eventId, eventId)))
    .returning();
  return row;
}

export interface ScanningDevice {
  device: DeviceRow;
  list: CheckinListRow;
}

/** The device behind a token with its list and event, in one round trip. */
export async function findScanningDevice(db: HttpDatabase, deviceId: string) {
  const [row] = await db
    .select({ device: scannerDevices, list: checkinLists, event: events })
    .from(scannerDevices)
    .innerJoin(events, eq(events.id, scannerDevices.eventId))
    .leftJoin(checkinLists, eq(checkinLists.id, scannerDevices.checkinListId))
    .where(eq(scannerDevices.id, deviceId))
    .limit(1);
  return row;
}

/** Last seen, to the minute: written at most once a minute per device, never on every scan. */
export async function markDeviceSeen(db: HttpDatabase, deviceId: string, at: Date): Promise<void> {
  await db
    .update(scannerDevices)
    .set({ lastSeenAt: at })
    .where(and(eq(scannerDevices.id, deviceId), sql`(${scannerDevices.lastSeenAt} IS NULL OR ${scannerDevices.lastSeenAt} < ${new Date(at.getTime() - 60_000).toISOString()}::timestamptz)`));
}

export async function deviceNames(db: HttpDatabase, deviceIds: string[]): Promise<Map<string, string>> {
  if (deviceIds.length === 0) return new Map();
  const rows = await db.select({ id: scannerDevices.id, name: scannerDevices.name }).from(scannerDevices).where(sql`${scannerDevices.id} IN ${deviceIds}`);
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The answer first given to this device's scan `nonce`, if it was scanned before. */
export async function storedAnswer(db: HttpDatabase, deviceId: string, nonce: string): Promise<string | undefined> {
  const [row] = await db.select({ answer: checkins.answer }).from(checkins).where(and(eq(checkins.deviceId, deviceId), eq(checkins.nonce, nonce))).limit(1);
  return row?.answer ?? undefined;
}

export async function checkinOfNonce(db: HttpDatabase, deviceId: string, nonce: string) {
  const [row] = await db.select().from(checkins).where(and(eq(checkins.deviceId, deviceId), eq(checkins.nonce, nonce))).limit(1);
  return row;
}

export interface ScannedTicket {
  id: string;
  eventId: string;
  tierId: string;
  tierName: string;
  status: "valid" | "revoked";
  version: number;
  attendeeName: string;
  seatLabel: string | null;
}

export async function ticketForScan(db: HttpDatabase, ticketId: string): Promise<ScannedTicket | undefined> {
  const [row] = await db
    .select({
      id: tickets.id,
      eventId: tickets.eventId,
      tierId: tickets.tierId,
      tierName: ticketTiers.name,
      status: tickets.status,
      version: tickets.version,
      attendeeName: tickets.attendeeName,
      seatLabel: tickets.seatLabel,
    })
    .from(tickets)
    .innerJoin(ticketTiers, eq(ticketTiers.id, tickets.tierId))
    .where(eq(tickets.id, ticketId))
    .limit(1);
  return row;
}

/** Which event a key id signs for, and its public key, unless retired. */
export async function signingKeyByKid(db: HttpDatabase, kid: string) {
  const [row] = await db
    .select({ eventId: eventSigningKeys.eventId, publicJwk: eventSigningKeys.publicJwk, status: eventSigningKeys.status })
    .from(eventSigningKeys)
    .where(eq(eventSigningKeys.kid, kid))
    .limit(1);
  return row && row.status !== "retired" ? row : undefined;
}

export type CheckinInsert = typeof checkins.$inferInsert;

/**
 * Appends a scan to the log unless this device's nonce is already there; either way answers with the
 * stored answer, so two copies of one scan racing each other both return the first one written.
 */
export async function appendCheckin(db: HttpDatabase, row: CheckinInsert & { answer: string }): Promise<string> {
  const inserted = await db.insert(checkins).values(row).onConflictDoNothing({ target: [checkins.deviceId, checkins.nonce] }).returning({ answer: checkins.answer });
  if (inserted[0]) return inserted[0].answer!;
  return (await storedAnswer(db, row.deviceId, row.nonce)) ?? row.answer;
}

export type { CheckinReportRow } from "./reports";

/**
 * Scans per minute or hour in the event's time zone (an undo takes its admit back): the one-minute
 * summary up to its last refresh, the log after it (see `checkinCurve`).
 */
export async function checkinsByPeriod(db: HttpDatabase, event: EventRow, bucket: "minute" | "hour"): Promise<CheckinReportRow[]> {
  return checkinCurve(db, event.id, event.timezone, bucket);
}

/** Admitted scans per device, for the stats' gates. */
export async function gateCounts(db: HttpDatabase, eventId: string) {
  return db
    .select({
      deviceId: scannerDevices.id,
      name: scannerDevices.name,
      scans: sql<number>`count(${checkins.id}) FILTER (WHERE ${checkins.result} <> 'undone')::int`,
      admitted: sql<number>`(count(${checkins.id}) FILTER (WHERE ${checkins.result} = 'admitted') - count(${checkins.id}) FILTER (WHERE ${checkins.result} = 'undone'))::int`,
      conflicts: sql<number>`count(${checkins.id}) FILTER (WHERE ${checkins.conflict})::int`,
      lastMinute: sql<number>`count(${checkins.id}) FILTER (WHERE ${checkins.result} <> 'undone' AND ${checkins.scannedAt} > now() - interval '1 minute')::int`,
    })
    .from(scannerDevices)
    .leftJoin(checkins, eq(checkins.deviceId, scannerDevices.id))
    .where(eq(scannerDevices.eventId, eventId))
    .groupBy(scannerDevices.id, scannerDevices.name, scannerDevices.createdAt)
    .orderBy(asc(scannerDevices.createdAt));
}
