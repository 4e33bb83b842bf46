/**
 * The live-dashboard bench's clients, forked twice by bench/live.ts (through bench/harness.ts): once
 * as the buyers (register+pay) and once as the dashboards (the organizer's live sockets), so neither
 * shares an event loop or a CPU account with the other or with the stand-ins that run in live.ts.
 * Jobs over IPC, one at a time; every job is bounded by a count and a deadline, every request and
 * every socket opening by a timeout.
 *
 * Times sent back are wall-clock milliseconds (performance.timeOrigin + performance.now()), so a pay
 * return in one process and a message receipt in the other can be compared.
 */
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { keepAliveAgent, requestJson } from "./http";

export type LiveJob =
  | { kind: "purchases"; base: string; eventId: string; tierId: string; tag: string; count: number; concurrency: number; maxSeconds: number; gapMs?: number }
  | { kind: "open"; url: string; apiKey: string; count: number; concurrency: number; maxSeconds: number }
  | { kind: "mark" }
  | { kind: "collect" }
  | { kind: "close" };

export interface PurchaseResult {
  done: number;
  /** Wall-clock ms when the first buyer started and when the last one finished. */
  startedAt: number;
  endedAt: number;
  elapsedMs: number;
  timedOut: boolean;
  errors: Record<string, number>;
  /** Answers by step and HTTP status ("register 201", "pay 200", "pay exception"). */
  statuses: Record<string, number>;
  latencies: { register: number[]; pay: number[]; purchase: number[] };
  /** Wall-clock ms when each successful pay returned, in the order they returned. */
  paidAt: number[];
}

export interface OpenResult {
  opened: number;
  failed: Record<string, number>;
  elapsedMs: number;
  timedOut: boolean;
  /** Upgrade request → first snapshot received, ms. */
  firstSnapshotMs: number[];
  extensions: Record<string, number>;
}

/** One socket's messages since the last mark: [received at (wall ms), seq, Σ tiers.sold, the message's `at` (server wall ms)]. */
export type Received = [number, number, number, number];

export interface CollectResult {
  sockets: {
    messages: Received[];
    /** Every seq received since the socket opened was larger than the one before. */
    seqIncreasing: boolean;
    /** Closed or errored without being asked to (since it first opened), by code/reason; each was reconnected. */
    drops: string[];
    reconnects: number;
    /** Messages that were not `stats` (e.g. `error`) since the mark. */
    otherTypes: number;
    /** Messages that were not JSON. */
    unparsable: number;
    /** Messages before the mark (the snapshot at connect, heartbeats). */
    before: number;
  }[];
}

const now = () => performance.timeOrigin + performance.now();
const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

// ------------------------------------------------------------------ buyers

function problem(step: string, status: number, body: any): string {
  return `${step} ${status} ${body?.error?.code ?? (typeof body === "string" ? body.slice(0, 60) : "")}`.trim();
}

