/**
 * Scripted failures for fault tests. A rule matches requests by method and
 * path prefix and fires for the next `times` matching requests (first added
 * rule wins). Where each mode strikes in the request pipeline is deliberate:
 * - `hang`: before authentication and idempotency, like a request lost in the
 *   network; nothing is stored, so a retry with the same key executes normally.
 * - `delay`: after the idempotency key is claimed, so a concurrent retry with
 *   the same key sees Stripe's 409 "in progress" answer.
 * - `error_500`: instead of executing; the 500 is stored for the key, so SDK
 *   retries get the same 500 replayed (as with Stripe).
 * - `hang_after_commit`: after executing and storing the result; the client
 *   never hears back, but a retry with the same key gets the stored success.
 * - `hang_replay`: when a retry's stored answer would be replayed; the answer
 *   stays stored, this request never hears it. After a `hang_after_commit`,
 *   `times` of these lose the SDK's retries too: a client that never learns
 *   of a charge that happened (a Worker that died after Stripe charged).
 */
export type FaultMode = "error_500" | "hang" | "hang_after_commit" | "delay" | "hang_replay";
export const FAULT_MODES: readonly FaultMode[] = ["error_500", "hang", "hang_after_commit", "delay", "hang_replay"];
const DEFAULT_DELAY_MS = 1000;

export interface FaultRule {
  method?: string;
  /** Path prefix, e.g. "/v1/payment_intents". */
  path?: string;
  mode: FaultMode;
  delayMs?: number;
  /** How many matching requests fail; default 1. `Infinity` means until cleared. */
  times?: number;
  /**
   * Only requests whose Idempotency-Key starts with this, so a test can break one order's calls
   * while other tests share the emulator.
   */
  idempotencyKeyPrefix?: string;
}

export interface ActiveFault {
  id: number;
  method: string | null;
  path: string | null;
  mode: FaultMode;
  delayMs: number;
  remaining: number;
  idempotencyKeyPrefix: string | null;
}

export interface FaultControl {
  add(rule: FaultRule): ActiveFault;
  clear(): void;
  list(): ActiveFault[];
}

export class FaultInjector implements FaultControl {
  private rules: ActiveFault[] = [];
  private nextId = 1;

  add(rule: FaultRule): ActiveFault {
    const fault = validateRule(rule, this.nextId++);
    this.rules.push(fault);
    return { ...fault };
  }

  clear(): void {
    this.rules = [];
  }

  list(): ActiveFault[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  /**
   * Consumes one firing of the first rule with one of `modes` matching this
   * request. Modes are taken at the pipeline stage where they strike, so an
   * idempotent replay (which never executes) does not use up an error_500.
   */
  take(method: string, path: string, modes: readonly FaultMode[], idempotencyKey: string | null = null): ActiveFault | null {
    const rule = this.rules.find(
      (candidate) =>
        modes.includes(candidate.mode) &&
        (candidate.method === null || candidate.method === method.toUpperCase()) &&
        (candidate.path === null || path.startsWith(candidate.path)) &&
        (candidate.idempotencyKeyPrefix === null || (idempotencyKey ?? "").startsWith(candidate.idempotencyKeyPrefix)),
    );
    if (!rule) return null;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((candidate) => candidate !== rule);
    return { ...rule };
  }
}

/** Checks a rule that may come from JSON over HTTP; throws TypeError with the reason. */
function validateRule(input: unknown, id: number): ActiveFault {
  if (typeof input !== "object" || input === null) throw new TypeError("fault must be an object");
  const rule = input as Record<string, unknown>;
  if (!FAULT_MODES.includes(rule.mode as FaultMode)) {
    throw new TypeError(`mode must be one of ${FAULT_MODES.join(", ")}`);
  }
  const times = rule.times ?? 1;
  if (typeof times !== "number" || !(times >= 1) || (Number.isFinite(times) && !Number.isInteger(times))) {
    throw new TypeError("times must be a positive integer");
  }
  const delayMs = rule.delayMs ?? DEFAULT_DELAY_MS;
  if (typeof delayMs !== "number" || !Number.isFinite(delayMs) || delayMs < 0) {
    throw new TypeError("delayMs must be a non-negative number");
  }
  if (rule.method !== undefined && typeof rule.method !== "string") throw new TypeError("method must be a string");
  if (rule.path !== undefined && (typeof rule.path !== "string" || !rule.path.startsWith("/"))) {
    throw new TypeError("path must be a string starting with /");
  }
  if (rule.idempotencyKeyPrefix !== undefined && (typeof rule.idempotencyKeyPrefix !== "string" || rule.idempotencyKeyPrefix === "")) {
    throw new TypeError("idempotencyKeyPrefix must be a non-empty string");
  }
  return {
    id,
    idempotencyKeyPrefix: (rule.idempotencyKeyPrefix as string | undefined) ?? null,
    method: rule.method ? rule.method.toUpperCase() : null,
    path: (rule.path as string | undefined) ?? null,
    mode: rule.mode as FaultMode,
    delayMs,
    remaining: times,
  };
}
