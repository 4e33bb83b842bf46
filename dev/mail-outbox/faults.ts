/** Scripted send failures: the next `times` sends answer 500 or 429 and store nothing. */
export type MailFaultMode = "error_500" | "error_429";
const MODES: readonly MailFaultMode[] = ["error_500", "error_429"];

export interface MailFault {
  mode: MailFaultMode;
  remaining: number;
}

export class MailFaults {
  private queue: MailFault[] = [];

  /** Validates input that may come from JSON; throws TypeError with the reason. */
  add(input: unknown): MailFault {
    const { mode, times = 1 } = (input ?? {}) as { mode?: unknown; times?: unknown };
    if (!MODES.includes(mode as MailFaultMode)) throw new TypeError(`mode must be one of ${MODES.join(", ")}`);
    if (typeof times !== "number" || !Number.isInteger(times) || times < 1) throw new TypeError("times must be a positive integer");
    const fault = { mode: mode as MailFaultMode, remaining: times };
    this.queue.push(fault);
    return { ...fault };
  }

  clear(): void {
    this.queue = [];
  }

  list(): MailFault[] {
    return this.queue.map((fault) => ({ ...fault }));
  }

  /** The failure for the next send, if one is scheduled (faults fire in the order added). */
  take(): MailFaultMode | null {
    const fault = this.queue[0];
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.queue.shift();
    return fault.mode;
  }
}
