/**
 * The waitlist: join a tier's queue, see your position, leave, and accept an offer (which answers
 * like register, then pay as usual). Entry calls take `Authorization: Bearer <entry_token>`; an
 * offer is opened by the signed token in its mail link.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { findWaitlistEntry } from "../../db/queries/waitlist";
import { isEntryToken } from "../auth/order-tokens";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { clientAddress } from "../client-address";
import { acceptOffer, describeOffer, joinWaitlist, leaveWaitlist, waitlistEntryStatus } from "../use-cases/waitlist";
import { validate } from "../validation";

const joinBody = z
  .object({
    tier_id: z.uuid(),
    quantity: z.number().int().min(1).max(50),
    attendee: z.object({ email: z.email().max(254), name: z.string().trim().min(1).max(120) }).strict(),
  })
  .strict();

async function authorizedEntry(c: Context<AppEnv>) {
  const entryId = c.req.param("entryId") ?? "";
  const token = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
  if (!token) throw new ApiError("UNAUTHENTICATED", "Send the entry token as `Authorization: Bearer <entry_token>`.");
  if (!z.uuid().safeParse(entryId).success || !(await isEntryToken(c.env.SIGNING_MASTER_KEY, entryId, token))) {
    throw new ApiError("UNAUTHENTICATED", "This entry token does not open this waitlist entry.");
  }
  const entry = await findWaitlistEntry(c.get("db"), entryId);
  if (!entry) throw new ApiError("NOT_FOUND", "No waitlist entry has this id.");
  return entry;
}

export const waitlistRoutes = new Hono<AppEnv>()
  .post("/events/:eventId/waitlist", validate("json", joinBody), async (c) => {
    const eventId = c.req.param("eventId");
    if (!z.uuid().safeParse(eventId).success) throw new ApiError("NOT_FOUND", "No event on sale has this id.");
    const joined = await joinWaitlist(c.env, c.get("db"), eventId, c.req.valid("json"), new Date(), clientAddress(c));
    return c.json(joined.body, joined.created ? 201 : 200);
  })
  .get("/waitlist/:entryId", async (c) => {
    const entry = await authorizedEntry(c);
    return c.json(await waitlistEntryStatus(c.env, c.get("db"), entry));
  })
  .delete("/waitlist/:entryId", async (c) => {
    const entry = await authorizedEntry(c);
    return c.json(await leaveWaitlist(c.env, c.get("db"), entry));
  })
  .get("/waitlist/offers/:offerToken", async (c) => {
    return c.json(await describeOffer(c.env, c.get("db"), c.req.param("offerToken")));
  })
  .post("/waitlist/offers/:offerToken/accept", async (c) => {
    const accepted = await acceptOffer(c.env, c.get("db"), c.req.param("offerToken"));
    return c.json(accepted.body, accepted.created ? 201 : 200);
  });
