/**
 * The war room's connection to `GET /api/v1/events/{id}/live`: every message is a whole numbered
 * snapshot, so a dropped connection loses nothing and reconnecting needs no catch-up, only a new
 * socket. What this module decides is when to try again:
 *  - after a close, with exponential back-off (1 s doubling to 30 s, jittered so a room full of
 *    laptops on one Wi-Fi does not reconnect in lock-step), reset once a snapshot arrives;
 *  - at once when the browser says it is back online or the tab becomes visible again;
 *  - when nothing at all arrives for WATCHDOG_MS: the server's heartbeat is every 10 s and our own
 *    `ping` is answered `pong`, so that much silence means a half-open socket that will never close
 *    by itself (a laptop lid shut, a Wi-Fi hand-over).
 * Going offline closes the socket at once, so the page says "Reconnecting…" without waiting for it.
 */

export interface LiveTier {
  tier_id: string;
  name: string;
  capacity: number;
  sold: number;
  held: number;
  available: number;
  revenue: number;
  checked_in: number;
  waitlist_units: number;
}

export interface LiveGate {
  device_id: string;
  name: string;
  scans: number;
  admitted: number;
  conflicts: number;
  scans_per_minute: number;
}

export interface LiveList {
  checkin_list_id: string;
  name: string;
  main: boolean;
  checked_in: number;
}

/** The `stats` message: the same shape as GET /events/{id}/stats, plus `seq` and `at`. */
export interface LiveSnapshot {
  type: "stats";
  seq: number;
  at: string;
  event_id: string;
  currency: string;
  tiers: LiveTier[];
  revenue: number;
  refunded: number;
  checked_in: number;
  checkin_lists: LiveList[];
  gates: LiveGate[];
  waitlist: number;
  waitlist_offers_out: number;
  hold_to_paid: { ended: number; paid: number; ratio: number | null };
  queue: { waiting: number; admitted: number; active: number; estimated_clear_seconds: number | null };
  rates: { orders_per_minute: number; admitted_per_minute: number; scans_per_minute: number };
  /** What the reconciliation cron found TierInventory and the ledger disagreeing on (open findings). */
  reconciliation?: { ok: boolean; findings: { tier_name: string; kind: "ledger_ahead" | "inventory_ahead"; detail: Record<string, number> }[] };
}

export type ConnectionState = "connecting" | "live" | "reconnecting";

export interface LiveSocketHandlers {
  snapshot(snapshot: LiveSnapshot): void;
  state(state: ConnectionState): void;
  /** The server's `{type: "error"}` message, e.g. the event is no longer published. */
  problem(message: string): void;
  /** A connection that closed before it ever opened: the upgrade was refused or never reached. */
  refused?(): void;
}

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
const WATCHDOG_MS = 25_000;
const PING_MS = 15_000;

export function liveUrl(eventId: string, where: Location = location): string {
  const scheme = where.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${where.host}/api/v1/events/${encodeURIComponent(eventId)}/live`;
}

/** The wait before reconnect attempt `attempt` (0-based): doubling, capped, ±20 % jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class LiveSocket {
  private socket: WebSocket | undefined;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private pinger: ReturnType<typeof setInterval> | undefined;
  private current: ConnectionState = "connecting";
  private stopped = false;

  constructor(
    private readonly url: string,
    private readonly on: LiveSocketHandlers,
  ) {
    addEventListener("online", () => this.reconnectNow());
    addEventListener("offline", () => this.drop());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && !this.socket) this.reconnectNow();
    });
  }

  get state(): ConnectionState {
    return this.current;
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.close();
  }

  /** Closes the current socket as a network failure would, and reconnects as after one. */
  drop(): void {
    if (this.stopped) return;
    this.close();
    this.setState("reconnecting");
    this.scheduleRetry();
  }

  private open(): void {
    clearTimeout(this.retryTimer);
    this.close();
    let opened = false;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener("open", () => {
      opened = true;
      this.armWatchdog();
      this.pinger = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send("ping"), PING_MS);
    });
    socket.addEventListener("message", (e) => this.receive(e.data));
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.close();
      if (this.stopped) return;
      this.setState("reconnecting");
      if (!opened) this.on.refused?.();
      this.scheduleRetry();
    });
  }

  private receive(data: unknown): void {
    this.armWatchdog();
    if (typeof data !== "string" || data === "pong") return;
    let message: { type?: string; message?: string };
    try {
      message = JSON.parse(data) as typeof message;
    } catch {
      return;
    }
    if (message.type === "stats") {
      this.attempt = 0;
      this.setState("live");
      this.on.snapshot(message as LiveSnapshot);
    } else if (message.type === "error") {
      this.on.problem(message.message ?? "The live figures are unavailable.");
    }
  }

  private reconnectNow(): void {
    if (this.stopped || (this.socket && this.current === "live")) return;
    this.attempt = 0;
    this.open();
  }

  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    if (typeof navigator !== "undefined" && navigator.onLine === false) return; // "online" reconnects
    this.retryTimer = setTimeout(() => this.open(), backoffMs(this.attempt++));
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.drop(), WATCHDOG_MS);
  }

  /** Forgets the socket first, so its own close event is not taken for a new failure. */
  private close(): void {
    clearTimeout(this.watchdog);
    clearInterval(this.pinger);
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState !== WebSocket.CLOSED && socket.readyState !== WebSocket.CLOSING) socket.close(1000, "reconnecting");
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.on.state(state);
  }
}
