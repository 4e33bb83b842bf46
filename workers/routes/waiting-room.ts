/**
 * The waiting room over HTTP: join, status, fairness. Join reaches the event's WaitingRoom once
 * per person; status is answered here from the signed queue token and a view of the room at most
 * a second old, reaching the object only to hand an admitted person an access token.
 */
import { Hono, type Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { signAccessToken, signQueueToken, readQueueToken, readAccessToken, type QueuePlace } from "../auth/queue-tokens";
import type { AppEnv } from "../context";
import { announceChange } from "../live-client";
import { sha256Hex } from "../auth/tokens";
import { clientAddress, isLimitedAddress } from "../client-address";
import { DRAW_ALGORITHM, drawnEntryOf, positionOf, standingOf, type QueueStanding } from "../domain/admission";
import { ApiError, validationFailed } from "../errors";
import { declaresJson, describeIssues } from "../validation";
import {
  ACCESS_COOKIE,
  ACCESS_HEADER,
  QUEUE_COOKIE,
  drawnPosition,
  roomFairness,
  roomOf,
  roomShardOf,
  roomView,
  type CachedView,
  type ViewSource,
} from "../waiting-room-client";
import { presentedQueueToken, roomEvent } from "./waiting-room-shared";
import { edgeJoinLimit, edgePosition } from "../waiting-room-edge";
import type { JoinOutcome } from "../../durable-objects/waiting-room-types";
import { turnMailRoutes } from "./waiting-room-notify";

const joinBody = z.object({ queue_token: z.string().min(1).max(1024).optional() }).strict();

/** The last URL asked about and its answer: a join asks up to twice, and a burst's joins share one URL, so the URL is parsed once, not per cookie. */
let lastUrl = "";
let lastLocal = false;

function isLocalHost(url: string): boolean {
  if (url !== lastUrl) {
    const { hostname } = new URL(url);
    lastLocal = hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]";
    lastUrl = url;
  }
  return lastLocal;
}

/** Per-address join limits count Cloudflare's address only (workers/client-address.ts); without one, no limit by address. */
function clientIp(c: Context<AppEnv>): string | null {
  const address = clientAddress(c);
  return isLimitedAddress(address) ? address : null;
}

async function readJoinBody(c: Context<AppEnv>): Promise<z.infer<typeof joinBody>> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw validationFailed([{ field: "body", message: "Send JSON, or nothing." }]);
  }
  // The usual body, `{}`, needs no schema run.
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0) return {};
  const parsed = joinBody.safeParse(value);
  if (!parsed.success) throw validationFailed(describeIssues(parsed.error.issues, "json"));
  return parsed.data;
}

const DEVICE_COOKIE = "ao_device";

/** A long-lived random id per browser, so one browser holds one place per event whatever tokens it drops. */
function deviceOf(c: Context<AppEnv>): string {
  const known = getCookie(c, DEVICE_COOKIE);
  if (known && /^[A-Za-z0-9_-]{16,64}$/.test(known)) return known;
  const fresh = crypto.randomUUID().replace(/-/g, "");
  setCookie(c, DEVICE_COOKIE, fresh, { httpOnly: true, secure: !isLocalHost(c.req.url), sameSite: "Lax", path: "/api/v1/events", maxAge: 365 * 86_400 });
  return fresh;
}

function setQueueCookie(c: Context<AppEnv>, eventId: string, token: string, closesAt: number | null, now: number): void {
  setCookie(c, QUEUE_COOKIE, token, {
    httpOnly: true,
    secure: !isLocalHost(c.req.url),
    sameSite: "Strict",
    path: `/api/v1/events/${eventId}/queue`,
    maxAge: Math.max(60, Math.min(7 * 86_400, Math.ceil(((closesAt ?? now + 86_400_000) - now) / 1000))),
  });
}

type Answer = Omit<QueueStanding, "state"> & { state: QueueStanding["state"] | "expired" };

