/**
 * Bench only — a Worker entry for the classic design (bench/wrangler.classic.toml). Everything is
 * the real Worker (workers/index.ts: the app, the Durable Object classes, the queue consumer, the
 * cron) except three routes, which go to bench/classic-routes.ts: register (claim in Postgres),
 * pay and the Stripe webhook (finalize without TierInventory).
 */
import { app } from "../workers/app";
import worker from "../workers/index";
import { classicApp } from "./classic-routes";

// Every Durable Object class the real Worker binds: a waiting room joins through WaitingRoomShard.
export { EventLive, TierInventory, WaitingRoom, WaitingRoomShard } from "../workers/index";

const CLASSIC_ROUTES = [/^\/api\/v1\/events\/[^/]+\/register$/, /^\/api\/v1\/orders\/[^/]+\/pay$/, /^\/api\/v1\/stripe\/webhook$/];

export default {
  ...worker,
  fetch(request, env, ctx) {
    if (request.method === "POST" && CLASSIC_ROUTES.some((route) => route.test(new URL(request.url).pathname))) {
      return classicApp.fetch(request, env, ctx);
    }
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
