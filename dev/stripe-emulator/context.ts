import type { Account } from "./account";
import type { Params } from "./params";
import type { EventType } from "./shapes";

/** What an endpoint handler gets to work with for one API request. */
export interface ApiContext {
  account: Account;
  params: Params;
  /** Values of the route's `:name` segments, in order. */
  pathParams: readonly string[];
  /** Records an event (and queues its webhook) attributed to this request. */
  emit(type: EventType, object: object): void;
}

export interface ApiResult {
  status?: number;
  body: object;
  /** Commit the result but never answer (pm_emulator_hang_after_commit). */
  hangAfterCommit?: boolean;
}

/**
 * Handlers are synchronous on purpose: each request's reads and writes happen
 * in one turn of the event loop, so concurrent requests cannot interleave (two
 * refunds can never both see the same unrefunded amount).
 */
export type Handler = (ctx: ApiContext) => ApiResult;

export interface Route {
  method: "GET" | "POST" | "DELETE";
  /** e.g. "/v1/payment_intents/:id/confirm" */
  pattern: string;
  handler: Handler;
}
