/**
 * The Worker's entry: HTTP through the hono app, the Queue consumer, the Cron triggers, and the
 * Durable Object classes the bindings in wrangler.toml name.
 */
import { app } from "./app";
import { runScheduled } from "./cron";
import { handleQueueBatch } from "./queue";
import { isMetered, metered, meteredEnv } from "./cost-meter";

export { EventLive } from "../durable-objects/event-live";
export { TierInventory } from "../durable-objects/tier-inventory";
export { WaitingRoom } from "../durable-objects/waiting-room";
export { WaitingRoomShard } from "../durable-objects/waiting-room-shard";

export default {
  fetch: app.fetch,
  async queue(batch, env, _ctx) {
    if (isMetered(env)) await metered("queue", () => handleQueueBatch(batch, meteredEnv(env)));
    else await handleQueueBatch(batch, env);
  },
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller, env));
  },
} satisfies ExportedHandler<Env>;
