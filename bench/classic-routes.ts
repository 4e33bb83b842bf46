/**
 * Bench only — the three routes the classic design answers differently (register, pay, and
 * Stripe's webhook, which can finalize an order too), behind the same middleware and error path
 * as workers/app.ts. The route bodies are those of workers/routes/purchase.ts with the classic
 * use cases; the body schemas, `authorizedOrder`, the middleware and the error mapping are copied
 * verbatim because they are not exported.
 */
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { z } from "zod";
import { connectHttp } from "../db/client";
import { findOrder } from "../db/queries/orders";
import { markWebhookProcessed, wasWebhookProcessed } from "../db/queries/webhooks";
import { createStripe, verifyWebhook } from "../workers/adapters/stripe";
import { isOrderToken } from "../workers/auth/order-tokens";
import { databaseSettings } from "../workers/config";
import type { AppEnv } from "../workers/context";
import { ApiError, errorBody, errorStatus, validationFailed } from "../workers/errors";
import { finalizePaidOrder } from "../workers/use-cases/pay-order";
import { validate } from "../workers/validation";
import { finalizePaidOrderClassic, payOrderClassic } from "./classic-finalize";
import { registerOrderClassic } from "./classic-register";

// ---- copied verbatim from workers/routes/purchase.ts ----

const registerBody = z
  .object({
    tier_id: z.uuid(),
    quantity: z.number().int().min(1).max(50),
    seats: z.array(z.string().trim().min(1).max(20)).min(1).max(50).optional(),
    best_available: z.boolean().optional(),
    accessible: z.boolean().optional(),
    idempotency_key: z.string().min(8, "Use a random key of at least 8 characters.").max(200),
    attendee: z.object({ email: z.email().max(254), name: z.string().trim().min(1).max(120) }).strict(),
    join_waitlist: z.boolean().optional(),
  })
  .strict();

const payBody = z.object({ payment_method: z.string().trim().min(3).max(200).optional() }).strict();

async function authorizedOrder(c: Context<AppEnv>) {
  const orderId = c.req.param("orderId") ?? "";
  const token = /^Bearer\s+(\S+)$/i.exec(c.req.header("Authorization") ?? "")?.[1];
  if (!token) throw new ApiError("UNAUTHENTICATED", "Send the order token as `Authorization: Bearer <order_token>`.");
  if (!z.uuid().safeParse(orderId).success || !(await isOrderToken(c.env.SIGNING_MASTER_KEY, orderId, token))) {
    throw new ApiError("UNAUTHENTICATED", "This order token does not open this order.");
  }
  const order = await findOrder(c.get("db"), orderId);
  if (!order) throw new ApiError("NOT_FOUND", "No order has this id.");
  return order;
}

const classicPurchaseRoutes = new Hono<AppEnv>()
  .post("/events/:eventId/register", validate("json", registerBody), async (c) => {
    const eventId = c.req.param("eventId");
    if (!z.uuid().safeParse(eventId).success) throw new ApiError("NOT_FOUND", "No event on sale has this id.");
    const result = await registerOrderClassic(c.env, c.get("db"), eventId, c.req.valid("json"), new Date());
    return c.json(result.body, result.created ? 201 : 200);
  })
  .post("/orders/:orderId/pay", validate("json", payBody), async (c) => {
    const order = await authorizedOrder(c);
    const { payment_method } = c.req.valid("json");
    if (!payment_method && order.amount > 0 && order.status === "pending") {
      throw validationFailed([{ field: "payment_method", message: "Choose how to pay." }]);
    }
    return c.json(await payOrderClassic(c.env, c.get("db"), order.id, payment_method ?? "none", new Date()));
  })
  .post("/stripe/webhook", async (c) => {
    const signature = c.req.header("Stripe-Signature");
    if (!signature) throw validationFailed([{ field: "Stripe-Signature", message: "Missing." }], "Webhook requests must be signed by Stripe.");
    const raw = await c.req.text();
    const stripe = createStripe(c.env);
    let event: Awaited<ReturnType<typeof verifyWebhook>>;
    try {
      event = await verifyWebhook(stripe, raw, signature, c.env.STRIPE_WEBHOOK_SECRET);
    } catch {
      throw validationFailed([{ field: "Stripe-Signature", message: "Signature does not match." }], "The webhook signature is not valid.");
    }
    const db = c.get("db");
    if (await wasWebhookProcessed(db, event.id)) return c.json({ received: true, duplicate: true });
    if (event.type === "payment_intent.succeeded" || event.type === "payment_intent.payment_failed") {
      const intent = event.data.object as { id: string; metadata?: Record<string, string> };
      const orderId = intent.metadata?.order_id;
      const order = orderId && z.uuid().safeParse(orderId).success ? await findOrder(db, orderId) : undefined;
      if (order && event.type === "payment_intent.succeeded") {
        // Orders with a TierInventory hold (made by the real path) keep the real finalize.
        const finalize = order.holdId ? finalizePaidOrder : finalizePaidOrderClassic;
        await finalize(c.env, db, order.id, new Date()).catch((error: unknown) => {
          if (!(error instanceof ApiError && error.code === "HOLD_EXPIRED")) throw error;
        });
      }
    }
    await markWebhookProcessed(db, event.id, event.type);
    return c.json({ received: true });
  });

// ---- copied verbatim from workers/app.ts ----

const MAX_BODY_BYTES = 1024 * 1024;

function fromHttpException(error: HTTPException): ApiError {
  switch (error.status) {
    case 400:
      return new ApiError("VALIDATION_FAILED", error.message || "The request could not be read.", {
        details: [{ field: "body", message: error.message || "Malformed request." }],
      });
    case 401:
      return new ApiError("UNAUTHENTICATED", error.message || "Sign in first.");
    case 403:
      return new ApiError("FORBIDDEN", error.message || "You may not do this.");
    case 404:
      return new ApiError("NOT_FOUND", error.message || "Nothing here.");
    case 413:
      return new ApiError("PAYLOAD_TOO_LARGE", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
    case 429:
      return new ApiError("RATE_LIMITED", error.message || "Too many requests; try again shortly.");
    default:
      return new ApiError("INTERNAL", "Something went wrong on our side. Please try again.");
  }
}

export const classicApp = new Hono<AppEnv>()
  .use(async (c, next) => {
    const requestId = c.req.header("cf-ray") ?? crypto.randomUUID();
    c.set("requestId", requestId);
    c.header("X-Request-Id", requestId);
    await next();
  })
  .use(secureHeaders({ crossOriginResourcePolicy: "same-site" }))
  .use("/api/*", bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => {
    throw new ApiError("PAYLOAD_TOO_LARGE", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`);
  } }))
  .use("/api/*", async (c, next) => {
    c.set("db", connectHttp(databaseSettings(c.env)));
    await next();
  })
  .route("/api/v1", classicPurchaseRoutes);

classicApp.notFound((c) => {
  const error = new ApiError("NOT_FOUND", `There is no ${c.req.method} ${new URL(c.req.url).pathname}.`);
  return c.json(errorBody(error, c.get("requestId")), error.status);
});

classicApp.onError((err, c) => {
  const requestId = c.get("requestId") ?? crypto.randomUUID();
  const error =
    err instanceof ApiError ? err : err instanceof HTTPException ? fromHttpException(err) : undefined;
  if (!error || error.code === "INTERNAL") {
    console.error(JSON.stringify({ level: "error", request_id: requestId, error: String(err), stack: err.stack }));
  }
  const shown = error ?? new ApiError("INTERNAL", "Something went wrong on our side. Please try again.");
  return c.json(errorBody(shown, requestId), errorStatus[shown.code]);
});
