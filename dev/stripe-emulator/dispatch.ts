/**
 * The API request pipeline: fault injection, authentication, parameter
 * decoding, routing, idempotency and the handler, in the order real Stripe
 * applies them as far as a client can tell.
 */
import type { IncomingHttpHeaders } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Account, AccountRegistry } from "./account";
import { authenticate } from "./auth";
import type { ApiContext } from "./context";
import { ApiError, internalError } from "./errors";
import { recordEvent } from "./events";
import { expandResponse } from "./expand";
import type { FaultInjector } from "./faults";
import { FormDecodeError, type FormObject, parseForm } from "./form";
import { MAX_KEY_LENGTH, rejectClaim } from "./idempotency";
import { Params } from "./params";
import { matchRoute, type RouteMatch } from "./routes";
import type { WebhookDispatcher } from "./webhooks";

/** The API version of the installed SDK (stripe@23), assumed when a request names none. */
export const DEFAULT_API_VERSION = "2026-10-28.endive";

export interface ApiRequest {
  method: string;
  path: string;
  /** Query string without the leading "?". */
  query: string;
  headers: IncomingHttpHeaders;
  body: string;
  requestId: string;
}

export type Outcome =
  | { kind: "respond"; status: number; headers: Record<string, string>; body: string }
  | { kind: "hang" };

export interface DispatcherDeps {
  accounts: AccountRegistry;
  faults: FaultInjector;
  webhooks: WebhookDispatcher;
  /** Aborted when the emulator stops, ending injected delays. */
  shutdown: AbortSignal;
  log?: (line: string) => void;
}

interface Prepared {
  account: Account;
  form: FormObject;
  match: NonNullable<RouteMatch>;
  idempotencyKey: string | null;
}

interface Execution {
  status: number;
  body: string;
  /** False for validation failures, which Stripe does not store for a key. */
  storable: boolean;
  hang: boolean;
}

const HANG: Outcome = { kind: "hang" };

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function json(body: unknown): string {
  // Stripe pretty-prints its JSON; so does the emulator, for readable logs.
  return JSON.stringify(body, null, 2);
}

export class ApiDispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  async dispatch(request: ApiRequest): Promise<Outcome> {
    const sentKey = request.method.toUpperCase() === "POST" ? (headerValue(request.headers["idempotency-key"]) ?? null) : null;
    if (this.deps.faults.take(request.method, request.path, ["hang"], sentKey)) return HANG;
    const apiVersion = headerValue(request.headers["stripe-version"]) ?? DEFAULT_API_VERSION;
    const headers: Record<string, string> = { "Request-Id": request.requestId, "Stripe-Version": apiVersion };
    const respond = (status: number, body: string): Outcome => ({ kind: "respond", status, headers, body });

    let prepared: Prepared;
    try {
      prepared = this.prepare(request);
    } catch (error) {
      if (error instanceof ApiError) return respond(error.status, json(error.toBody()));
      throw error;
    }

    const { account, idempotencyKey: key } = prepared;
    if (key === null) {
      const execution = await this.execute(request, prepared, apiVersion);
      return execution.hang ? HANG : respond(execution.status, execution.body);
    }

    headers["Idempotency-Key"] = key;
    const claim = account.idempotency.claim(key, request.method, request.path, prepared.form);
    if (claim.kind === "replay") {
      if (this.deps.faults.take(request.method, request.path, ["hang_replay"], key)) return HANG;
      headers["Idempotent-Replayed"] = "true";
      headers["Original-Request"] = claim.response.requestId;
      return respond(claim.response.status, claim.response.body);
    }
    if (claim.kind !== "fresh") {
      const rejection = rejectClaim(claim, key, `${request.method} ${request.path}`);
      return respond(rejection.status, json(rejection.toBody()));
    }

    const execution = await this.execute(request, prepared, apiVersion);
    if (execution.storable) {
      account.idempotency.complete(key, { status: execution.status, body: execution.body, requestId: request.requestId });
    } else {
      account.idempotency.release(key);
    }
    return execution.hang ? HANG : respond(execution.status, execution.body);
  }

  /** Everything that can reject a request before an idempotency key is claimed. */
  private prepare(request: ApiRequest): Prepared {
    const account = this.deps.accounts.forKey(authenticate(headerValue(request.headers.authorization)));
    const match = matchRoute(request.method, request.path);
    if (!match) {
      throw new ApiError(
        404,
        {
          type: "invalid_request_error",
          message: `Unrecognized request URL (${request.method}: ${request.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
        },
        "validation",
      );
    }
    const isPost = request.method === "POST";
    const contentType = headerValue(request.headers["content-type"]) ?? "";
    if (isPost && request.body !== "" && !contentType.startsWith("application/x-www-form-urlencoded")) {
      throw new ApiError(
        400,
        {
          type: "invalid_request_error",
          message: `Invalid request: Stripe's v1 API takes application/x-www-form-urlencoded bodies, not ${contentType || "an untyped body"}.`,
        },
        "validation",
      );
    }
    let form: FormObject;
    try {
      form = parseForm(isPost ? request.body : request.query);
    } catch (error) {
      if (!(error instanceof FormDecodeError)) throw error;
      throw new ApiError(400, { type: "invalid_request_error", message: `Invalid request: ${error.message}` }, "validation");
    }
    const key = isPost ? (headerValue(request.headers["idempotency-key"]) ?? null) : null;
    if (key !== null && (key === "" || key.length > MAX_KEY_LENGTH)) {
      throw new ApiError(
        400,
        { type: "invalid_request_error", message: `Invalid idempotency key: must be 1 to ${MAX_KEY_LENGTH} characters.` },
        "validation",
      );
    }
    return { account, form, match, idempotencyKey: key };
  }

  private async execute(request: ApiRequest, prepared: Prepared, apiVersion: string): Promise<Execution> {
    const { account, form, match, idempotencyKey } = prepared;
    const fault = this.deps.faults.take(request.method, request.path, ["delay", "error_500", "hang_after_commit"], idempotencyKey);
    if (fault?.mode === "delay") {
      try {
        await sleep(fault.delayMs, undefined, { signal: this.deps.shutdown });
      } catch {
        return { status: 0, body: "", storable: false, hang: true }; // shutting down
      }
    }
    const finish = (status: number, body: object, storable: boolean, committed: boolean): Execution => ({
      status,
      body: json(body),
      storable,
      hang: committed && fault?.mode === "hang_after_commit",
    });
    if (fault?.mode === "error_500") return finish(500, internalError().toBody(), true, false);

    const params = new Params(form);
    const ctx: ApiContext = {
      account,
      params,
      pathParams: match.pathParams,
      emit: (type, object) => {
        const event = recordEvent(account, type, object, { requestId: request.requestId, idempotencyKey, apiVersion });
        this.deps.webhooks.enqueue(event);
      },
    };
    let result;
    try {
      result = match.route.handler(ctx);
    } catch (error) {
      if (error instanceof ApiError) {
        const executed = error.phase === "execution";
        return finish(error.status, error.toBody(), executed, executed);
      }
      this.deps.log?.(`internal error in ${request.method} ${request.path}: ${(error as Error).stack ?? String(error)}`);
      return finish(500, internalError().toBody(), true, true);
    }
    try {
      const body = expandResponse(account, result.body, params.expand());
      const execution = finish(result.status ?? 200, body, true, true);
      return { ...execution, hang: execution.hang || result.hangAfterCommit === true };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      // The operation has already happened; a bad `expand` cannot undo it, so
      // the error is stored like any response from an executed request.
      return finish(error.status, error.toBody(), true, true);
    }
  }
}
