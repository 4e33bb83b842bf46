/**
 * One door's state on one phone: the bundle, the used set and the queue in memory (mirrored to
 * IndexedDB), and the decision of where a verdict comes from. Online, the server decides within
 * SCAN_TIMEOUT_MS; when it cannot (no network, slow, 5xx) the phone goes offline by itself, decides
 * with the bundle and queues the scan for `sync`. Staying offline, scans never wait on the network;
 * the page's sync loop (scan-sync.lib.ts) finds the way back.
 *
 * `scan` updates memory before it returns and hands back `persist`, so the page paints the verdict
 * first and writes to storage afterwards.
 */
import { DeviceRefused, scanOnline, undoScan, Unreachable, type ServerVerdict } from "./scan-api.lib";
import type { QueuedScan, ScannerStore, StoredBundle } from "./scan-store.lib";
import { checkTicketOffline, decideOfflineVerdict, doorRulesOf, usedKey, type DoorRules, type UsedMark, type Verdict } from "./scan-verdict.lib";

export type DoorMode = "online" | "offline";

export interface ScanOutcome {
  verdict: Verdict;
  nonce: string;
  scannedAt: string;
  /** Decided on this phone (offline) rather than by the server. */
  offline: boolean;
  /** Writes what this scan changed to IndexedDB; call after painting. */
  persist: () => Promise<void>;
}

export interface DoorListener {
  mode(mode: DoorMode): void;
  counts(counts: { admitted: number; queued: number }): void;
  refused(error: DeviceRefused): void;
  bundle(stored: StoredBundle): void;
}

const UNDO_WINDOW_MS = 10_000;

