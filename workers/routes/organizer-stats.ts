/**
 * GET /events/:eventId/stats: the event's live figures (workers/use-cases/event-stats.ts).
 */
import { Hono } from "hono";
import { z } from "zod";
import { findOwnedEvent } from "../../db/queries/organizer-events";
import { currentOrganization, requirePermission } from "../auth/permissions";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { eventStats } from "../use-cases/event-stats";

export const organizerStatsRoutes = new Hono<AppEnv>().get("/:eventId/stats", requirePermission("stats.read"), async (c) => {
  const eventId = c.req.param("eventId");
  const db = c.get("db");
  const event = z.uuid().safeParse(eventId).success ? await findOwnedEvent(db, eventId, currentOrganization(c).id) : undefined;
  if (!event) throw new ApiError("NOT_FOUND", "You have no event with this id.");
  return c.json(await eventStats(c.env, db, event));
});
