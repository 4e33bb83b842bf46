/**
 * Resend's `Idempotency-Key`: a retry with the same key and the same payload
 * gets the first mail's id and sends nothing; the same key with a different
 * payload is a 409. Keys are kept for 24 hours, per API key.
 */
const RETENTION_MS = 24 * 60 * 60 * 1000;
export const MAX_KEY_LENGTH = 256;

interface Entry {
  payload: string;
  mailId: string;
  createdAt: number;
}

export type Lookup = { kind: "new" } | { kind: "replay"; mailId: string } | { kind: "conflict" };

export class IdempotencyKeys {
  private readonly entries = new Map<string, Entry>();

  lookup(apiKey: string, key: string, payload: string): Lookup {
    this.expireOld();
    const entry = this.entries.get(this.scoped(apiKey, key));
    if (!entry) return { kind: "new" };
    return entry.payload === payload ? { kind: "replay", mailId: entry.mailId } : { kind: "conflict" };
  }

  remember(apiKey: string, key: string, payload: string, mailId: string): void {
    this.entries.set(this.scoped(apiKey, key), { payload, mailId, createdAt: Date.now() });
  }

  clear(): void {
    this.entries.clear();
  }

  private scoped(apiKey: string, key: string): string {
    return JSON.stringify([apiKey, key]);
  }

  private expireOld(): void {
    // Insertion order is age order, so expired entries are at the front.
    const cutoff = Date.now() - RETENTION_MS;
    for (const [key, entry] of this.entries) {
      if (entry.createdAt >= cutoff) break;
      this.entries.delete(key);
    }
  }
}