export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `scan_${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export class Door {
  mode: DoorMode;
  stopped = false;
  private rules: DoorRules;
  private revoked: Set<string>;
  private readonly used = new Map<string, UsedMark>();
  private readonly queue = new Map<string, QueuedScan>();
  private admitted = 0;
  private lastAdmit: { nonce: string; key: string; offline: boolean; at: number } | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private lastOrder = 0;

  private constructor(
    readonly store: ScannerStore,
    readonly deviceToken: string,
    public stored: StoredBundle,
    private readonly listener: DoorListener,
  ) {
    this.revoked = new Set(stored.bundle.revocations);
    this.rules = doorRulesOf(stored.bundle, this.revoked);
    this.mode = navigator.onLine ? "online" : "offline";
  }

  static async open(store: ScannerStore, deviceToken: string, stored: StoredBundle, listener: DoorListener): Promise<Door> {
    const door = new Door(store, deviceToken, stored, listener);
    const [marks, queued, admitted] = await Promise.all([store.usedMarks(), store.queuedScans(), store.admittedCount(stored.bundle.device.device_id)]);
    for (const mark of marks) door.used.set(usedKey(mark.list_id, mark.ticket_id), mark);
    for (const scan of queued) door.queue.set(scan.nonce, scan);
    door.lastOrder = queued.at(-1)?.order ?? 0;
    door.admitted = admitted;
    door.announce();
    return door;
  }

  get bundle() {
    return this.stored.bundle;
  }

  get admittedCount(): number {
    return this.admitted;
  }

  /** Oldest first: a ticket's admit must reach the server before its "already used" rescans. */
  queuedScans(): QueuedScan[] {
    return [...this.queue.values()].sort((a, b) => a.order - b.order);
  }

  /** A fresher bundle (full, or revocations since the cursor) from the sync loop. */
  async adoptBundle(stored: StoredBundle): Promise<void> {
    const fresh = stored.bundle;
    const revocations = fresh.revocations_complete ? fresh.revocations : [...new Set([...this.bundle.revocations, ...fresh.revocations])];
    this.stored = { bundle: { ...fresh, revocations, revocations_complete: true }, clockOffsetMs: stored.clockOffsetMs };
    this.revoked = new Set(revocations);
    this.rules = doorRulesOf(this.stored.bundle, this.revoked);
    await this.store.saveBundle(this.deviceToken, this.stored);
    this.listener.bundle(this.stored);
  }

  setMode(mode: DoorMode): void {
    if (this.mode === mode) return;
    this.mode = mode;
    this.listener.mode(mode);
  }

  stop(error: DeviceRefused): void {
    this.stopped = true;
    this.listener.refused(error);
  }

  /** One scan at a time, in the order they were made: a second scan of a ticket sees the first. */
  scan(code: string): Promise<ScanOutcome> {
    const next = this.chain.then(() => this.scanNow(code.trim()));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async scanNow(token: string): Promise<ScanOutcome> {
    const nonce = newNonce();
    const scannedAt = new Date(Date.now() + this.stored.clockOffsetMs).toISOString();
    if (this.mode === "online" && navigator.onLine) {
      try {
        const verdict = await scanOnline(this.deviceToken, { token, nonce, scanned_at: scannedAt });
        return this.afterOnline(verdict, nonce, scannedAt);
      } catch (error) {
        if (error instanceof DeviceRefused) {
          this.stop(error);
          throw error;
        }
        // Unreachable: the door keeps moving on the phone's word, and the scan waits for sync. Any
        // other refusal means the server heard the scan and would not take it: decided here, not queued.
        if (!(error instanceof Unreachable)) return this.decideOffline(token, nonce, scannedAt, false);
        this.setMode("offline");
      }
    } else if (!navigator.onLine) {
      this.setMode("offline");
    }
    return this.decideOffline(token, nonce, scannedAt);
  }

  private afterOnline(verdict: ServerVerdict, nonce: string, scannedAt: string): ScanOutcome {
    this.setMode("online");
    const writes: (() => Promise<void>)[] = [];
    if (verdict.ticket_id && (verdict.valid || verdict.reason === "already_used")) {
      // Remember what the server admitted, so this phone refuses it too should the network drop.
      const key = usedKey(this.rules.listId, verdict.ticket_id);
      const mark: UsedMark = {
        ticket_id: verdict.ticket_id,
        list_id: this.rules.listId,
        nonce: verdict.valid ? nonce : "",
        at: verdict.valid ? scannedAt : (verdict.first_checked_in_at ?? scannedAt),
        device_id: verdict.valid ? this.bundle.device.device_id : (verdict.first_device?.device_id ?? ""),
        device_name: verdict.valid ? this.bundle.device.name : (verdict.first_device?.name ?? "another device"),
      };
      if (!this.used.has(key)) {
        this.used.set(key, mark);
        writes.push(() => this.store.markUsed(key, mark));
      }
      if (verdict.valid) {
        this.countAdmit(+1, writes);
        this.lastAdmit = { nonce, key, offline: false, at: Date.now() };
      }
    }
    return { verdict, nonce, scannedAt, offline: false, persist: () => runAll(writes) };
  }

  private async decideOffline(token: string, nonce: string, scannedAt: string, queue = true): Promise<ScanOutcome> {
    const check = await checkTicketOffline(token, this.bundle.keys, this.bundle.event.event_id);
    const verdict = decideOfflineVerdict(check, this.rules, this.used, Date.parse(scannedAt));
    const writes: (() => Promise<void>)[] = [];
    this.lastOrder = Math.max(Date.now(), this.lastOrder + 1);
    const queued: QueuedScan = {
      nonce,
      order: this.lastOrder,
      token,
      scanned_at: scannedAt,
      offline_verdict: verdict.valid ? "admit" : "reject",
      device_token: this.deviceToken,
      ticket_id: verdict.ticket_id,
      list_id: this.rules.listId,
    };
    if (queue) {
      this.queue.set(nonce, queued);
      writes.push(() => this.store.enqueue(queued));
    }
    if (verdict.valid && verdict.ticket_id) {
      const key = usedKey(this.rules.listId, verdict.ticket_id);
      const mark: UsedMark = { ticket_id: verdict.ticket_id, list_id: this.rules.listId, nonce, at: scannedAt, device_id: this.bundle.device.device_id, device_name: this.bundle.device.name };
      this.used.set(key, mark);
      writes.push(() => this.store.markUsed(key, mark));
      this.countAdmit(+1, writes);
      this.lastAdmit = { nonce, key, offline: queue, at: Date.now() };
    }
    this.announce();
    return { verdict, nonce, scannedAt, offline: true, persist: () => runAll(writes) };
  }

  /** The last admit, while it may still be undone (ms left), for the page's undo button. */
  undoable(nonce: string): number {
    if (!this.lastAdmit || this.lastAdmit.nonce !== nonce) return 0;
    return Math.max(0, UNDO_WINDOW_MS - (Date.now() - this.lastAdmit.at));
  }

  /**
   * Takes back the last admit. Still in the queue: the server never heard of it, so it is un-marked
   * here and its scan dropped. Otherwise the server un-marks it (within its own 10 s).
   */
  undo(nonce: string): Promise<{ ok: true } | { ok: false; message: string }> {
    const next = this.chain.then(() => this.undoNow(nonce));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async undoNow(nonce: string): Promise<{ ok: true } | { ok: false; message: string }> {
    const last = this.lastAdmit;
    if (!last || last.nonce !== nonce || this.undoable(nonce) === 0) return { ok: false, message: "Too late to undo: 10 seconds have passed." };
    if (!this.queue.has(nonce)) {
      try {
        await undoScan(this.deviceToken, nonce);
      } catch (error) {
        if (error instanceof DeviceRefused) this.stop(error);
        if (error instanceof Unreachable) return { ok: false, message: "Could not undo: the server is out of reach." };
        return { ok: false, message: error instanceof Error ? error.message : "Could not undo." };
      }
    }
    const writes: (() => Promise<void>)[] = [];
    if (this.queue.delete(nonce)) writes.push(() => this.store.dequeue([nonce]));
    this.used.delete(last.key);
    writes.push(() => this.store.unmarkUsed(last.key));
    this.countAdmit(-1, writes);
    this.lastAdmit = undefined;
    this.announce();
    await runAll(writes);
    return { ok: true };
  }

  /** Scans the server has answered for: out of the queue for good. */
  async forget(nonces: readonly string[]): Promise<void> {
    for (const nonce of nonces) this.queue.delete(nonce);
    await this.store.dequeue(nonces);
    this.announce();
  }

  private countAdmit(delta: number, writes: (() => Promise<void>)[]): void {
    this.admitted = Math.max(0, this.admitted + delta);
    const count = this.admitted;
    writes.push(() => this.store.saveAdmittedCount(this.bundle.device.device_id, count));
    this.announce();
  }

  private announce(): void {
    this.listener.counts({ admitted: this.admitted, queued: this.queue.size });
  }
}

async function runAll(writes: (() => Promise<void>)[]): Promise<void> {
  for (const write of writes) await write();
}