/** Status as the API gives it, with an access token once the person's turn has come. */
async function statusOf(c: Context<AppEnv>, place: QueuePlace, view: CachedView, source: ViewSource, event: { id: string; waitlist: unknown }, now: number) {
  const position = positionOf(place.ticket, view, (entry) => drawnPosition(view.seed!, view.preQueueSize, entry));
  const standing: Answer = standingOf(position, view, now);
  let access: { token: string; expiresAt: number } | undefined;
  if (standing.state === "admitted" && position !== null) {
    // An access token already held for this position is answered here; only a first claim (or a
    // lost token) reaches the object.
    const held = c.req.header(ACCESS_HEADER) ?? getCookie(c, ACCESS_COOKIE);
    const current = held ? await readAccessToken(c.env.SIGNING_MASTER_KEY, event.id, held, now) : undefined;
    if (current && current.position === position) {
      access = { token: held!, expiresAt: current.expiresAt };
    } else {
      c.header("X-Queue-Claim", "object");
      const claim = await roomOf(c.env, event.id).claimAccess(position);
      if (claim.ok) {
        announceChange(c.env, c.executionCtx, event.id);
        const token = await signAccessToken(c.env.SIGNING_MASTER_KEY, { eventId: event.id, position, expiresAt: claim.expiresAt });
        access = { token, expiresAt: claim.expiresAt };
        setCookie(c, ACCESS_COOKIE, token, {
          httpOnly: true,
          secure: !isLocalHost(c.req.url),
          sameSite: "Strict",
          path: `/api/v1/events/${event.id}`,
          maxAge: Math.max(1, Math.floor((claim.expiresAt - now) / 1000)),
        });
      } else if (claim.code === "session_ended") {
        standing.state = "expired";
        standing.pollAfterSeconds = 30;
      } else {
        // Released a moment after the cached view said so; ask again shortly.
        standing.state = "waiting";
      }
    }
  }
  c.header("X-Queue-View", source);
  c.header("Cache-Control", "no-store");
  const waitlist = event.waitlist as { enabled?: boolean; offer_minutes?: number } | null;
  return {
    state: standing.state,
    position: standing.position,
    ahead: standing.ahead,
    estimated_wait_seconds: standing.estimatedWaitSeconds,
    tickets_left: view.ticketsLeft,
    poll_after_seconds: standing.pollAfterSeconds,
    released_up_to: view.releasedUpTo,
    opens_at: new Date(view.opensAt).toISOString(),
    // When the next person is due in by the rate (or a freed slot): "number 1, next admission in ~40 s".
    next_admission_at: standing.state === "waiting" && view.nextAdmissionAt !== null ? new Date(Math.max(now, view.nextAdmissionAt)).toISOString() : null,
    // The entry number the draw used: known once drawn (entries are numbered across the join shards then).
    ...(place.ticket.kind === "pre" ? { pre_queue_entry: drawnEntryOf(place.ticket, view) } : {}),
    ...(access ? { access_token: access.token, access_expires_at: new Date(access.expiresAt).toISOString() } : {}),
    ...(standing.state === "sold_out" ? { waitlist: { enabled: Boolean(waitlist?.enabled), offer_minutes: waitlist?.offer_minutes ?? 30 } } : {}),
  };
}

