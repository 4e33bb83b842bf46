/**
 * `npm run load:waiting-room` — 50,000 simulated people against the waiting room under
 * `wrangler dev`, loopback only, bounded in requests and time. Prints figures; the only things it
 * fails on are correctness checks (double admission, queue jumping, FIFO, the draw), never time.
 *
 * 1. The local platform (dev/stack.ts) and an event whose sale opens WR_OPEN_AFTER seconds after
 *    the crowd starts joining, behind a room admitting WR_ADMIT_PER_MINUTE.
 * 2. Joins: WR_USERS people join as fast as WR_CONCURRENCY connections allow, each from its own
 *    address (CF-Connecting-IP). Those in before the opening form the pre-queue; the rest queue
 *    first come, first served.
 * 3. Polls: for WR_POLL_SECONDS everyone polls their status when `poll_after_seconds` says; an
 *    admitted person takes the access token and stops. Each answer says whether the room's view
 *    came from isolate memory, the Cache API or the Durable Object (X-Queue-View), and whether an
 *    access claim reached the object (X-Queue-Claim).
 * 4. Checks: every position held by one person; every admitted person's access token names their
 *    own position, and no position is admitted twice; "admitted" only at or below the watermark
 *    and "waiting" only above it; a join answered before another was sent holds the earlier
 *    position; the pre-queue positions are exactly the draw re-run from the published seed, whose
 *    SHA-256 is the commitment read before the opening.
 *
 * Settings (env): WR_USERS=50000 WR_CONCURRENCY=96 WR_OPEN_AFTER=15 WR_ADMIT_PER_MINUTE=3000
 * WR_POLL_SECONDS=90 WR_MAX_SECONDS=900 (whole run) WR_VERBOSE=0.
 */
import { createHash } from "node:crypto";
import os from "node:os";
import { startStack, type Stack } from "../dev/stack";
import { cpuBetween, snapshot, wranglerGroup, type CpuUse } from "./cpu";
import { positionsOfEntries } from "../workers/domain/admission";
import { BLOCK_MAX_AGE_MS, SHARDS, shardOf } from "../workers/domain/queue-shards";
import { keepAliveAgent, requestJson, type JsonResponse } from "./http";
import { fmt, percentile, table } from "./stats";

const setting = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number`);
  return Math.floor(value);
};
const USERS = Math.max(1, setting("WR_USERS", 50_000));
const CONCURRENCY = Math.max(1, setting("WR_CONCURRENCY", 96));
const OPEN_AFTER_SECONDS = setting("WR_OPEN_AFTER", 15);
const ADMIT_PER_MINUTE = Math.max(1, setting("WR_ADMIT_PER_MINUTE", 3000));
const POLL_SECONDS = setting("WR_POLL_SECONDS", 90);
const MAX_SECONDS = Math.max(30, setting("WR_MAX_SECONDS", 900));
const VERBOSE = setting("WR_VERBOSE", 0) > 0;

const runDeadline = Date.now() + MAX_SECONDS * 1000;
const agent = keepAliveAgent(CONCURRENCY);

type Reply = JsonResponse;

function request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return requestJson(agent, method, url, body, headers, 30_000);
}

interface Person {
  index: number;
  ip: string;
  token?: string;
  kind?: "pre" | "position";
  entry?: number;
  position?: number;
  joinSentAt?: number;
  joinAnsweredAt?: number;
  nextPollAt: number;
  done: boolean;
  admittedAt?: number;
  accessPosition?: number;
  lastWatermark: number;
}

const counts = {
  joinErrors: {} as Record<string, number>,
  pollErrors: {} as Record<string, number>,
  viewSources: { memory: 0, cache: 0, object: 0 } as Record<string, number>,
  claimsReachingObject: 0,
  polls: 0,
  states: {} as Record<string, number>,
};
const violations: string[] = [];
const violate = (message: string) => {
  if (violations.length < 20) violations.push(message);
  else if (violations.length === 20) violations.push("… more violations not shown");
};
const bump = (bag: Record<string, number>, key: string) => (bag[key] = (bag[key] ?? 0) + 1);

function ipOf(index: number): string {
  return `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
}

