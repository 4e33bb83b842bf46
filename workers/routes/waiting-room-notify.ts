/**
 * `POST /events/{eventId}/queue/notify {email}` with the queue token (body `queue_token`,
 * `Authorization: Bearer`, or the cookie): "tell me by mail when it's my turn". The address is kept
 * with the place in the event's WaitingRoom; when the watermark admits the place, one mail goes
 * out through the outbox (docs/waiting-room.md). Idempotent: the same address again answers the
 * same; a new one replaces it (a few times at most). 409 QUEUE_ALREADY_ADMITTED once the turn came.
 */
import { Hono } from "hono";
import { z } from "zod";
import { readQueueToken } from "../auth/queue-tokens";
import { clientAddress } from "../client-address";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { askForTurnMail } from "../use-cases/queue-turn-mail";
import { validate } from "../validation";
import { presentedQueueToken, roomEvent } from "./waiting-room-shared";

const notifyBody = z.object({ email: z.email().max(254), queue_token: z.string().min(1).max(1024).optional() }).strict();

export const turnMailRoutes = new Hono<AppEnv>().post("/:eventId/queue/notify", validate("json", notifyBody), async (c) => {
  const now = Date.now();
  const body = c.req.valid("json");
  const { event, config, phase } = await roomEvent(c, now);
  if (phase === "off") throw new ApiError("QUEUE_NOT_ACTIVE", "This event has no waiting room: buy tickets on the event page.");
  if (phase === "closed") throw new ApiError("SALES_NOT_OPEN", "Sales for this event have ended.");
  const presented = body.queue_token ?? presentedQueueToken(c);
  if (!presented) throw new ApiError("UNAUTHENTICATED", "Join the queue first: send the queue token as `Authorization: Bearer <queue_token>`.");
  const place = await readQueueToken(c.env.SIGNING_MASTER_KEY, event.id, presented);
  if (!place) throw new ApiError("UNAUTHENTICATED", "This queue token is not valid for this event.");
  const asked = await askForTurnMail(c.env, c.get("db"), { config, place, queueToken: presented, email: body.email, clientAddress: clientAddress(c) });
  c.header("Cache-Control", "no-store");
  return c.json({ email: asked.email, notify: "on_turn" as const }, 200);
});
