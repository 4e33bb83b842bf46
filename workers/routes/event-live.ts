/**
 * GET /events/{eventId}/live: the organizer's dashboard socket. Authorized here, before the upgrade
 * (a session cookie, or an API key from non-browser clients); the event's EventLive takes the socket.
 * Browsers send cookies on a cross-site WebSocket too, so a cookie upgrade must come from our origin.
 */
import { Hono } from "hono";
import { z } from "zod";
import { findOwnedEvent } from "../../db/queries/organizer-events";
import { LIVE_EVENT_HEADER } from "../../durable-objects/event-live";
import { authorizeOrganizer } from "../auth/permissions";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { liveOf } from "../live-client";

export const eventLiveRoutes = new Hono<AppEnv>().get("/:eventId/live", async (c) => {
  const principal = await authorizeOrganizer(c, "stats.read");
  const origin = c.req.header("Origin");
  if (principal?.via === "session" && origin && origin !== new URL(c.req.url).origin) {
    throw new ApiError("FORBIDDEN", "The live dashboard only opens from this site.");
  }
  const eventId = c.req.param("eventId");
  const event = z.uuid().safeParse(eventId).success ? await findOwnedEvent(c.get("db"), eventId, principal.organization.id) : undefined;
  if (!event) throw new ApiError("NOT_FOUND", "You have no event with this id.");
  if (event.status === "draft") throw new ApiError("CONFLICT", "A draft has nothing live to show: publish it first.");
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("UPGRADE_REQUIRED", "Open this address as a WebSocket (Upgrade: websocket).");
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set(LIVE_EVENT_HEADER, event.id);
  const upgraded = await liveOf(c.env, event.id).fetch(new Request(c.req.url, { method: "GET", headers }));
  // A fresh response: the object's has immutable headers, and the root's middleware adds its own.
  return new Response(upgraded.body, { status: upgraded.status, webSocket: upgraded.webSocket, headers: new Headers(upgraded.headers) });
});
