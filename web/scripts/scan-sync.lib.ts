/**
 * The way back from offline: sends the queued scans with `POST /api/v1/checkin/sync` and refreshes
 * the bundle's revocations with `?since=<cursor>`, as soon as the browser says it is online and every
 * 15 s while it is, so revocations and the used set stay fresh even when nobody scans. A scan leaves
 * the queue only once the server has answered for it; a conflict (admitted here offline, admitted
 * already elsewhere) is kept in IndexedDB and shown to staff, never dropped.
 */
import { DeviceRefused, DoorApiError, fetchBundle, syncScans, Unreachable, type SyncResult } from "./scan-api.lib";
import type { Door } from "./scan-door.lib";
import type { ConflictRecord, QueuedScan } from "./scan-store.lib";

export const SYNC_INTERVAL_MS = 15_000;
const SYNC_BATCH = 500;

export interface SyncSummary {
  sent: number;
  admitted: number;
  refused: number;
  conflicts: number;
  at: string;
}

export interface SyncListener {
  synced(summary: SyncSummary, results: readonly SyncResult[]): void;
  conflicts(all: readonly ConflictRecord[]): void;
}

export class DoorSync {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly door: Door,
    private readonly listener: SyncListener,
  ) {}

  start(): void {
    addEventListener("online", () => void this.run());
    addEventListener("offline", () => this.door.setMode("offline"));
    this.timer = setInterval(() => void this.run(), SYNC_INTERVAL_MS);
    void this.door.store.conflicts().then((all) => this.listener.conflicts(all));
    void this.run();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass at a time; a call during a pass asks for one more pass after it. */
  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.run();
      }
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    if (this.door.stopped) return this.stop();
    if (!navigator.onLine) return this.door.setMode("offline");
    try {
      await this.sendQueue();
      // Every pass: a refund made a minute before the Wi-Fi drops must already be on this phone.
      await this.refreshBundle();
      this.door.setMode("online");
    } catch (error) {
      if (error instanceof DeviceRefused) this.door.stop(error);
      else if (error instanceof Unreachable) this.door.setMode("offline");
      else throw error;
    }
  }

  private async refreshBundle(): Promise<void> {
    const askedAt = Date.now();
    const bundle = await fetchBundle(this.door.deviceToken, this.door.bundle.revocations_cursor);
    const clockOffsetMs = Date.parse(bundle.server_time) - (askedAt + Date.now()) / 2;
    await this.door.adoptBundle({ bundle, clockOffsetMs: Number.isFinite(clockOffsetMs) ? clockOffsetMs : 0 });
  }

  /** Sends every queued scan, per device and in batches. */
  private async sendQueue(): Promise<void> {
    const queued = this.door.queuedScans();
    if (queued.length === 0) return;
    const summary: SyncSummary = { sent: 0, admitted: 0, refused: 0, conflicts: 0, at: new Date().toISOString() };
    const answered: SyncResult[] = [];
    const byDevice = new Map<string, QueuedScan[]>();
    for (const scan of queued) byDevice.set(scan.device_token, [...(byDevice.get(scan.device_token) ?? []), scan]);
    for (const [deviceToken, scans] of byDevice) {
      for (let i = 0; i < scans.length; i += SYNC_BATCH) {
        const batch = scans.slice(i, i + SYNC_BATCH);
        const results = await this.sendBatch(deviceToken, batch);
        await this.record(batch, results, summary);
        answered.push(...results.filter((r): r is SyncResult => r !== undefined));
      }
    }
    // The server answered: the network is back, whatever the refresh below meets.
    this.door.setMode("online");
    this.listener.synced(summary, answered);
  }

  /**
   * A batch the server refuses whole (one scan it cannot read) goes again one scan at a time, so one
   * bad scan cannot hold the queue forever: the one still refused alone is dropped (undefined).
   */
  private async sendBatch(deviceToken: string, batch: QueuedScan[]): Promise<(SyncResult | undefined)[]> {
    try {
      return await syncScans(deviceToken, batch);
    } catch (error) {
      if (!(error instanceof DoorApiError)) throw error;
      if (batch.length === 1) return [undefined];
      const results: (SyncResult | undefined)[] = [];
      for (const scan of batch) results.push(...(await this.sendBatch(deviceToken, [scan])));
      return results;
    }
  }

  private async record(batch: QueuedScan[], results: (SyncResult | undefined)[], summary: SyncSummary): Promise<void> {
    const conflicts: ConflictRecord[] = [];
    batch.forEach((scan, i) => {
      const result = results[i];
      if (!result) return;
      summary.sent += 1;
      if (result.valid) summary.admitted += 1;
      else summary.refused += 1;
      if (result.conflict) {
        summary.conflicts += 1;
        conflicts.push({
          nonce: scan.nonce,
          ticket_id: result.ticket_id,
          attendee_name: result.attendee_name,
          tier: result.tier,
          seat: result.seat,
          scanned_at: scan.scanned_at,
          first_checked_in_at: result.first_checked_in_at,
          first_device: result.first_device,
          reported_at: summary.at,
        });
      }
    });
    // Conflicts are stored before their scans leave the queue: a crash in between sends them again.
    if (conflicts.length > 0) {
      await this.door.store.saveConflicts(conflicts);
      this.listener.conflicts(await this.door.store.conflicts());
    }
    await this.door.forget(batch.map((scan) => scan.nonce));
  }
}
