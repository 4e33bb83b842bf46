/**
 * Stripe's idempotency semantics, per account:
 * - the first completed response for a key is stored and replayed for any
 *   retry with the same method, path and parameters (4xx and 500 included);
 * - a retry with different parameters, or on another endpoint, is rejected;
 * - a retry while the first request is still executing gets a 409, which the
 *   SDK retries after a backoff;
 * - validation failures release the key (nothing began executing).
 * Keys expire after 24 hours, Stripe's documented minimum retention.
 */
import { ApiError } from "./errors";
import type { FormObject } from "./form";

export const MAX_KEY_LENGTH = 255;
const RETENTION_MS = 24 * 60 * 60 * 1000;

export interface StoredResponse {
  status: number;
  body: string;
  requestId: string;
}

interface Entry {
  endpoint: string;
  fingerprint: string;
  createdAt: number;
  response: StoredResponse | null; // null while the first request is executing
}

export type Claim =
  | { kind: "fresh" }
  | { kind: "replay"; response: StoredResponse }
  | { kind: "in_progress" }
  | { kind: "endpoint_mismatch"; firstEndpoint: string }
  | { kind: "params_mismatch" };

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  /** Claims `key` for a request, or says why the request must not execute. */
  claim(key: string, method: string, path: string, params: FormObject): Claim {
    this.expireOld();
    const endpoint = `${method} ${path}`;
    const fingerprint = canonicalJson(params);
    const entry = this.entries.get(key);
    if (!entry) {
      this.entries.set(key, { endpoint, fingerprint, createdAt: Date.now(), response: null });
      return { kind: "fresh" };
    }
    if (entry.endpoint !== endpoint) return { kind: "endpoint_mismatch", firstEndpoint: entry.endpoint };
    if (entry.fingerprint !== fingerprint) return { kind: "params_mismatch" };
    if (!entry.response) return { kind: "in_progress" };
    return { kind: "replay", response: entry.response };
  }

  complete(key: string, response: StoredResponse): void {
    const entry = this.entries.get(key);
    if (entry) entry.response = response;
  }

  release(key: string): void {
    const entry = this.entries.get(key);
    if (entry && !entry.response) this.entries.delete(key);
  }

  private expireOld(): void {
    // Map iteration follows insertion order, so the oldest entries come first.
    const cutoff = Date.now() - RETENTION_MS;
    for (const [key, entry] of this.entries) {
      if (entry.createdAt >= cutoff) break;
      this.entries.delete(key);
    }
  }
}

/** Stripe's answer to a request whose key cannot be used now (409) or at all (400). */
export function rejectClaim(claim: Exclude<Claim, { kind: "fresh" | "replay" }>, key: string, endpoint: string): ApiError {
  const error = (status: number, message: string) => new ApiError(status, { type: "idempotency_error", message }, "validation");
  switch (claim.kind) {
    case "in_progress":
      return error(
        409,
        "There is currently another in-progress request using this Idempotent Key (that probably means you submitted " +
          `twice, and the other request is still going through): ${key}. Please try again later.`,
      );
    case "endpoint_mismatch":
      return error(
        400,
        "Keys for idempotent requests can only be used for the same endpoint they were first used for " +
          `('${endpoint}' vs '${claim.firstEndpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    case "params_mismatch":
      return error(
        400,
        "Keys for idempotent requests can only be used with the same parameters they were first used with. " +
          `Try using a key other than '${key}' if you meant to execute a different request.`,
      );
  }
}

/** JSON with sorted keys, so parameter order does not change a fingerprint. */
function canonicalJson(value: unknown): string {
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const record = value as Record<string, unknown>;
  const body = Object.keys(record)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`)
    .join(",");
  return `{${body}}`;
}
