/**
 * `POST /orders/{id}/cancel`: the buyer, with the order token, cancels their pending order and its
 * seats go back on sale at once (use-cases/cancel-order.ts). The body is empty or `{}`.
 */
import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../context";
import { validationFailed } from "../errors";
import { announceChange } from "../live-client";
import { cancelOrder } from "../use-cases/cancel-order";
import { describeIssues } from "../validation";
import { authorizedOrder } from "./purchase";

const cancelBody = z.object({}).strict();

/** Nothing to send; a body, if any, is `{}` (so a client that always sends JSON is welcome). */
async function emptyBody(request: Request): Promise<void> {
  const text = (await request.text()).trim();
  if (text === "") return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw validationFailed([{ field: "body", message: "Send no body, or {} as JSON." }]);
  }
  const parsed = cancelBody.safeParse(value);
  if (!parsed.success) throw validationFailed(describeIssues(parsed.error.issues, "json"));
}

export const orderCancelRoutes = new Hono<AppEnv>().post("/orders/:orderId/cancel", async (c) => {
  await emptyBody(c.req.raw);
  const order = await authorizedOrder(c);
  const cancelled = await cancelOrder(c.env, c.get("db"), order.id, new Date());
  if (cancelled.cancelled_now) announceChange(c.env, c.executionCtx, order.eventId);
  return c.json(cancelled);
});
