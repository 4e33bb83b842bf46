/** `GET /events/{eventId}/tiers/{tierId}/best-available?quantity=N[&accessible=true]` → `{seats}`: a preview, nothing held. */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context";
import { previewBestAvailable } from "../use-cases/preview-best-available";
import { validate } from "../validation";

const params = z.object({ eventId: z.uuid(), tierId: z.uuid() });
const query = z
  .object({
    quantity: z.coerce.number().int().min(1).max(50),
    accessible: z.enum(["true", "false"]).optional(),
  })
  .strict();

export const seatPreviewRoutes = new Hono<AppEnv>().get("/:eventId/tiers/:tierId/best-available", validate("param", params), validate("query", query), async (c) => {
  const { eventId, tierId } = c.req.valid("param");
  const { quantity, accessible } = c.req.valid("query");
  return c.json(await previewBestAvailable(c.env, c.get("db"), eventId, tierId, { quantity, accessible: accessible === "true" }));
});
