/**
 * The pre-queue's joins in a join shard, written by group commit (durable-objects/
 * waiting-room-shard-writes.ts): many joins fired at one shard at once, with re-joins racing their
 * first join and one address over its limit, must leave exactly the entry list the verifiable draw
 * needs — every accepted join once, numbered densely, re-joins answered with their entry, the
 * per-address limit exact — and so must the shard after a restart. Re-joins through the Worker
 * keep their entry however the token is presented. Time moves through the coordinator's
 * `tick(now)`, never by sleeping.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { positionsOfEntries } from "../../workers/domain/admission";
import { JOINS_PER_IP_PER_MINUTE } from "../../workers/domain/queue-shards";
import { sha256Hex } from "../../workers/auth/tokens";
import { roomOf } from "../../workers/waiting-room-client";
import type { WaitingRoomShard } from "../../durable-objects/waiting-room-shard";
import type { JoinOutcome, RoomConfig } from "../../durable-objects/waiting-room-types";
import { call } from "./http";
import { publishedEvent } from "./purchase-helpers";
import { shuffled } from "../seeded-random";
import { seeded } from "./run-seed";

const MINUTE = 60_000;
const random = seeded("waiting-room pre-queue: arrival order of a shard's joins");

const shardNs = () => env.WAITING_ROOM_SHARD as unknown as DurableObjectNamespace<WaitingRoomShard>;

/** An event whose sale opens in an hour, its room's pre-queue taking joins now. */
async function preQueueEvent() {
  const salesStartAt = new Date(Date.now() + 60 * MINUTE);
  const { eventId, tiers } = await publishedEvent([{ name: "GA", price: 1000, capacity: 1000 }], {
    sales_start_at: salesStartAt.toISOString(),
    waiting_room: { enabled: true, opens_minutes_before: 120, admit_per_minute: 600, max_active_shoppers: 1000, session_minutes: 10 },
  });
  const opensAt = salesStartAt.getTime();
  const config: RoomConfig = {
    eventId,
    settings: {
      enabled: true,
      preQueueFrom: opensAt - 120 * MINUTE,
      opensAt,
      closesAt: opensAt + 30 * 86_400_000,
      admitPerMinute: 600,
      maxActiveShoppers: 1000,
      sessionMinutes: 10,
    },
    tierIds: tiers.map((t) => t.tier_id).sort(),
  };
  return { eventId, opensAt, config };
}

/** The entry a pre-queue answer holds. */
function entryOf(outcome: JoinOutcome): number {
  if (!outcome.ok || outcome.ticket.kind !== "pre") throw new Error(`not a pre-queue entry: ${JSON.stringify(outcome)}`);
  return outcome.ticket.entry;
}

