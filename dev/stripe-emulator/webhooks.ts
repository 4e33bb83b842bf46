/**
 * Webhook delivery to one endpoint, with Stripe's guarantees and no more:
 * at least once, asynchronously (never within the API request that caused the
 * event), retried with exponential backoff on non-2xx answers or network
 * errors. Optionally out of order (`shuffle`) and twice over (`duplicate`),
 * so receivers are tested for the idempotency Stripe asks of them.
 */
import { signatureHeader } from "./signature";
import type { StripeEvent } from "./shapes";

const MAX_BACKOFF_MS = 60_000;
const MAX_HISTORY = 10_000;

export interface WebhookOptions {
  secret: string;
  url: string | null;
  retryBaseMs: number;
  maxAttempts: number;
  timeoutMs: number;
  shuffle: boolean;
  duplicate: boolean;
  log?: (line: string) => void;
}

/** One delivery attempt, as reported by `deliveries()`. */
export interface Delivery {
  event_id: string;
  type: string;
  /** 1 for the first try of this copy of the event, 2 for its first retry, … */
  attempt: number;
  /** HTTP status of the receiver's answer; null when there was none (network error, timeout). */
  status: number | null;
  ok: boolean;
  error: string | null;
  url: string;
  /** ISO timestamp of when the attempt finished. */
  delivered_at: string;
}

interface PendingDelivery {
  event: StripeEvent;
  payload: string;
  attempts: number;
  dueAt: number;
}

export class WebhookDispatcher {
  private url: string | null;
  /** Stripe's `enabled_events` of the endpoint: the types it is sent; `["*"]` (the default) is every type. */
  private enabledEvents: readonly string[] = ["*"];
  private queue: PendingDelivery[] = [];
  private readonly history: Delivery[] = [];
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private flushers = 0;
  private stopped = false;
  private readonly aborter = new AbortController();

  constructor(private readonly options: WebhookOptions) {
    this.url = options.url;
  }

  get endpointUrl(): string | null {
    return this.url;
  }

  get endpointEvents(): readonly string[] {
    return this.enabledEvents;
  }

  /** As a Stripe webhook endpoint's `enabled_events`: only these types are sent (`*`: all). */
  setEnabledEvents(types: readonly string[]): void {
    this.enabledEvents = [...types];
  }

  /** Pending retries follow the endpoint to a new URL; removing it drops them. */
  setUrl(url: string | null): void {
    this.url = url;
    if (url === null) {
      for (const entry of this.queue) entry.event.pending_webhooks = 0;
      this.queue = [];
    }
  }

  /** Queues an event. Events raised while no endpoint is set are never sent, as with Stripe. */
  enqueue(event: StripeEvent): void {
    if (this.url === null || this.stopped) return;
    if (!this.enabledEvents.includes("*") && !this.enabledEvents.includes(event.type)) return;
    event.pending_webhooks = 1;
    const payload = JSON.stringify(event, null, 2);
    const copies = this.options.duplicate ? 2 : 1;
    for (let copy = 0; copy < copies; copy++) {
      this.queue.push({ event, payload, attempts: 0, dueAt: Date.now() });
    }
    this.schedule();
  }

  deliveries(): Delivery[] {
    return this.history.map((delivery) => ({ ...delivery }));
  }

  /**
   * Resolves once the queue is empty: every queued event (including ones
   * raised during the flush) has been accepted with a 2xx or has used up its
   * `maxAttempts`. While a flush is waiting, backoff is skipped: retries are
   * attempted immediately, so a flush takes as long as the receiver needs to
   * answer, not as long as the retry schedule.
   */
  async flush(): Promise<void> {
    this.flushers += 1;
    try {
      while (!this.stopped && (this.queue.length > 0 || this.draining)) {
        await (this.draining ?? this.startDraining());
      }
    } finally {
      this.flushers -= 1;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    this.queue = [];
    this.aborter.abort();
    await this.draining;
  }

  private schedule(): void {
    // A running drain picks up new entries itself and reschedules when done.
    if (this.draining || this.stopped || this.queue.length === 0) return;
    const nextDue = this.flushers > 0 ? Date.now() : this.queue.reduce((soonest, entry) => Math.min(soonest, entry.dueAt), Infinity);
    this.clearTimer();
    // A timer even when due now: delivery must never run inside the API request.
    this.timer = setTimeout(() => void this.startDraining(), Math.max(0, nextDue - Date.now()));
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private startDraining(): Promise<void> {
    if (!this.draining) {
      this.clearTimer();
      this.draining = this.drain().finally(() => {
        this.draining = null;
        this.schedule();
      });
    }
    return this.draining;
  }

  private async drain(): Promise<void> {
    for (;;) {
      const due = this.takeDue();
      if (due.length === 0) return;
      if (this.options.shuffle) shuffleInPlace(due);
      for (const entry of due) {
        if (this.stopped) return;
        await this.attempt(entry);
      }
    }
  }

  private takeDue(): PendingDelivery[] {
    const now = Date.now();
    const fastForward = this.flushers > 0;
    const due = this.queue.filter((entry) => fastForward || entry.dueAt <= now);
    this.queue = this.queue.filter((entry) => !due.includes(entry));
    return due;
  }

  private async attempt(entry: PendingDelivery): Promise<void> {
    const url = this.url;
    if (url === null) return;
    entry.attempts += 1;
    let status: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "Stripe-Signature": signatureHeader(this.options.secret, entry.payload),
        },
        body: entry.payload,
        // Stripe treats redirects as failures rather than following them.
        redirect: "manual",
        signal: AbortSignal.any([this.aborter.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      status = response.status;
      await response.arrayBuffer();
    } catch (cause) {
      error = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    }
    if (this.stopped) return;

    const ok = status !== null && status >= 200 && status < 300;
    this.record({
      event_id: entry.event.id,
      type: entry.event.type,
      attempt: entry.attempts,
      status,
      ok,
      error,
      url,
      delivered_at: new Date().toISOString(),
    });
    if (ok || entry.attempts >= this.options.maxAttempts) {
      entry.event.pending_webhooks = 0;
      if (!ok) this.options.log?.(`webhook ${entry.event.id} abandoned after ${entry.attempts} attempts`);
      return;
    }
    const backoff = Math.min(this.options.retryBaseMs * 2 ** (entry.attempts - 1), MAX_BACKOFF_MS);
    entry.dueAt = Date.now() + backoff;
    this.queue.push(entry);
  }

  private record(delivery: Delivery): void {
    this.history.push(delivery);
    if (this.history.length > MAX_HISTORY) this.history.shift();
    const outcome = delivery.status ?? delivery.error;
    this.options.log?.(`webhook ${delivery.type} ${delivery.event_id} attempt ${delivery.attempt} -> ${outcome}`);
  }
}

function shuffleInPlace<T>(items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}
