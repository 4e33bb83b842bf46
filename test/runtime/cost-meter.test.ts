/**
 * The development cost meter's bindings (workers/cost-meter.ts), built once per env object and
 * shared by every request: each Durable Object call must still be counted exactly once, into the
 * account of the request that made it, with requests running at once.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { costTotals, metered, meteredEnv } from "../../workers/cost-meter";
import type { WaitingRoomShard } from "../../durable-objects/waiting-room-shard";

const shardOf = (e: Env, name: string) => (e.WAITING_ROOM_SHARD as unknown as DurableObjectNamespace<WaitingRoomShard>).getByName(name);

describe("the cost meter's bindings", () => {
  it("are built once per env and count each request's object calls into its own account, requests interleaved", async () => {
    const shared = meteredEnv(env as Env);
    expect(meteredEnv(env as Env)).toBe(shared);
    expect(shared.WAITING_ROOM_SHARD).toBe(meteredEnv(env as Env).WAITING_ROOM_SHARD);
    // Bindings that are not namespaces or queues pass through as they are.
    expect(shared.APP_ENV).toBe(env.APP_ENV);

    const tag = crypto.randomUUID();
    const calls = { a: 7, b: 3, c: 0 };
    const run = (step: keyof typeof calls) =>
      metered(`${step}-${tag}`, async () => {
        const mine = meteredEnv(env as Env);
        for (let i = 0; i < calls[step]; i++) {
          // Every other call through a stub of its own, the rest through one stub: both are counted.
          const stub = shardOf(mine, `cost-meter-${tag}-${step}`);
          await stub.stats();
          if (i % 2 === 0) await Promise.resolve();
        }
      });
    await Promise.all([run("a"), run("b"), run("c"), run("a")]);
    const totals = costTotals();
    expect(totals[`a-${tag}`]).toMatchObject({ requests: 2, doCalls: 14 });
    expect(totals[`b-${tag}`]).toMatchObject({ requests: 1, doCalls: 3 });
    expect(totals[`c-${tag}`]).toMatchObject({ requests: 1, doCalls: 0 });

    // Outside any metered request nothing is counted anywhere.
    const before = JSON.stringify(costTotals());
    await shardOf(shared, `cost-meter-${tag}-outside`).stats();
    expect(JSON.stringify(costTotals())).toBe(before);
  });
});
