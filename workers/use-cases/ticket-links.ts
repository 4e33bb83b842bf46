/**
 * "Resend my tickets": an attendee gives an email and gets, by mail, the links to every order it
 * holds tickets in. The answer never says whether the address bought anything; only its inbox
 * learns that. Limits: requests per client address (429 past it, since a flood from one network is
 * visible anyway) and mails per email (past it, requests are answered alike and send nothing, so
 * nobody is mail-bombed through this page).
 */
import type { HttpDatabase } from "../../db/client";
import { enqueueOutbox } from "../../db/queries/outbox";
import { ordersWithTicketsOf } from "../../db/queries/ticket-links";
import { orderToken } from "../auth/order-tokens";
import { sha256Hex } from "../auth/tokens";
import { clientKeyOf } from "../client-address";
import { ORDER_LINK_DAYS_AFTER_EVENT } from "../domain/order-link";
import { ticketLinksMail } from "../mail/ticket-links";
import { enforceLimit, withinLimit, type WindowLimit } from "./address-limits";
import { orderCodeOf } from "./order-code";

export const TICKET_LINK_REQUESTS_PER_ADDRESS: WindowLimit = { bucket: "ticket-links", limit: 10, windowSeconds: 3_600 };
export const TICKET_LINK_MAILS_PER_EMAIL: WindowLimit = { bucket: "ticket-links-mail", limit: 3, windowSeconds: 3_600 };
/** Orders listed in one mail; someone with more is a box office, not a lost inbox. */
const MAX_ORDERS = 50;
const DAY_MS = 86_400_000;

/** Resolves with whether a mail was queued (for the caller to publish it); the HTTP answer must not depend on it. */
export async function requestTicketLinks(env: Env, db: HttpDatabase, address: string, clientAddress: string | undefined, now: Date): Promise<boolean> {
  const email = address.trim().toLowerCase();
  await enforceLimit(db, TICKET_LINK_REQUESTS_PER_ADDRESS, await clientKeyOf(env.SIGNING_MASTER_KEY, clientAddress), "ticket link requests");
  // Counted under a hash: the limits table need not hold anyone's address.
  if (!(await withinLimit(db, TICKET_LINK_MAILS_PER_EMAIL, await sha256Hex(`ticket-links:${email}`))).ok) return false;
  const found = await ordersWithTicketsOf(db, email, new Date(now.getTime() - ORDER_LINK_DAYS_AFTER_EVENT * DAY_MS), MAX_ORDERS);
  if (found.length === 0) return false;
  const orders = await Promise.all(
    found.map(async (o) => ({
      orderId: o.order_id,
      orderCode: await orderCodeOf(db, { id: o.order_id, status: o.status, orderCode: o.order_code }),
      orderToken: await orderToken(env.SIGNING_MASTER_KEY, o.order_id),
      eventTitle: o.event_title,
      startsAt: new Date(o.starts_at),
      timezone: o.timezone,
      quantity: o.quantity,
    })),
  );
  const mail = ticketLinksMail({ requestId: crypto.randomUUID(), to: email, baseUrl: env.PUBLIC_BASE_URL, orders });
  await enqueueOutbox(db, "mail", mail.dedupe_key, mail);
  return true;
}