function accessPositionOf(token: string): number | undefined {
  try {
    const body = token.slice(3).split(".")[0]!;
    return (JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { p: number }).p;
  } catch {
    return undefined;
  }
}

async function setUpEvent(base: string, opensAt: number): Promise<{ eventId: string; auth: Record<string, string> }> {
  const suffix = Math.random().toString(36).slice(2, 8);
  const organizer = await request("POST", `${base}/api/v1/organizers`, { name: "Load Org", email: `load-${suffix}@example.test`, password: "a long enough password" });
  if (organizer.status !== 201) throw new Error(`sign-up failed: ${JSON.stringify(organizer.body)}`);
  const auth = { Authorization: `Bearer ${organizer.body.api_key}` };
  const startsAt = Date.now() + 30 * 86_400_000;
  const created = await request(
    "POST",
    `${base}/api/v1/events`,
    {
      title: `Load test ${suffix}`,
      category: "concert",
      venue: { name: "Arena", city: "Lisbon" },
      starts_at: new Date(startsAt).toISOString(),
      ends_at: new Date(startsAt + 4 * 3_600_000).toISOString(),
      timezone: "Europe/Lisbon",
      currency: "EUR",
      sales_start_at: new Date(opensAt).toISOString(),
      waiting_room: { enabled: true, opens_minutes_before: 60, admit_per_minute: ADMIT_PER_MINUTE, max_active_shoppers: 100_000, session_minutes: 10 },
      tiers: [{ name: "Floor", price: 5000, capacity: 200_000 }],
    },
    auth,
  );
  if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  const published = await request("POST", `${base}/api/v1/events/${created.body.event_id}/publish`, undefined, auth);
  if (published.status !== 200) throw new Error(`publish failed: ${JSON.stringify(published.body)}`);
  return { eventId: created.body.event_id, auth };
}

async function pool(concurrency: number, next: () => Promise<boolean>): Promise<void> {
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < runDeadline && (await next())) {
      // next() does the work
    }
  }));
}

