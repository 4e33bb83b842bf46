/**
 * What the scanner keeps on the phone, in IndexedDB, so a reload or a crash in a basement loses
 * nothing: the device token, the offline bundle (with every revocation merged in), the tickets this
 * phone let in per list, the scans waiting to be sent, and the conflicts the server reported.
 *
 * The page keeps a copy of the used set and the queue in memory and writes here after it has shown a
 * verdict, so storage is never between a scan and its green or red screen.
 */
import type { DoorBundle, UsedMark } from "./scan-verdict.lib";

/** A scan made while offline, waiting for `POST /api/v1/checkin/sync`. */
export interface QueuedScan {
  nonce: string;
  /** Strictly increasing on this phone: the server must hear scans in the order they were made. */
  order: number;
  token: string;
  scanned_at: string;
  offline_verdict: "admit" | "reject";
  /** The device that scanned it: a re-enrolled phone still sends the old device's scans as that device. */
  device_token: string;
  ticket_id: string | null;
  list_id: string;
}

export interface StoredBundle {
  bundle: DoorBundle;
  /** Server clock minus the phone's, when the bundle came: doors open by the server's clock. */
  clockOffsetMs: number;
}

/** An offline admit the server says had already been admitted: kept for staff, never dropped. */
export interface ConflictRecord {
  nonce: string;
  ticket_id: string | null;
  attendee_name: string | null;
  tier: string | null;
  seat: string | null;
  scanned_at: string;
  first_checked_in_at?: string;
  first_device?: { device_id: string; name: string };
  reported_at: string;
}

const DB_NAME = "admit-one-scanner";
const SETTINGS = "settings";
const USED = "used";
const QUEUE = "queue";
const CONFLICTS = "conflicts";

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("IndexedDB transaction aborted"));
  });
}

export class ScannerStore {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(): Promise<ScannerStore> {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => {
      const db = open.result;
      db.createObjectStore(SETTINGS);
      db.createObjectStore(USED, { keyPath: "key" });
      db.createObjectStore(QUEUE, { keyPath: "nonce" });
      db.createObjectStore(CONFLICTS, { keyPath: "nonce" });
    };
    return new ScannerStore(await request(open));
  }

  private async get<T>(store: string, key: string): Promise<T | undefined> {
    return request(this.db.transaction(store).objectStore(store).get(key)) as Promise<T | undefined>;
  }

  private async all<T>(store: string): Promise<T[]> {
    return request(this.db.transaction(store).objectStore(store).getAll()) as Promise<T[]>;
  }

  private async write(store: string, run: (s: IDBObjectStore) => void): Promise<void> {
    const tx = this.db.transaction(store, "readwrite");
    run(tx.objectStore(store));
    await done(tx);
  }

  deviceToken(): Promise<string | undefined> {
    return this.get<string>(SETTINGS, "device_token");
  }

  saveDeviceToken(token: string): Promise<void> {
    return this.write(SETTINGS, (s) => s.put(token, "device_token"));
  }

  /** The bundle last stored for `token` (a bundle belongs to the device that fetched it). */
  async bundle(token: string): Promise<StoredBundle | undefined> {
    const stored = await this.get<StoredBundle & { token: string }>(SETTINGS, "bundle");
    return stored?.token === token ? { bundle: stored.bundle, clockOffsetMs: stored.clockOffsetMs } : undefined;
  }

  saveBundle(token: string, stored: StoredBundle): Promise<void> {
    return this.write(SETTINGS, (s) => s.put({ token, ...stored }, "bundle"));
  }

  async admittedCount(deviceId: string): Promise<number> {
    return (await this.get<number>(SETTINGS, `admitted:${deviceId}`)) ?? 0;
  }

  saveAdmittedCount(deviceId: string, count: number): Promise<void> {
    return this.write(SETTINGS, (s) => s.put(count, `admitted:${deviceId}`));
  }

  async usedMarks(): Promise<UsedMark[]> {
    return this.all<UsedMark & { key: string }>(USED);
  }

  markUsed(key: string, mark: UsedMark): Promise<void> {
    return this.write(USED, (s) => s.put({ key, ...mark }));
  }

  unmarkUsed(key: string): Promise<void> {
    return this.write(USED, (s) => s.delete(key));
  }

  /** Oldest first (the store itself orders by nonce, which is random). */
  async queuedScans(): Promise<QueuedScan[]> {
    return (await this.all<QueuedScan>(QUEUE)).sort((a, b) => a.order - b.order);
  }

  enqueue(scan: QueuedScan): Promise<void> {
    return this.write(QUEUE, (s) => s.put(scan));
  }

  dequeue(nonces: readonly string[]): Promise<void> {
    return this.write(QUEUE, (s) => nonces.forEach((nonce) => s.delete(nonce)));
  }

  conflicts(): Promise<ConflictRecord[]> {
    return this.all<ConflictRecord>(CONFLICTS);
  }

  saveConflicts(records: readonly ConflictRecord[]): Promise<void> {
    return this.write(CONFLICTS, (s) => records.forEach((record) => s.put(record)));
  }
}
