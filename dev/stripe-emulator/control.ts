/**
 * Unauthenticated control endpoints under /_emulator/, for tests and operators
 * driving the emulator from another process (e.g. a Worker under test):
 *
 *   POST   /_emulator/faults            add a fault rule (JSON, see FaultRule)
 *   GET    /_emulator/faults            list active rules
 *   DELETE /_emulator/faults            remove all rules
 *   GET    /_emulator/deliveries        webhook delivery attempts so far
 *   POST   /_emulator/webhooks/flush    wait until no webhook is pending
 *   GET    /_emulator/webhook_endpoint  current endpoint URL and signing secret
 *   PUT    /_emulator/webhook_endpoint  set it: {"url": "http://…", "enabled_events"?: ["payment_intent.succeeded", …]} or {"url": null}
 */
import type { FaultInjector, FaultRule } from "./faults";
import type { WebhookDispatcher } from "./webhooks";

export const CONTROL_PREFIX = "/_emulator/";

export interface ControlResponse {
  status: number;
  body: unknown;
}

export interface ControlDeps {
  faults: FaultInjector;
  webhooks: WebhookDispatcher;
  webhookSecret: string;
}

function failure(status: number, message: string): ControlResponse {
  return { status, body: { error: { type: "invalid_request_error", message } } };
}

function parseJson(body: string): unknown {
  if (body.trim() === "") return {};
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new TypeError("body must be JSON");
  }
}

function parseEndpointUrl(input: unknown): string | null {
  const url = (input as { url?: unknown } | null)?.url;
  if (url === null) return null;
  if (typeof url !== "string" || !/^https?:\/\//.test(url)) throw new TypeError('url must be an http(s) URL or null');
  return url;
}

/** `enabled_events` as Stripe's webhook endpoints take it: event types, or `["*"]` (also when omitted). */
function parseEnabledEvents(input: unknown): string[] {
  const events = (input as { enabled_events?: unknown } | null)?.enabled_events;
  if (events === undefined) return ["*"];
  if (!Array.isArray(events) || events.length === 0 || !events.every((type) => typeof type === "string" && /^(\*|[a-z_]+(\.[a-z_]+)+)$/.test(type))) {
    throw new TypeError('enabled_events must be a non-empty list of event types such as "payment_intent.succeeded", or ["*"]');
  }
  return events as string[];
}

function endpoint(deps: ControlDeps) {
  return { url: deps.webhooks.endpointUrl, secret: deps.webhookSecret, enabled_events: deps.webhooks.endpointEvents };
}

export async function handleControl(method: string, path: string, body: string, deps: ControlDeps): Promise<ControlResponse> {
  const route = `${method} ${path.slice(CONTROL_PREFIX.length - 1)}`;
  try {
    switch (route) {
      case "POST /faults":
        // add() validates the shape itself and throws TypeError on bad input.
        return { status: 201, body: deps.faults.add(parseJson(body) as FaultRule) };
      case "GET /faults":
        return { status: 200, body: { data: deps.faults.list() } };
      case "DELETE /faults":
        deps.faults.clear();
        return { status: 200, body: { cleared: true } };
      case "GET /deliveries":
        return { status: 200, body: { data: deps.webhooks.deliveries() } };
      case "POST /webhooks/flush":
        await deps.webhooks.flush();
        return { status: 200, body: { flushed: true, deliveries: deps.webhooks.deliveries().length } };
      case "GET /webhook_endpoint":
        return { status: 200, body: endpoint(deps) };
      case "PUT /webhook_endpoint": {
        const input = parseJson(body);
        const url = parseEndpointUrl(input);
        const events = parseEnabledEvents(input);
        deps.webhooks.setUrl(url);
        deps.webhooks.setEnabledEvents(events);
        return { status: 200, body: endpoint(deps) };
      }
      default:
        return failure(404, `No emulator control endpoint ${method} ${path}`);
    }
  } catch (error) {
    if (error instanceof TypeError) return failure(400, error.message);
    throw error;
  }
}
