/**
 * The root hono app: request-scoped services, one sub-app per feature, and the single error path.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import { connectHttp } from "../db/client";
import { databaseSettings } from "./config";
import type { AppEnv } from "./context";
import { ApiError, errorBody, errorStatus } from "./errors";
import { catalogRoutes } from "./routes/catalog";
import { checkinRoutes } from "./routes/checkin";
import { doorSetupRoutes } from "./routes/door-setup";
import { eventLiveRoutes } from "./routes/event-live";
import { configRoutes } from "./routes/config";
import { eventKeyRoutes } from "./routes/event-keys";
import { myEventRoutes, organizerEventRoutes } from "./routes/organizer-events";
import { organizerRoutes } from "./routes/organizers";
import { organizerStatsRoutes } from "./routes/organizer-stats";
import { organizerReportRoutes } from "./routes/organizer-reports";
import { purchaseRoutes } from "./routes/purchase";
import { refundRoutes } from "./routes/refunds";
import { waitlistRoutes } from "./routes/waitlist";
import { healthRoutes } from "./routes/health";
import { waitingRoomRoutes } from "./routes/waiting-room";

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
  .route("/organizers/me/events", myEventRoutes)
  .route("/events", catalogRoutes)
  .route("/events", organizerEventRoutes)
  .route("/events", eventKeyRoutes)
  .route("/events", organizerStatsRoutes)
  .route("/events", organizerReportRoutes)
  .route("/events", waitingRoomRoutes)
  .route("/events", doorSetupRoutes)
  .route("/events", eventLiveRoutes)
  .route("/checkin", checkinRoutes)
  .route("/", purchaseRoutes)
  .route("/", refundRoutes)
  .route("/", waitlistRoutes);

/**
 * The root: request id, security headers, body limit, the request's database, the API under
 * /api/v1 and the one error path. The bench wraps its classic routes in the same root.
 */
export function createApp<Api extends Hono<AppEnv>>(routes: Api) {
  const root = new Hono<AppEnv>()
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
    .route("/healthz", healthRoutes)
    .route("/api/v1", routes);

  root.notFound((c) => {
    const error = new ApiError("NOT_FOUND", `There is no ${c.req.method} ${new URL(c.req.url).pathname}.`);
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
    return c.json(errorBody(shown, requestId), errorStatus[shown.code]);
  });
  return root;
}

export const app = createApp(api);

export type AppType = typeof app;