/** Records what a status (or join) answer says and checks it against the person's place. */
function observe(person: Person, reply: Reply, at: number): void {
  const body = reply.body;
  bump(counts.states, String(body.state));
  if (typeof body.pre_queue_entry === "number") person.entry = body.pre_queue_entry;
  if (typeof body.position === "number") {
    if (person.position !== undefined && person.position !== body.position) violate(`person ${person.index} moved from ${person.position} to ${body.position}`);
    person.position = body.position;
  }
  const watermark = Number(body.released_up_to);
  if (watermark < person.lastWatermark - 0) {
    // A view from another cache level may lag by a second; only a large step back is a fault.
    if (person.lastWatermark - watermark > ADMIT_PER_MINUTE) violate(`watermark went back from ${person.lastWatermark} to ${watermark}`);
  }
  person.lastWatermark = Math.max(person.lastWatermark, watermark);
  if (body.state === "admitted") {
    if (body.position > watermark) violate(`person ${person.index} admitted at ${body.position} above the watermark ${watermark}`);
    const access = typeof body.access_token === "string" ? accessPositionOf(body.access_token) : undefined;
    if (access !== body.position) violate(`person ${person.index} at ${body.position} got access for ${access}`);
    person.accessPosition = access;
    person.admittedAt = at;
    person.done = true;
  } else if (body.state === "waiting") {
    if (body.position <= watermark) violate(`person ${person.index} told to wait at ${body.position} below the watermark ${watermark}`);
  } else if (body.state === "sold_out" || body.state === "closed" || body.state === "expired") {
    person.done = true;
  }
  person.nextPollAt = at + Math.max(1, Number(body.poll_after_seconds) || 2) * 1000;
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`waiting-room load: ${USERS} people, ${CONCURRENCY} connections, opening ${OPEN_AFTER_SECONDS}s after the first join, admit ${ADMIT_PER_MINUTE}/min, polls for ${POLL_SECONDS}s`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
  const stack: Stack = await startStack({ databaseName: "admitone_waiting_room_load", worker: true, log: VERBOSE ? console.log : undefined });
  try {
    const base = stack.urls.worker!;
    // CPU per request, by process (workerd = the Worker and every object; wrangler = its dev proxy; the bench itself).
    const group = wranglerGroup(Number(new URL(base).port));
    const classify = (p: { pgrp: number; comm: string }) => (p.pgrp === group ? (p.comm === "workerd" ? "workerd" : "wrangler") : undefined);
    const measureCpu = async <T>(work: () => Promise<T>): Promise<{ result: T; cpu: CpuUse; benchSeconds: number }> => {
      const before = snapshot(classify);
      const own = process.cpuUsage();
      const result = await work();
      const spent = process.cpuUsage(own);
      return { result, cpu: cpuBetween(before, snapshot(classify), ["workerd", "wrangler"]), benchSeconds: (spent.user + spent.system) / 1e6 };
    };
    const perRequest = (m: { cpu: CpuUse; benchSeconds: number }, requests: number) =>
      ["workerd", "wrangler"].map((g) => `${g} ${fmt(((m.cpu.seconds.get(g) ?? 0) * 1000) / Math.max(1, requests), 2)}`).join(", ") +
      `, bench ${fmt((m.benchSeconds * 1000) / Math.max(1, requests), 2)}, rest of the machine ${fmt(((m.cpu.seconds.get("other") ?? 0) * 1000) / Math.max(1, requests), 2)} ms (machine busy ${fmt(m.cpu.machineBusyCores, 2)} cores)`;
    // Measured before the event is set up, so the opening is still OPEN_AFTER seconds after the joins start.
    // --- the no-op ceiling: GET /healthz through the same Worker at the same concurrency. Taken
    // before the joins and again after the polls: this machine's speed drifts by a fifth from one
    // minute to the next, so one reading taken apart from the joins can make the share swing.
    const noopCount = Math.min(USERS, 10_000);
    const loadAtStart = os.loadavg();
    const noopCeiling = async (when: string) => {
      let sent = 0;
      const begun = performance.now();
      const cpu = await measureCpu(() => pool(CONCURRENCY, async () => {
        if (sent >= noopCount) return false;
        sent++;
        await request("GET", `${base}/healthz`);
        return true;
      }));
      const perSecond = noopCount / ((performance.now() - begun) / 1000);
      console.log(`no-op ceiling ${when}: ${fmt(perSecond, 0)} req/s; CPU per request: ${perRequest(cpu, noopCount)}`);
      return { perSecond, cpu };
    };
    const noopBefore = await noopCeiling("before the joins");
    const opensAt = Date.now() + 3_000 + OPEN_AFTER_SECONDS * 1000;
    const { eventId, auth } = await setUpEvent(base, opensAt);
    const room = `${base}/api/v1/events/${eventId}`;
    const before = await request("GET", `${room}/queue/fairness`);
    const commitment: string = before.body.commitment;
    if (before.body.seed !== null) violate("the seed was published before the opening");

    const queueStats = async () => (await request("GET", `${room}/stats`, undefined, auth)).body?.queue as { released?: number; coordinator_calls?: Record<string, number> } | undefined;
    const coordinatorCalls = async () => (await queueStats())?.coordinator_calls;
    const callsBefore = await coordinatorCalls();

    // --- joins
    const people: Person[] = Array.from({ length: USERS }, (_, index) => ({ index, ip: ipOf(index + 1), nextPollAt: 0, done: false, lastWatermark: 0 }));
    const joinLatency: number[] = [];
    let nextJoin = 0;
    const joinStart = performance.now();
    // At the opening: CPU so far (the pre-queue's joins, through the shards), and how many were answered.
    let atOpening: { snap: ReturnType<typeof snapshot>; own: NodeJS.CpuUsage; answered: number; at: number } | undefined;
    let answeredSoFar = 0;
    const openingTimer = setTimeout(() => {
      atOpening = { snap: snapshot(classify), own: process.cpuUsage(), answered: answeredSoFar, at: performance.now() };
    }, Math.max(0, opensAt - Date.now()));
    const ownAtJoinStart = process.cpuUsage();
    const snapAtJoinStart = snapshot(classify);
    const joinCpu = await measureCpu(() => pool(CONCURRENCY, async () => {
      if (nextJoin >= people.length) return false;
      const person = people[nextJoin++]!;
      person.joinSentAt = performance.now();
      try {
        const reply = await request("POST", `${room}/queue`, {}, { "CF-Connecting-IP": person.ip });
        const at = performance.now();
        if (reply.status !== 201) {
          bump(counts.joinErrors, `${reply.status} ${reply.body?.error?.code ?? ""}`);
          person.done = true;
          return true;
        }
        joinLatency.push(at - person.joinSentAt);
        answeredSoFar++;
        person.joinAnsweredAt = at;
        person.token = reply.body.queue_token;
        person.kind = reply.body.state === "pre_queue" ? "pre" : "position";
        observe(person, reply, Date.now());
      } catch (error) {
        bump(counts.joinErrors, String((error as Error).message).slice(0, 60));
        person.done = true;
      }
      return true;
    }));
    clearTimeout(openingTimer);
    const joinSeconds = (performance.now() - joinStart) / 1000;
    const snapAtJoinEnd = snapshot(classify);
    const ownAtJoinEnd = process.cpuUsage();
    const seconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;
    // Per join before and after the opening (approximate: joins in flight at the opening count after it).
    const phases = atOpening && atOpening.answered > 0 && answeredSoFar > atOpening.answered
      ? {
          pre: { cpu: cpuBetween(snapAtJoinStart, atOpening.snap, ["workerd", "wrangler"]), benchSeconds: seconds(atOpening.own) - seconds(ownAtJoinStart), n: atOpening.answered, s: (atOpening.at - joinStart) / 1000 },
          post: { cpu: cpuBetween(atOpening.snap, snapAtJoinEnd, ["workerd", "wrangler"]), benchSeconds: seconds(ownAtJoinEnd) - seconds(atOpening.own), n: answeredSoFar - atOpening.answered, s: (performance.now() - atOpening.at) / 1000 },
        }
      : undefined;
    const joined = people.filter((p) => p.token);
    const preQueue = joined.filter((p) => p.kind === "pre");
    console.log(`joins done in ${fmt(joinSeconds)} s (${preQueue.length} in the pre-queue); CPU per join: ${perRequest(joinCpu, joined.length)}`);
    const callsAfter = await coordinatorCalls();
    // Who took the joins: the pre-queue's went to the shard their address hashed to (the Worker's own rule);
    // after the opening the Worker answers them from blocks the coordinator lends it (its calls meanwhile).
    const perShard = new Array<number>(SHARDS).fill(0);
    for (const person of preQueue) perShard[shardOf(person.ip)]!++;
    const coordinatorDuringJoins = callsBefore && callsAfter ? Object.fromEntries(Object.keys(callsAfter).map((k) => [k, callsAfter[k]! - (callsBefore[k] ?? 0)])) : undefined;
    const coordinatorTotal = coordinatorDuringJoins ? Object.values(coordinatorDuringJoins).reduce((a, b) => a + b, 0) : Number.NaN;

    // --- polls: everyone asks when told to, until admitted or the polling window ends
    while (Date.now() < opensAt + 1_500) await new Promise((r) => setTimeout(r, 200));
    const statusLatency: number[] = [];
    const watermarks: { at: number; value: number }[] = [];
    // People let in, as the coordinator counts them (the watermark also jumps holes: positions lent, never given out).
    const releasedAtStart = { at: Date.now(), people: (await queueStats())?.released };
    const pollStart = Date.now();
    const pollEnd = Math.min(runDeadline, pollStart + POLL_SECONDS * 1000);
    // Everyone's first poll after the opening is due at once, in a random order: the burst.
    for (const person of joined) person.nextPollAt = pollStart + Math.random() * 2_000;
    const waiting = joined.slice().sort((a, b) => a.nextPollAt - b.nextPollAt);
    const due: Person[] = [];
    let cursor = 0;
    const takeDue = (): Person | undefined => {
      const now = Date.now();
      while (cursor < waiting.length && waiting[cursor]!.nextPollAt <= now) due.push(waiting[cursor++]!);
      return due.shift();
    };
    // Re-queue a person in nextPollAt order (binary insert into the not-yet-due tail).
    const requeue = (person: Person) => {
      let lo = cursor;
      let hi = waiting.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (waiting[mid]!.nextPollAt <= person.nextPollAt) lo = mid + 1;
        else hi = mid;
      }
      waiting.splice(lo, 0, person);
    };
    await pool(CONCURRENCY, async () => {
      if (Date.now() >= pollEnd) return false;
      const person = takeDue();
      if (!person) {
        await new Promise((r) => setTimeout(r, 20));
        return true;
      }
      const sent = performance.now();
      try {
        const reply = await request("GET", `${room}/queue/status`, undefined, { Authorization: `Bearer ${person.token}` });
        const at = Date.now();
        counts.polls++;
        if (reply.status !== 200) {
          bump(counts.pollErrors, `${reply.status} ${reply.body?.error?.code ?? ""}`);
          person.nextPollAt = at + 5_000;
        } else {
          statusLatency.push(performance.now() - sent);
          bump(counts.viewSources, String(reply.headers["x-queue-view"]));
          if (reply.headers["x-queue-claim"] === "object") counts.claimsReachingObject++;
          observe(person, reply, at);
          watermarks.push({ at, value: Number(reply.body.released_up_to) });
        }
      } catch (error) {
        bump(counts.pollErrors, String((error as Error).message).slice(0, 60));
        person.nextPollAt = Date.now() + 5_000;
      }
      if (!person.done) requeue(person);
      return true;
    });
    const pollSeconds = (Date.now() - pollStart) / 1000;
    const releasedAtEnd = { at: Date.now(), people: (await queueStats())?.released };
    const noopAfter = await noopCeiling("after the polls");
    const noopPerSecond = (noopBefore.perSecond + noopAfter.perSecond) / 2;
    const share = (perSecond: number) => `${fmt((100 * perSecond) / noopPerSecond, 1)} %`;

    // --- checks
    const byPosition = new Map<number, Person>();
    for (const person of joined) {
      if (person.position === undefined) continue;
      const other = byPosition.get(person.position);
      if (other) violate(`position ${person.position} held by persons ${other.index} and ${person.index}`);
      byPosition.set(person.position, person);
    }
    const admittedPeople = joined.filter((p) => p.accessPosition !== undefined);
    const accessPositions = new Set<number>();
    for (const person of admittedPeople) {
      if (accessPositions.has(person.accessPosition!)) violate(`position ${person.accessPosition} admitted twice`);
      accessPositions.add(person.accessPosition!);
    }
    // FIFO after opening: a join answered more than a block's lifetime (BLOCK_MAX_AGE_MS) before
    // another was sent holds the earlier position; within that second two shards' blocks may interleave.
    const fifo = joined.filter((p) => p.kind === "position").sort((a, b) => a.joinSentAt! - b.joinSentAt!);
    const byAnswer = fifo.slice().sort((a, b) => a.joinAnsweredAt! - b.joinAnsweredAt!);
    let answered = 0;
    let highestAnswered = 0;
    let fifoViolations = 0;
    for (const person of fifo) {
      while (answered < byAnswer.length && byAnswer[answered]!.joinAnsweredAt! + BLOCK_MAX_AGE_MS < person.joinSentAt!) {
        highestAnswered = Math.max(highestAnswered, byAnswer[answered]!.position!);
        answered++;
      }
      if (highestAnswered >= person.position!) fifoViolations++;
    }
    if (fifoViolations > 0) violate(`${fifoViolations} post-opening joins got a place before someone answered earlier`);
    // The draw, re-run from the published seed.
    const fairness = (await request("GET", `${room}/queue/fairness`)).body;
    let drawChecked = 0;
    if (preQueue.length > 0) {
      if (!fairness.seed) violate("the seed was not published after the opening");
      else {
        if (createHash("sha256").update(fairness.seed).digest("hex") !== commitment) violate("sha256(seed) is not the commitment published before the opening");
        if (fairness.pre_queue_size !== preQueue.length) violate(`pre-queue size ${fairness.pre_queue_size}, ${preQueue.length} people joined it`);
        const drawn = positionsOfEntries(fairness.seed, fairness.pre_queue_size);
        for (const person of preQueue) {
          if (person.position === undefined) continue;
          drawChecked++;
          if (drawn[person.entry! - 1] !== person.position) violate(`pre-queue entry ${person.entry} holds ${person.position}, the draw says ${drawn[person.entry! - 1]}`);
        }
      }
    }
    // Nobody skipped: everyone admitted was at or below the final watermark. (Someone last told to
    // wait may sit below it: released after their last poll, before their next one was due.)
    const finalWatermark = watermarks.reduce((max, w) => Math.max(max, w.value), 0);
    const stillWaiting = joined.filter((p) => !p.done && p.position !== undefined);
    const lowestWaiting = stillWaiting.reduce((min, p) => Math.min(min, p.position!), Infinity);
    const highestAdmitted = admittedPeople.reduce((max, p) => Math.max(max, p.accessPosition!), 0);
    if (highestAdmitted > finalWatermark) violate(`admitted ${highestAdmitted} above the final watermark ${finalWatermark}`);

    // --- figures
    const firstWatermark = watermarks.reduce((min, w) => (w.at < min.at ? w : min), watermarks[0] ?? { at: pollStart, value: 0 });
    const lastWatermark = watermarks.reduce((max, w) => (w.value > max.value ? w : max), firstWatermark);
    // The watermark's slope between polls is not a release rate: it counts holes (positions lent to a
    // shard and never given out) and each reading is a view up to a second old, timed when its answer
    // arrived (seconds later under load). The rate is people released by the coordinator over the window.
    const watermarkPerMinute = lastWatermark.at > firstWatermark.at ? ((lastWatermark.value - firstWatermark.value) * 60_000) / (lastWatermark.at - firstWatermark.at) : Number.NaN;
    const releasedPerMinute =
      releasedAtStart.people !== undefined && releasedAtEnd.people !== undefined && releasedAtEnd.at > releasedAtStart.at
        ? ((releasedAtEnd.people - releasedAtStart.people) * 60_000) / (releasedAtEnd.at - releasedAtStart.at)
        : Number.NaN;
    const admittedInWindow = admittedPeople.filter((p) => p.admittedAt! >= pollStart).length;
    const totalViews = counts.viewSources.memory! + counts.viewSources.cache! + counts.viewSources.object!;
    console.log("");
    console.log(
      table(
        ["figure", "value"],
        [
          ["people joined", `${joined.length} of ${USERS} (${preQueue.length} pre-queue, ${joined.length - preQueue.length} after opening)`],
          ["join errors", JSON.stringify(counts.joinErrors)],
          ["joins/s", fmt(joined.length / joinSeconds, 0)],
          ["no-op ceiling (GET /healthz) req/s: before the joins, after the polls → mean", `${fmt(noopBefore.perSecond, 0)}, ${fmt(noopAfter.perSecond, 0)} → ${fmt(noopPerSecond, 0)}`],
          ["joins/s against the no-op ceiling (the mean)", share(joined.length / joinSeconds)],
          [`pre-queue joins per shard (${SHARDS}) min / max`, `${Math.min(...perShard)} / ${Math.max(...perShard)}`],
          ["busiest shard's pre-queue joins/s during the burst", fmt(Math.max(...perShard) / joinSeconds, 0)],
          ["coordinator calls during the burst", coordinatorDuringJoins ? `${JSON.stringify(coordinatorDuringJoins)} → ${fmt(coordinatorTotal / joinSeconds, 0)}/s` : "–"],
          ["busiest object's requests/s during the burst", fmt(Math.max(Math.max(...perShard), coordinatorTotal || 0) / joinSeconds, 0)],
          ["CPU per no-op request (ms), before the joins", perRequest(noopBefore.cpu, noopCount)],
          ["CPU per join (ms)", perRequest(joinCpu, joined.length)],
          ["pre-queue joins (through the shards): joins/s (share), CPU per join (ms)", phases ? `${fmt(phases.pre.n / phases.pre.s, 0)}/s (${share(phases.pre.n / phases.pre.s)}); ${perRequest(phases.pre, phases.pre.n)}` : "–"],
          ["joins after the opening (at the edge): joins/s (share), CPU per join (ms)", phases ? `${fmt(phases.post.n / phases.post.s, 0)}/s (${share(phases.post.n / phases.post.s)}); ${perRequest(phases.post, phases.post.n)}` : "–"],
          ["load average at start / end", `${loadAtStart.map((l) => fmt(l, 1)).join(" ")} / ${os.loadavg().map((l) => fmt(l, 1)).join(" ")}`],
          ["join latency p50/p95/p99 ms", [50, 95, 99].map((p) => fmt(percentile(joinLatency, p), 1)).join(" / ")],
          ["polls", `${counts.polls} in ${fmt(pollSeconds)} s`],
          ["polls/s", fmt(counts.polls / pollSeconds, 0)],
          ["status latency p50/p95/p99 ms", [50, 95, 99].map((p) => fmt(percentile(statusLatency, p), 1)).join(" / ")],
          ["poll errors", JSON.stringify(counts.pollErrors)],
          ["view from isolate memory / Cache API / object", `${counts.viewSources.memory} / ${counts.viewSources.cache} / ${counts.viewSources.object}`],
          ["polls that reached the object for the view", `${counts.viewSources.object} (${fmt((100 * counts.viewSources.object!) / Math.max(1, totalViews), 2)}%)`],
          ["polls that reached the object to claim access", `${counts.claimsReachingObject}`],
          ["people released per minute (coordinator's count) vs configured", `${fmt(releasedPerMinute, 0)} vs ${ADMIT_PER_MINUTE} (${releasedAtStart.people ?? "–"} → ${releasedAtEnd.people ?? "–"}; the token bucket allows ≤ ${fmt(((releasedAtEnd.at - releasedAtStart.at) * ADMIT_PER_MINUTE) / 60_000 + (ADMIT_PER_MINUTE * 5) / 60, 0)} in this window: the rate plus one 5-second burst)`],
          ["watermark positions per minute (includes holes; not a rate)", fmt(watermarkPerMinute, 0)],
          ["admitted (access taken) in the window", `${admittedInWindow} → ${fmt((admittedInWindow * 60) / pollSeconds, 0)}/min`],
          ["final watermark / lowest place last told to wait", `${finalWatermark} / ${Number.isFinite(lowestWaiting) ? lowestWaiting : "–"}`],
          ["pre-queue places checked against the draw", `${drawChecked}`],
          ["states seen", JSON.stringify(counts.states)],
          ["whole run", `${fmt((Date.now() - started) / 1000)} s`],
        ],
      ),
    );
    console.log("");
    if (violations.length === 0) {
      console.log("checks: no double admission, no queue jumping, FIFO after opening held, pre-queue matches the published draw — OK");
    } else {
      console.log("checks FAILED:");
      for (const v of violations) console.log(`  - ${v}`);
      process.exitCode = 1;
    }
  } finally {
    agent.destroy();
    await stack.stop();
  }
}

await main();
