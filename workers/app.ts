/**
 * The root hono app: request-scoped services, one sub-app per feature, and the single error path.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { connectHttp } from "../db/client";
import { databaseSettings } from "./config";
import type { AppEnv } from "./context";
import { limitBody } from "./body-limit";
import { ApiError, errorBody, errorStatus } from "./errors";
import { catalogRoutes } from "./routes/catalog";
import { categoryRoutes } from "./routes/categories";
import { checkinRoutes } from "./routes/checkin";
import { doorSetupRoutes } from "./routes/door-setup";
import { eventLiveRoutes } from "./routes/event-live";
import { configRoutes } from "./routes/config";
import { eventKeyRoutes } from "./routes/event-keys";
import { myEventRoutes, organizerEventRoutes } from "./routes/organizer-events";
import { organizerRoutes } from "./routes/organizers";
import { organizationRoutes } from "./routes/organizations";
import { passwordResetRoutes } from "./routes/password-resets";
import { organizerStatsRoutes } from "./routes/organizer-stats";
import { organizerReportRoutes } from "./routes/organizer-reports";
import { promoCodeRoutes } from "./routes/promo-codes";
import { purchaseRoutes } from "./routes/purchase";
import { ticketLinkRoutes } from "./routes/ticket-links";
import { refundRoutes } from "./routes/refunds";
import { orderCancelRoutes } from "./routes/order-cancel";
import { waitlistRoutes } from "./routes/waitlist";
import { healthRoutes } from "./routes/health";
import { waitingRoomRoutes } from "./routes/waiting-room";
import { seatPreviewRoutes } from "./routes/seat-preview";
import { webhookEndpointRoutes } from "./routes/webhook-endpoints";
import { findUnstorableUrlPart, unstorableText } from "./validation";
import { isMetered, metered, meteredEnv, stepOf } from "./cost-meter";
import { devCostRoutes } from "./routes/dev-costs";

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

const api = new Hono<AppEnv>()
  .route("/config", configRoutes)
  .route("/", organizerRoutes)
  .route("/", organizationRoutes)
  .route("/", passwordResetRoutes)
  .route("/organizers/me/events", myEventRoutes)
  .route("/categories", categoryRoutes)
  .route("/ticket-links", ticketLinkRoutes)
  .route("/events", catalogRoutes)
  .route("/events", seatPreviewRoutes)
  .route("/events", organizerEventRoutes)
  .route("/events", eventKeyRoutes)
  .route("/events", organizerStatsRoutes)
  .route("/events", organizerReportRoutes)
  .route("/events", promoCodeRoutes)
  .route("/events", waitingRoomRoutes)
  .route("/events", doorSetupRoutes)
  .route("/events", eventLiveRoutes)
  .route("/checkin", checkinRoutes)
  .route("/", purchaseRoutes)
  .route("/", refundRoutes)
  .route("/", orderCancelRoutes)
  .route("/", waitlistRoutes)
  .route("/webhook-endpoints", webhookEndpointRoutes);

/**
 * The root: request id, security headers, body limit, the request's database, the API under
 * /api/v1 and the one error path. The bench wraps its classic routes in the same root.
 */
export function createApp<Api extends Hono<AppEnv>>(routes: Api) {
  const root = new Hono<AppEnv>()
    .use(async (c, next) => {
      // Development only (the bench's per-step costs, workers/cost-meter.ts); a no-op in production.
      if (!isMetered(c.env)) return next();
      c.env = meteredEnv(c.env);
      await metered(stepOf(c.req.method, new URL(c.req.url).pathname), next);
    })
    .use(async (c, next) => {
      const requestId = c.req.header("cf-ray") ?? crypto.randomUUID();
      c.set("requestId", requestId);
      c.header("X-Request-Id", requestId);
      await next();
    })
    .use(secureHeaders({ crossOriginResourcePolicy: "same-site" }))
    .use(async (c, next) => {
      const field = findUnstorableUrlPart(new URL(c.req.url));
      if (field !== undefined) throw unstorableText(field);
      await next();
    })
    .use("/api/*", limitBody(MAX_BODY_BYTES, () => new ApiError("PAYLOAD_TOO_LARGE", `Request bodies are limited to ${MAX_BODY_BYTES} bytes.`)))
    .use("/api/*", async (c, next) => {
      c.set("db", connectHttp(databaseSettings(c.env)));
      await next();
    })
    .route("/healthz", healthRoutes)
    .route("/api/v1/dev", devCostRoutes)
    .route("/api/v1", routes);

  let allowedMethods: ((path: string) => string[]) | undefined;
  root.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    allowedMethods ??= methodsByPath(root.routes);
    const allowed = allowedMethods(path);
    if (allowed.length > 0) {
      // A known path asked with a method it does not answer: 405 with what it does answer.
      const error = new ApiError("METHOD_NOT_ALLOWED", `${path} answers ${allowed.join(", ")}, not ${c.req.method}.`);
      c.header("Allow", allowed.join(", "));
      return c.json(errorBody(error, c.get("requestId")), error.status);
    }
    const error = new ApiError("NOT_FOUND", `There is no ${c.req.method} ${path}.`);
    return c.json(errorBody(error, c.get("requestId")), error.status);
  });

  root.onError((err, c) => {
    const requestId = c.get("requestId") ?? crypto.randomUUID();
    const error =
      err instanceof ApiError ? err : err instanceof HTTPException ? fromHttpException(err) : undefined;
    if (!error || error.code === "INTERNAL") {
      // The cause stays in the logs under the request id; the client gets no stack or SQL.
      const cause = (err as { cause?: unknown }).cause;
      console.error(JSON.stringify({ level: "error", request_id: requestId, error: String(err), ...(cause ? { cause: String(cause) } : {}), stack: err.stack }));
    }
    const shown = error ?? new ApiError("INTERNAL", "Something went wrong on our side. Please try again.");
    // API.md: a 429 says when to come back, in the header as well as the body.
    const retryAfter = shown.extra.retry_after_seconds;
    if (typeof retryAfter === "number" && retryAfter > 0) c.header("Retry-After", String(Math.ceil(retryAfter)));
    return c.json(errorBody(shown, requestId), errorStatus[shown.code]);
  });
  return root;
}

/**
 * Which methods the app's routes answer on a path (HEAD wherever GET is). Middleware is registered
 * under the method ALL and says nothing about what a path answers, so it is left out.
 */
function methodsByPath(routes: readonly { method: string; path: string }[]): (path: string) => string[] {
  const patterns = routes
    .filter((r) => r.method !== "ALL")
    .map((r) => {
      const source = r.path
        .split("/")
        .map((part) => (part === "*" ? ".*" : part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
        .join("/");
      return { method: r.method, pattern: new RegExp(`^${source}/?$`) };
    });
  return (path) => {
    const methods = new Set(patterns.filter((p) => p.pattern.test(path)).map((p) => p.method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}

export const app = createApp(api);

export type AppType = typeof app;

/**
 * The API as mounted under /api/v1, for hono's typed client in the pages (`hc<ApiType>("/api/v1")`,
 * web/scripts/api-client.lib.ts): what each route answers is inferred from its handler, so a route
 * that changes its answer breaks the pages' type check.
 */
export type ApiType = typeof api;
