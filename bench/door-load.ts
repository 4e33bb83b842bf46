/**
 * The door bench's load generator, forked by bench/door.ts (through bench/harness.ts) so the
 * scanners never share an event loop or a CPU account with the stand-ins that run inside door.ts.
 * One job at a time over IPC, answered with raw latencies and counts. Every job is bounded by a
 * count and a deadline, every request by a timeout.
 *
 * A scan job runs `concurrency` scanners; scanner k scans with device k (mod the devices given), one
 * ticket after another, as a person at a gate does.
 */
import { randomUUID } from "node:crypto";
import { keepAliveAgent, requestJson } from "./http";
import type { JobResult } from "./load";

export type DoorJob =
  | { kind: "scans"; base: string; deviceTokens: string[]; tokens: string[]; tag: string; concurrency: number; maxSeconds: number }
  | { kind: "noop"; url: string; count: number; concurrency: number; maxSeconds: number };

export interface DoorJobResult extends JobResult {
  /** Answers by verdict: "valid", or "refused: <reason>" (200s only). */
  verdicts: Record<string, number>;
  /** Answers by HTTP status ("exception" when there was none). */
  statuses: Record<string, number>;
  /** Indices (into the job's tokens) of the scans answered `valid: true`. */
  validIndices: number[];
}

type Outcome = { ms: number; verdict?: string } | string;

/** `concurrency` loops take operation numbers until `count` were started or the deadline passed. */
async function runScanners(
  count: number,
  concurrency: number,
  maxSeconds: number,
  series: string,
  op: (index: number, scanner: number, statuses: Record<string, number>) => Promise<Outcome>,
): Promise<DoorJobResult> {
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const samples: number[] = [];
  const errors: Record<string, number> = {};
  const verdicts: Record<string, number> = {};
  const statuses: Record<string, number> = {};
  const validIndices: number[] = [];
  let next = 0;
  let done = 0;
  let timedOut = false;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, scanner) => {
      while (next < count) {
        if (performance.now() >= deadline) {
          timedOut = true;
          return;
        }
        const index = next++;
        let outcome: Outcome;
        try {
          outcome = await op(index, scanner, statuses);
        } catch (error) {
          statuses.exception = (statuses.exception ?? 0) + 1;
          outcome = `exception: ${String((error as Error)?.message ?? error).slice(0, 120)}`;
        }
        if (typeof outcome === "string") {
          errors[outcome] = (errors[outcome] ?? 0) + 1;
          continue;
        }
        done++;
        samples.push(outcome.ms);
        if (outcome.verdict) verdicts[outcome.verdict] = (verdicts[outcome.verdict] ?? 0) + 1;
        if (outcome.verdict === "valid") validIndices.push(index);
      }
    }),
  );
  return { done, elapsedMs: performance.now() - started, timedOut, errors, latencies: { [series]: samples }, verdicts, statuses, validIndices };
}

const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

function problem(step: string, status: number, body: any): string {
  return `${step} HTTP ${status} ${body?.error?.code ?? (typeof body === "string" ? body.slice(0, 60) : "")}`.trim();
}

async function scans(job: Extract<DoorJob, { kind: "scans" }>): Promise<DoorJobResult> {
  const agent = keepAliveAgent(job.concurrency + 8);
  const run = randomUUID().slice(0, 8);
  try {
    return await runScanners(job.tokens.length, job.concurrency, job.maxSeconds, "scan", async (i, scanner, statuses) => {
      const device = job.deviceTokens[scanner % job.deviceTokens.length]!;
      const t0 = performance.now();
      const response = await requestJson(
        agent,
        "POST",
        `${job.base}/api/v1/checkin/scan`,
        { token: job.tokens[i], nonce: `${job.tag}-${run}-${i}` },
        { Authorization: `Bearer ${device}` },
      );
      const ms = performance.now() - t0;
      bump(statuses, String(response.status));
      if (response.status !== 200) return problem("scan", response.status, response.body);
      const verdict = response.body?.valid === true ? "valid" : `refused: ${response.body?.reason ?? "?"}`;
      return { ms, verdict };
    });
  } finally {
    agent.destroy();
  }
}

async function noop(job: Extract<DoorJob, { kind: "noop" }>): Promise<DoorJobResult> {
  const agent = keepAliveAgent(job.concurrency + 8);
  try {
    return await runScanners(job.count, job.concurrency, job.maxSeconds, "request", async (_i, _scanner, statuses) => {
      const t0 = performance.now();
      const response = await requestJson(agent, "GET", job.url);
      const ms = performance.now() - t0;
      bump(statuses, String(response.status));
      if (response.status !== 200) return problem("noop", response.status, response.body);
      return { ms };
    });
  } finally {
    agent.destroy();
  }
}

function perform(job: DoorJob): Promise<DoorJobResult> {
  return job.kind === "scans" ? scans(job) : noop(job);
}

if (process.send) {
  process.on("message", (message: { id: number; job: DoorJob }) => {
    perform(message.job).then(
      (result) => process.send!({ id: message.id, result }),
      (error: unknown) => process.send!({ id: message.id, error: String((error as Error)?.stack ?? error) }),
    );
  });
  // The parent owns the lifetime: when it goes, so do we (also on its Ctrl-C).
  process.on("disconnect", () => process.exit(0));
  process.on("SIGINT", () => {});
  process.send({ ready: true });
}