/** The claims of a queue token (`qt_<base64url JSON>.<signature>`). */
function claimsOf(token: string): { j: string; k: string; n: number; s?: number } {
  return JSON.parse(atob(token.slice(3).split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/")));
}

describe("the pre-queue's joins in a shard", () => {
  it("numbers concurrent joins densely, once each, with racing re-joins and the address limit exact, before and after a restart, and the draw verifies", { timeout: 120_000 }, async () => {
    const { eventId, opensAt, config } = await preQueueEvent();
    const commitment = (await call("GET", `/api/v1/events/${eventId}/queue/fairness`)).body.commitment as string;
    const SHARD = 5;
    const shard = () => shardNs().getByName(`${eventId}:${SHARD}`);

    // 240 people, each from their own address but the last 15, who share one (a carrier NAT, or a
    // bot): only JOINS_PER_IP_PER_MINUTE of those get an entry. 60 people send their join twice.
    const crowdIp = "203.0.113.9";
    const people = Array.from({ length: 240 }, (_, i) => ({ joinId: `device-p${i}`, ip: i >= 225 ? crowdIp : `100.70.${i >> 8}.${i & 255}` }));
    const sends = shuffled([...people, ...people.slice(0, 60)], random);
    const stub = shard();
    const answers = await Promise.all(sends.map((p) => stub.join(config, SHARD, p.joinId, p.ip).then((outcome) => ({ p, outcome }))));

    const entries = new Map<string, number>();
    let limited = 0;
    for (const { p, outcome } of answers) {
      if (!outcome.ok) {
        expect(outcome.code).toBe("rate_limited");
        expect(p.ip).toBe(crowdIp);
        limited++;
        continue;
      }
      const entry = entryOf(outcome);
      expect(outcome.ticket).toMatchObject({ kind: "pre", shard: SHARD });
      // A re-join, even one racing the first join, answers the same entry.
      const earlier = entries.get(p.joinId);
      if (earlier !== undefined) expect(entry).toBe(earlier);
      entries.set(p.joinId, entry);
    }
    // The address limit is exact: of the 15 sharing an address, exactly the limit got in.
    expect(limited).toBe(15 - JOINS_PER_IP_PER_MINUTE);
    expect([...entries.keys()].filter((id) => people.find((p) => p.joinId === id)!.ip === crowdIp)).toHaveLength(JOINS_PER_IP_PER_MINUTE);
    // Every accepted join once, numbered 1..N with no gap: the draw's input.
    const accepted = 225 + JOINS_PER_IP_PER_MINUTE;
    expect(entries.size).toBe(accepted);
    expect([...entries.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: accepted }, (_, i) => i + 1));
    const stats = await stub.stats();
    expect(stats).toMatchObject({ joins: accepted, pre_entries: accepted, rows_written: accepted });
    // The rows were committed in groups, not one statement per join (what the group commit is for).
    expect(stats.row_statements).toBeLessThan(accepted);
    console.log(`${accepted} pre-queue rows in ${stats.row_statements} statements`);

    // A restart: the shard's memory (numbering, its map of joins) comes back from its rows alone.
    await expect(runInDurableObject(stub, (_instance, state) => state.abort("restart for the test"))).rejects.toThrow();
    const restarted = shard();
    const again = await Promise.all(shuffled([...entries.keys()], random).map(async (joinId) => ({ joinId, outcome: await restarted.join(config, SHARD, joinId, `100.80.0.${joinId.length}`) })));
    for (const { joinId, outcome } of again) expect(entryOf(outcome)).toBe(entries.get(joinId));
    // A new instance (its counters start at zero; a re-join is not a join), with the whole list.
    expect(await restarted.stats()).toMatchObject({ joins: 0, pre_entries: accepted });
    // The next newcomer gets the next number, as if nothing had happened.
    const newcomer = await restarted.join(config, SHARD, "device-newcomer", "100.90.0.1");
    expect(entryOf(newcomer)).toBe(accepted + 1);
    entries.set("device-newcomer", accepted + 1);

    // The draw: the shard's whole list, nothing more, and anyone re-running it from the published seed finds every place.
    const room = roomOf(env, eventId);
    await room.tick(opensAt);
    const fairness = (await call("GET", `/api/v1/events/${eventId}/queue/fairness`)).body;
    expect(fairness).toMatchObject({ drawn: true, pre_queue_size: accepted + 1, commitment });
    expect(await sha256Hex(fairness.seed)).toBe(commitment);
    expect(fairness.shard_entries).toEqual(Array.from({ length: 16 }, (_, k) => (k === SHARD ? accepted + 1 : 0)));
    const drawn = positionsOfEntries(fairness.seed, accepted + 1);
    expect(new Set(drawn).size).toBe(accepted + 1);
    // After the draw a re-join still answers the entry (the shard's pre-queue is closed, its rows kept).
    const late = await shard().join(config, SHARD, "device-p0", "100.91.0.1");
    expect(entryOf(late)).toBe(entries.get("device-p0"));
  });

  it("counts in the draw exactly the entries it answered when the draw closes the shard amid a burst of joins", { timeout: 120_000 }, async () => {
    const { eventId, opensAt, config } = await preQueueEvent();
    const commitment = (await call("GET", `/api/v1/events/${eventId}/queue/fairness`)).body.commitment as string;
    const SHARD = 11;
    const stub = shardNs().getByName(`${eventId}:${SHARD}`);
    const join = (i: number) => stub.join(config, SHARD, `device-q${i}`, `100.71.${i >> 8}.${i & 255}`);
    // The draw's close of this shard lands among 160 joins (the coordinator's call, made here
    // directly so it arrives amid them): rows still waiting for their write when it closes must be
    // in its count, and nothing after it. Later joins take positions, which opens the room.
    const early = Array.from({ length: 80 }, (_, i) => join(i));
    const close = stub.closePreQueue();
    const late = Array.from({ length: 80 }, (_, i) => join(80 + i));
    const outcomes = await Promise.all([...early, ...late]);
    const closed = await close;
    await roomOf(env, eventId).tick(opensAt);
    for (const o of outcomes) expect(o.ok, JSON.stringify(o)).toBe(true);
    const pre = outcomes.filter((o) => o.ok && o.ticket.kind === "pre").map(entryOf);
    const positions = outcomes.filter((o) => o.ok && o.ticket.kind === "position").map((o) => (o.ok && o.ticket.kind === "position" ? o.ticket.position : 0));
    expect(pre.length + positions.length).toBe(160);
    expect(pre.sort((a, b) => a - b)).toEqual(Array.from({ length: pre.length }, (_, i) => i + 1));
    expect(closed.entries).toBe(pre.length);
    console.log(`closed amid the burst: ${pre.length} entries before, ${positions.length} positions after`);

    const fairness = (await call("GET", `/api/v1/events/${eventId}/queue/fairness`)).body;
    expect(fairness).toMatchObject({ drawn: true, pre_queue_size: pre.length, commitment });
    expect(fairness.shard_entries[SHARD]).toBe(pre.length);
    // Later joins queue behind the whole pre-queue, each at its own position.
    expect(new Set(positions).size).toBe(positions.length);
    for (const position of positions) expect(position).toBeGreaterThan(pre.length);
    // The rows of the entries counted are the shard's after a restart too.
    await expect(runInDurableObject(stub, (_instance, state) => state.abort("restart for the test"))).rejects.toThrow();
    const restarted = shardNs().getByName(`${eventId}:${SHARD}`);
    expect((await restarted.stats()).pre_entries).toBe(pre.length);
    for (let i = 0; i < 160; i += 20) {
      const again = await restarted.join(config, SHARD, `device-q${i}`, "100.72.0.1");
      const first = outcomes[i] as Extract<JoinOutcome, { ok: true }>;
      expect(again).toMatchObject({ ok: true, ticket: first.ticket });
    }
    // A new join sent several times at once (a double tap) after the close: one position for all of
    // them, not a failed write for the copies.
    const taps = await Promise.all(Array.from({ length: 5 }, () => restarted.join(config, SHARD, "device-double-tap", "100.73.0.1")));
    for (const tap of taps) expect(tap, JSON.stringify(tap)).toMatchObject({ ok: true, ticket: { kind: "position" } });
    expect(new Set(taps.map((tap) => JSON.stringify(tap.ok && tap.ticket))).size).toBe(1);
  });

  it("keeps a pre-queue entry however a re-join presents its token, and by the device cookie alone", { timeout: 60_000 }, async () => {
    const { eventId, opensAt } = await preQueueEvent();
    const path = `/api/v1/events/${eventId}/queue`;
    const first = await call("POST", path, {}, {}, { "CF-Connecting-IP": "100.100.0.1" });
    expect(first.status).toBe(201);
    expect(first.body.state).toBe("pre_queue");
    const cookies = first.headers.getSetCookie().map((c: string) => c.split(";")[0]!);
    const queueCookie = cookies.find((c: string) => c.startsWith("ao_queue="))!;
    const deviceCookie = cookies.find((c: string) => c.startsWith("ao_device="))!;
    const token = first.body.queue_token as string;
    const mine = claimsOf(token);
    expect(mine.k).toBe("pre");

    // All at once, 8 at a time (more stalls workerd's test runner): cookie, body, bearer (with and
    // without a body), and a lost token with the device cookie still there.
    const rejoins = await Promise.all([
      call("POST", path, {}, { cookie: queueCookie }, { "CF-Connecting-IP": "100.100.0.2" }),
      call("POST", path, { queue_token: token }, {}, { "CF-Connecting-IP": "100.100.0.3" }),
      call("POST", path, {}, {}, { Authorization: `Bearer ${token}`, "CF-Connecting-IP": "100.100.0.4" }),
      call("POST", path, undefined, {}, { Authorization: `Bearer ${token}` }),
      call("POST", path, {}, { cookie: deviceCookie }, { "CF-Connecting-IP": "100.100.0.1" }),
      call("POST", path, {}, { cookie: deviceCookie }, { "CF-Connecting-IP": "100.100.0.1" }),
      // Someone else at the same time gets the next entry.
      call("POST", path, {}, {}, { "CF-Connecting-IP": "100.100.0.9" }),
    ]);
    for (const r of rejoins.slice(0, 4)) {
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body.queue_token).toBe(token);
    }
    for (const r of rejoins.slice(4, 6)) {
      // A new token (the old one is lost), the same place: same join, shard and entry.
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(claimsOf(r.body.queue_token)).toMatchObject({ j: mine.j, k: "pre", n: mine.n, s: mine.s });
    }
    const other = claimsOf(rejoins[6]!.body.queue_token);
    expect(other.j).not.toBe(mine.j);

    // After the draw the place is the drawn position of its entry.
    await roomOf(env, eventId).tick(opensAt);
    const fairness = (await call("GET", `/api/v1/events/${eventId}/queue/fairness`)).body;
    expect(fairness.pre_queue_size).toBe(2);
    const drawn = positionsOfEntries(fairness.seed, 2);
    await expect
      .poll(async () => (await call("GET", `${path}/status`, undefined, {}, { Authorization: `Bearer ${token}` })).body.pre_queue_entry, { timeout: 10_000, interval: 200 })
      .not.toBeNull();
    const told = (await call("GET", `${path}/status`, undefined, {}, { Authorization: `Bearer ${token}` })).body;
    expect(told.position).toBe(drawn[told.pre_queue_entry - 1]);
  });
});
