/**
 * The scanner's calls to `/api/v1/checkin/*` with its device token. Every call has a deadline: at a
 * door a slow answer is as bad as none, so a timeout, a dropped connection or a 5xx all come back as
 * `Unreachable`, which sends the page to offline mode; a revoked or unknown device is `DeviceRefused`,
 * which stops scanning; anything else the API refuses is a `DoorApiError` with its code.
 */
import { hc, type ClientResponse } from "hono/client";
import type { ApiType } from "../../workers/app";
import type { DoorBundle, Verdict } from "./scan-verdict.lib";
import type { QueuedScan } from "./scan-store.lib";

/** How long an online scan may take before the phone decides the ticket itself. */
export const SCAN_TIMEOUT_MS = 1_500;
const SLOW_CALL_TIMEOUT_MS = 10_000;

export class Unreachable extends Error {}

export class DeviceRefused extends Error {
  constructor(readonly code: "DEVICE_REVOKED" | "UNAUTHENTICATED" | "FORBIDDEN", message: string) {
    super(message);
  }
}

export class DoorApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface ServerVerdict extends Verdict {
  nonce: string;
  scanned_at: string;
  checkin_list?: { checkin_list_id: string; name: string };
}

export interface SyncResult extends ServerVerdict {
  conflict: boolean;
}

type DoorCalls = ReturnType<typeof hc<ApiType>>["checkin"];

/**
 * One call through hono's typed client (so the answer is the route's type), with the device token,
 * a deadline, and the door's reading of failures.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call<T>(token: string, timeoutMs: number, send: (door: DoorCalls) => Promise<ClientResponse<T, number, any>>): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const door = hc<ApiType>("/api/v1", {
    headers: { Accept: "application/json", Authorization: `Bearer ${token}` },
    fetch: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, { ...init, signal: abort.signal, cache: "no-store" }),
  }).checkin;
  let response: Response;
  let text: string;
  try {
    response = (await send(door)) as unknown as Response;
    text = await response.text();
  } catch {
    throw new Unreachable(abort.signal.aborted ? "The server took too long to answer." : "No network.");
  } finally {
    clearTimeout(timer);
  }
  if (response.status >= 500) throw new Unreachable(`The server answered ${response.status}.`);
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    throw new Unreachable("The server's answer was not readable.");
  }
  if (response.ok) return body as T;
  const error = (body.error ?? {}) as { code?: string; message?: string };
  const code = error.code ?? "UNEXPECTED";
  const message = error.message ?? `The server answered ${response.status}.`;
  if (code === "DEVICE_REVOKED" || code === "UNAUTHENTICATED" || (code === "FORBIDDEN" && response.status === 403)) throw new DeviceRefused(code, message);
  throw new DoorApiError(code, message, body);
}

export function fetchBundle(token: string, since?: string | null): Promise<DoorBundle> {
  return call(token, SLOW_CALL_TIMEOUT_MS, (door) => door.bundle.$get({ query: since ? { since } : {} }));
}

export function scanOnline(token: string, scan: { token: string; nonce: string; scanned_at: string }): Promise<ServerVerdict> {
  return call(token, SCAN_TIMEOUT_MS, (door) => door.scan.$post({ json: scan }));
}

export async function syncScans(token: string, scans: readonly QueuedScan[]): Promise<SyncResult[]> {
  const json = { scans: scans.map(({ token, nonce, scanned_at, offline_verdict }) => ({ token, nonce, scanned_at, offline_verdict })) };
  const { results } = await call(token, SLOW_CALL_TIMEOUT_MS, (door) => door.sync.$post({ json }));
  return results;
}

export function undoScan(token: string, nonce: string): Promise<{ undone: boolean; ticket_id: string }> {
  return call(token, SCAN_TIMEOUT_MS * 2, (door) => door.undo.$post({ json: { nonce } }));
}
