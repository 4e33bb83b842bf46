/**
 * `POST /ticket-links {email}`: mails the links to the orders this email holds tickets in. Always
 * 202 with the same body, whether the address bought anything or not; 429 past the per-address limit.
 */
import { Hono } from "hono";
import { z } from "zod";
import { clientAddress } from "../client-address";
import type { AppEnv } from "../context";
import { publishOutbox } from "../outbox-publisher";
import { requestTicketLinks } from "../use-cases/ticket-links";
import { validate } from "../validation";

const body = z.object({ email: z.email().max(254) }).strict();

export const TICKET_LINKS_ANSWER = { message: "If tickets were bought with this email, a mail with their links is on its way." } as const;

export const ticketLinkRoutes = new Hono<AppEnv>().post("/", validate("json", body), async (c) => {
  const queued = await requestTicketLinks(c.env, c.get("db"), c.req.valid("json").email, clientAddress(c), new Date());
  // Sent after the answer, so how long the answer takes does not tell whether a mail was queued.
  if (queued) c.executionCtx.waitUntil(publishOutbox(c.env).catch((error: unknown) => console.warn(JSON.stringify({ level: "warn", where: "outbox", error: String(error) }))));
  return c.json(TICKET_LINKS_ANSWER, 202);
});
