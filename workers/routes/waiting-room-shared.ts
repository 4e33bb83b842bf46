/** What the waiting room's routes share: the event behind a room, and the queue token however it is presented. */
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { z } from "zod";
import type { AppEnv } from "../context";
import { roomPhase } from "../domain/admission";
import { ApiError } from "../errors";
import { sellableEvent } from "../sellable-tiers";
import { QUEUE_COOKIE, roomConfigOf } from "../waiting-room-client";

/** The pattern z.uuid() checks, tested directly: a join spends no schema run on its path parameter. */
const UUID = z.regexes.uuid();

/** The event with a room that takes people now; anything else is explained. */
export async function roomEvent(c: Context<AppEnv>, now: number) {
  const eventId = c.req.param("eventId") ?? "";
  // Made only when thrown: an Error captures its stack when constructed, which a join's profile showed (~4 % of its CPU).
  const notFound = () => new ApiError("NOT_FOUND", "No event on sale has this id.");
  if (!UUID.test(eventId)) throw notFound();
  const sellable = await sellableEvent(c.get("db"), eventId, now);
  if (!sellable || sellable.event.status !== "published") throw notFound();
  const config = roomConfigOf(sellable.event, sellable.tiers);
  return { event: sellable.event, config, phase: roomPhase(config.settings, now) };
}

/** The queue token sent as `Authorization: Bearer`, else the cookie (the join also takes it in its body). */
export function presentedQueueToken(c: Context<AppEnv>): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
  return bearer ?? getCookie(c, QUEUE_COOKIE);
}