async function purchases(job: Extract<LiveJob, { kind: "purchases" }>): Promise<PurchaseResult> {
  const agent = keepAliveAgent(job.concurrency + 8);
  const run = randomUUID().slice(0, 8);
  const started = performance.now();
  const deadline = started + job.maxSeconds * 1000;
  const result: PurchaseResult = { done: 0, startedAt: now(), endedAt: 0, elapsedMs: 0, timedOut: false, errors: {}, statuses: {}, latencies: { register: [], pay: [], purchase: [] }, paidAt: [] };
  let next = 0;
  const one = async (i: number): Promise<string | undefined> => {
    const who = `${job.tag}-${run}-${i}`;
    const t0 = performance.now();
    const registered = await requestJson(agent, "POST", `${job.base}/api/v1/events/${job.eventId}/register`, {
      tier_id: job.tierId,
      quantity: 1,
      idempotency_key: `live-bench-${who}`,
      attendee: { email: `${who}@bench.test`, name: `Buyer ${i}` },
    }).catch((error: Error) => {
      bump(result.statuses, "register exception");
      throw error;
    });
    const t1 = performance.now();
    bump(result.statuses, `register ${registered.status}`);
    if (registered.status !== 201) return problem("register", registered.status, registered.body);
    const paid = await requestJson(
      agent,
      "POST",
      `${job.base}/api/v1/orders/${registered.body.order_id}/pay`,
      { payment_method: "pm_card_visa" },
      { Authorization: `Bearer ${registered.body.order_token}` },
    ).catch((error: Error) => {
      bump(result.statuses, "pay exception");
      throw error;
    });
    const t2 = performance.now();
    bump(result.statuses, `pay ${paid.status}`);
    if (paid.status !== 200 || paid.body?.status !== "confirmed") return problem("pay", paid.status, paid.body);
    result.paidAt.push(performance.timeOrigin + t2);
    result.latencies.register.push(t1 - t0);
    result.latencies.pay.push(t2 - t1);
    result.latencies.purchase.push(t2 - t0);
    result.done++;
    return undefined;
  };
  try {
    await Promise.all(
      Array.from({ length: job.concurrency }, async () => {
        while (next < job.count) {
          if (performance.now() >= deadline) {
            result.timedOut = true;
            return;
          }
          const i = next++;
          let failure: string | undefined;
          try {
            failure = await one(i);
          } catch (error) {
            failure = `exception: ${String((error as Error)?.message ?? error).slice(0, 120)}`;
          }
          if (failure) bump(result.errors, failure);
          if (job.gapMs) await new Promise((resolve) => setTimeout(resolve, job.gapMs));
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  result.elapsedMs = performance.now() - started;
  result.endedAt = now();
  return result;
}

// ------------------------------------------------------------------ dashboards

interface Dashboard {
  ws: WebSocket;
  messages: Received[];
  lastSeq: number;
  seqIncreasing: boolean;
  /** Unexpected closes (since it first opened), by code/reason; each is followed by a reconnect. */
  drops: string[];
  reconnects: number;
  otherTypes: number;
  unparsable: number;
  before: number;
  ping?: NodeJS.Timeout;
}

const dashboards: Dashboard[] = [];
let closing = false;

/**
 * Connects (or reconnects) `dashboard`; resolves with the time to the first snapshot. After it has
 * opened once, an unexpected close is recorded and followed by a reconnect 1–3 s later, as the page
 * does (web/scripts/organizer-live-socket.lib.ts), so a Worker reload does not end the phase's figures.
 */
function connect(dashboard: Dashboard, url: string, apiKey: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${apiKey}` }, handshakeTimeout: timeoutMs });
    dashboard.ws = ws;
    let settled = false;
    let gone = false;
    const timer = setTimeout(() => fail("no first snapshot in time"), timeoutMs);
    function fail(why: string) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(why));
    }
    const lost = (why: string) => {
      if (dashboard.ping) clearInterval(dashboard.ping);
      if (gone || closing) return;
      gone = true;
      dashboard.drops.push(why);
      const again = () => {
        if (closing) return;
        dashboard.reconnects++;
        connect(dashboard, url, apiKey, timeoutMs).catch(() => setTimeout(again, 1_000 + Math.random() * 2_000));
      };
      setTimeout(again, 1_000 + Math.random() * 2_000);
    };
    ws.on("unexpected-response", (_request, response) => fail(`upgrade answered ${response.statusCode}`));
    ws.on("error", (error) => {
      if (!settled) return fail(`error: ${error.message.slice(0, 80)}`);
      lost(`error: ${error.message.slice(0, 80)}`);
    });
    ws.on("close", (code, reason) => {
      if (!settled) return fail(`closed ${code} before the first snapshot`);
      lost(`closed ${code} ${reason.toString().slice(0, 60)}`.trim());
    });
    ws.on("message", (data, isBinary) => {
      const at = now();
      if (isBinary) return void dashboard.unparsable++;
      const text = data.toString();
      if (text === "pong") return;
      let message: any;
      try {
        message = JSON.parse(text);
      } catch {
        return void dashboard.unparsable++;
      }
      const seq = Number(message.seq);
      if (!(seq > dashboard.lastSeq)) dashboard.seqIncreasing = false;
      dashboard.lastSeq = seq;
      if (message.type !== "stats") {
        dashboard.otherTypes++;
        return;
      }
      const sold = (message.tiers as { sold: number }[]).reduce((n, t) => n + t.sold, 0);
      const built = Date.parse(message.at);
      dashboard.messages.push([at, seq, sold, Number.isFinite(built) ? built : NaN]);
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        // The page pings every 15 s (answered "pong" without waking the object): so do we.
        dashboard.ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send("ping"), 15_000);
        dashboard.ping.unref();
        resolve(performance.now() - t0);
      }
    });
  });
}

async function open(job: Extract<LiveJob, { kind: "open" }>): Promise<OpenResult> {
  const started = performance.now();
  const deadline = started + job.maxSeconds * 1000;
  const result: OpenResult = { opened: 0, failed: {}, elapsedMs: 0, timedOut: false, firstSnapshotMs: [], extensions: {} };
  let next = 0;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < job.count) {
        if (performance.now() >= deadline) {
          result.timedOut = true;
          return;
        }
        next++;
        const dashboard: Dashboard = { ws: undefined as unknown as WebSocket, messages: [], lastSeq: 0, seqIncreasing: true, drops: [], reconnects: 0, otherTypes: 0, unparsable: 0, before: 0 };
        try {
          const firstMs = await connect(dashboard, job.url, job.apiKey, 30_000);
          dashboards.push(dashboard);
          result.opened++;
          result.firstSnapshotMs.push(firstMs);
          bump(result.extensions, dashboard.ws.extensions || "none");
        } catch (error) {
          bump(result.failed, String((error as Error).message));
        }
      }
    }),
  );
  result.elapsedMs = performance.now() - started;
  return result;
}

function mark(): { sockets: number } {
  for (const d of dashboards) {
    d.before += d.messages.length;
    d.messages = [];
    d.otherTypes = 0;
  }
  return { sockets: dashboards.length };
}

function collect(): CollectResult {
  return {
    sockets: dashboards.map((d) => ({
      messages: d.messages,
      seqIncreasing: d.seqIncreasing,
      drops: d.drops,
      reconnects: d.reconnects,
      otherTypes: d.otherTypes,
      unparsable: d.unparsable,
      before: d.before,
    })),
  };
}

async function closeAll(): Promise<{ closed: number }> {
  closing = true;
  const n = dashboards.length;
  await Promise.all(
    dashboards.map(
      (d) =>
        new Promise<void>((resolve) => {
          if (d.ping) clearInterval(d.ping);
          if (d.ws.readyState === WebSocket.CLOSED) return resolve();
          const timer = setTimeout(() => {
            d.ws.terminate();
            resolve();
          }, 5_000);
          d.ws.once("close", () => {
            clearTimeout(timer);
            resolve();
          });
          d.ws.close(1000, "bench done");
        }),
    ),
  );
  dashboards.length = 0;
  return { closed: n };
}

async function perform(job: LiveJob): Promise<unknown> {
  switch (job.kind) {
    case "purchases":
      return purchases(job);
    case "open":
      return open(job);
    case "mark":
      return mark();
    case "collect":
      return collect();
    case "close":
      return closeAll();
  }
}

if (process.send) {
  process.on("message", (message: { id: number; job: LiveJob }) => {
    perform(message.job).then(
      (result) => process.send!({ id: message.id, result }),
      (error: unknown) => process.send!({ id: message.id, error: String((error as Error)?.stack ?? error) }),
    );
  });
  // The parent owns the lifetime: when it goes, so do we (also on its Ctrl-C); sockets die with us.
  const quit = () => {
    closing = true;
    for (const d of dashboards) d.ws.terminate();
    process.exit(0);
  };
  process.on("disconnect", quit);
  process.on("SIGTERM", quit);
  process.on("SIGINT", () => {});
  process.send({ ready: true });
}
