/**
 * The public keys that verify an event's tickets, for scanners to download before the doors open.
 * Public for the events the catalog shows (published and cancelled); a draft sold no tickets, so
 * here it does not exist.
 */
import { Hono } from "hono";
import { z } from "zod";
import { findPublishedEvent } from "../../db/queries/catalog";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { eventJwks } from "../tickets/signing-keys";
import { validate } from "../validation";

/** Short enough that a rotation reaches every scanner within minutes, long enough to spare the database. */
const JWKS_MAX_AGE_SECONDS = 300;

const eventParams = z.object({ eventId: z.string() });

export const eventKeyRoutes = new Hono<AppEnv>().get("/:eventId/keys", validate("param", eventParams), async (c) => {
  const { eventId } = c.req.valid("param");
  const notFound = new ApiError("NOT_FOUND", "No published event has this id.");
  if (!z.uuid().safeParse(eventId).success) throw notFound;
  const db = c.get("db");
  const event = await findPublishedEvent(db, eventId);
  if (!event) throw notFound;
  const jwks = await eventJwks(db, event.id);
  c.header("Cache-Control", `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
  return c.json(jwks);
});