export const waitingRoomRoutes = new Hono<AppEnv>()
  // POST /:eventId/queue/notify: "tell me by mail when it's my turn".
  .route("/", turnMailRoutes)
  // The body may also be empty (readJoinBody checks it); declaresJson only tells hc its type.
  .post("/:eventId/queue", declaresJson(joinBody), async (c) => {
    const now = Date.now();
    const body = await readJoinBody(c);
    const { event, config, phase } = await roomEvent(c, now);
    if (phase === "off") throw new ApiError("QUEUE_NOT_ACTIVE", "This event has no waiting room: buy tickets on the event page.");
    if (phase === "closed") throw new ApiError("SALES_NOT_OPEN", "Sales for this event have ended.");

    // One browser, one place: a genuine token for this event is answered, never replaced — unless
    // its turn came and went, when joining again means a new place at the back.
    // However the token is presented (body, `Authorization: Bearer`, or the cookie), the place is kept.
    const presented = body.queue_token ?? presentedQueueToken(c);
    const existing = presented ? await readQueueToken(c.env.SIGNING_MASTER_KEY, event.id, presented) : undefined;
    if (existing) {
      const { view, source } = await roomView(c.env, config, now);
      const status = await statusOf(c, existing, view, source, event, now);
      if (status.state !== "expired") {
        setQueueCookie(c, event.id, presented!, config.settings.closesAt, now);
        return c.json({ queue_token: presented!, ...status }, 200);
      }
    }

    // Before the draw, a browser that lost its queue token (cleared it, or a bot dropping the tokens
    // but not the cookie jar) keeps the one pre-queue entry its device cookie has: no extra lottery
    // tickets. After the opening, a new join is a place at the back, which buys nothing.
    const joinId = phase === "pre_queue" && !existing ? `device-${await sha256Hex(`${event.id}:${deviceOf(c)}`)}` : crypto.randomUUID();
    const ip = clientIp(c);
    let joined: JoinOutcome;
    if (phase === "open") {
      // After the opening this isolate gives out the position from a block lent to it: no object
      // call on the response path in a burst (workers/waiting-room-edge.ts).
      const retryAfterSeconds = ip ? edgeJoinLimit(ip, now) : null;
      joined =
        retryAfterSeconds !== null
          ? { ok: false, code: "rate_limited", retryAfterSeconds }
          : { ok: true, ticket: { kind: "position", position: await edgePosition(c.env, c.executionCtx, config) }, joinedAt: now };
    } else {
      // The pre-queue goes to one of the event's shards, never to one object for everyone (docs/waiting-room.md).
      const { shard, stub } = roomShardOf(c.env, event.id, ip ?? joinId);
      joined = await stub.join(config, shard, joinId, ip ?? `unlimited-${joinId}`);
    }
    if (!joined.ok) {
      switch (joined.code) {
        case "rate_limited":
          throw new ApiError("RATE_LIMITED", "Too many joins from your network; try again in a minute.", { retry_after_seconds: joined.retryAfterSeconds });
        case "not_open":
          throw new ApiError("SALES_NOT_OPEN", `The waiting room opens at ${new Date(joined.preQueueFrom).toISOString()}.`, {
            queue_opens_at: new Date(joined.preQueueFrom).toISOString(),
          });
        case "closed":
          throw new ApiError("SALES_NOT_OPEN", "Sales for this event have ended.");
        case "not_configured":
          throw new ApiError("QUEUE_NOT_ACTIVE", "This event has no waiting room: buy tickets on the event page.");
      }
    }
    announceChange(c.env, c.executionCtx, event.id);
    const place: QueuePlace = { eventId: event.id, joinId, ticket: joined.ticket };
    const token = await signQueueToken(c.env.SIGNING_MASTER_KEY, place);
    setQueueCookie(c, event.id, token, config.settings.closesAt, now);
    const { view, source } = await roomView(c.env, config, now);
    // The view may predate this join by up to a second: never tell someone they are past the end.
    const fresh = { ...view, lastPosition: Math.max(view.lastPosition, joined.ticket.kind === "position" ? joined.ticket.position : 0) };
    const status = await statusOf(c, place, fresh, source, event, now);
    return c.json({ queue_token: token, ...status }, 201);
  })
  .get("/:eventId/queue/status", async (c) => {
    const now = Date.now();
    const { event, config, phase } = await roomEvent(c, now);
    if (phase === "off") throw new ApiError("QUEUE_NOT_ACTIVE", "This event has no waiting room: buy tickets on the event page.");
    const presented = presentedQueueToken(c);
    if (!presented) throw new ApiError("UNAUTHENTICATED", "Join the queue first: send the queue token as `Authorization: Bearer <queue_token>`.");
    const place = await readQueueToken(c.env.SIGNING_MASTER_KEY, event.id, presented);
    if (!place) throw new ApiError("UNAUTHENTICATED", "This queue token is not valid for this event.");
    const { view, source } = await roomView(c.env, config, now);
    return c.json(await statusOf(c, place, view, source, event, now));
  })
  .get("/:eventId/queue/fairness", async (c) => {
    const now = Date.now();
    const { config, phase } = await roomEvent(c, now);
    if (phase === "off") throw new ApiError("QUEUE_NOT_ACTIVE", "This event has no waiting room.");
    const fairness = await roomFairness(c.env, config);
    c.header("Cache-Control", "no-store");
    return c.json({
      algorithm: DRAW_ALGORITHM,
      commitment: fairness.commitment,
      commitment_scheme: "sha256(seed as lowercase hex)",
      opens_at: new Date(config.settings.opensAt).toISOString(),
      drawn: fairness.opened,
      seed: fairness.seed,
      pre_queue_size: fairness.pre_queue_size,
      // Entries given out by each join shard, in shard order: entry n of shard s is drawn as sum(shard_entries[0..s)) + n.
      shard_entries: fairness.shard_entries,
    });
  });
