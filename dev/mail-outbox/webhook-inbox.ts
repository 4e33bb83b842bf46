/**
 * The outbox's webhook inbox: a receiver for the platform's signed webhooks, so an organizer trying
 * the local stack sees what would be sent and whether its signature verifies. Each inbox is a name
 * in the URL (`/webhooks/in/<inbox>`), so tests running side by side never share faults or mail.
 *
 *   POST   /webhooks/in/:inbox                  receive a delivery (answers 200 {received: true})
 *   PUT    /webhooks/inboxes/:inbox/secret      {"secret": "whsec_…"}: verify this inbox's deliveries
 *   POST   /webhooks/inboxes/:inbox/faults      {"mode": "error_500" | "hang" | "drop", "times": N}
 *   DELETE /webhooks/inboxes/:inbox/faults      cancel them
 *   GET    /webhooks/api/deliveries?inbox=      {data: Received[]}, newest first
 *   DELETE /webhooks/api/deliveries             forget everything
 *   GET    /webhooks                            the page; POST /webhooks/secret (a form) sets a secret
 *
 * Verification is judged when shown, against the inbox's secret then: set the secret after the
 * first deliveries arrive and they show as verified. The timestamp is judged against the time of
 * receipt (5 minutes either way), as a real receiver would.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { verifySignature } from "../../workers/webhooks-out/signature";
import { renderWebhookInbox } from "./webhook-page";

export type WebhookFaultMode = "error_500" | "hang" | "drop";
const MODES: readonly WebhookFaultMode[] = ["error_500", "hang", "drop"];

export interface ReceivedDelivery {
  id: string;
  inbox: string;
  received_at: string;
  event_id: string | null;
  event_type: string | null;
  signature: string | null;
  body: string;
}

export type Verdict = "verified" | "mismatch" | "too_old" | "malformed" | "no_secret";

export interface WebhookInboxState {
  received: ReceivedDelivery[];
  secrets: Map<string, string>;
  faults: Map<string, { mode: WebhookFaultMode; remaining: number }[]>;
  /** Hung requests, answered (or dropped) when the inbox server stops. */
  hanging: Set<ServerResponse>;
}

export function newWebhookInboxState(): WebhookInboxState {
  return { received: [], secrets: new Map(), faults: new Map(), hanging: new Set() };
}

/** How long a `hang` fault holds a request before answering 504 itself (far past any sender's timeout). */
const HANG_MS = 120_000;
const INBOX = /^[A-Za-z0-9_.-]{1,100}$/;

export async function verdictOf(state: WebhookInboxState, delivery: ReceivedDelivery): Promise<Verdict> {
  const secret = state.secrets.get(delivery.inbox);
  if (!secret) return "no_secret";
  const check = await verifySignature(secret, delivery.body, delivery.signature, Math.floor(Date.parse(delivery.received_at) / 1000));
  return check.ok ? "verified" : check.reason;
}

function send(res: ServerResponse, status: number, body: unknown, type = "application/json"): void {
  const text = type === "application/json" ? JSON.stringify(body) : String(body);
  res.writeHead(status, { "Content-Type": type, "Content-Length": String(Buffer.byteLength(text)) });
  res.end(text);
}

function takeFault(state: WebhookInboxState, inbox: string): WebhookFaultMode | null {
  const queue = state.faults.get(inbox);
  const fault = queue?.[0];
  if (!fault) return null;
  if (--fault.remaining === 0) queue!.shift();
  return fault.mode;
}

function receive(req: IncomingMessage, res: ServerResponse, inbox: string, body: string, state: WebhookInboxState): void {
  const fault = takeFault(state, inbox);
  if (fault === "drop") {
    req.socket.destroy();
    return;
  }
  if (fault === "hang") {
    state.hanging.add(res);
    const timer = setTimeout(() => finish(504, { error: "the inbox was told to hang" }), HANG_MS);
    const finish = (status: number, reply: unknown) => {
      clearTimeout(timer);
      state.hanging.delete(res);
      if (!res.writableEnded && !res.destroyed) send(res, status, reply);
    };
    res.on("close", () => finish(499, {}));
    return;
  }
  if (fault === "error_500") return send(res, 500, { error: "the inbox was told to fail" });
  const header = (name: string) => {
    const value = req.headers[name];
    return typeof value === "string" ? value : null;
  };
  state.received.push({
    id: randomUUID(),
    inbox,
    received_at: new Date().toISOString(),
    event_id: header("admit-one-event-id"),
    event_type: header("admit-one-event-type"),
    signature: header("admit-one-signature"),
    body,
  });
  send(res, 200, { received: true });
}

function addFault(state: WebhookInboxState, inbox: string, body: string): { mode: WebhookFaultMode; remaining: number } {
  const { mode, times = 1 } = (body.trim() ? JSON.parse(body) : {}) as { mode?: unknown; times?: unknown };
  if (!MODES.includes(mode as WebhookFaultMode)) throw new TypeError(`mode must be one of ${MODES.join(", ")}`);
  if (typeof times !== "number" || !Number.isInteger(times) || times < 1) throw new TypeError("times must be a positive integer");
  const fault = { mode: mode as WebhookFaultMode, remaining: times };
  state.faults.set(inbox, [...(state.faults.get(inbox) ?? []), fault]);
  return { ...fault };
}

async function listDeliveries(state: WebhookInboxState, inbox: string | null) {
  const rows = [...state.received].reverse().filter((d) => inbox === null || d.inbox === inbox);
  return Promise.all(rows.map(async (d) => ({ ...d, verdict: await verdictOf(state, d) })));
}

/** Answers a request under /webhooks; false when the path is not the inbox's. */
export async function routeWebhookInbox(req: IncomingMessage, res: ServerResponse, body: string, state: WebhookInboxState, pageHeaders: Record<string, string>): Promise<boolean> {
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "http://outbox.invalid");
  const path = url.pathname;
  if (path !== "/webhooks" && !path.startsWith("/webhooks/")) return false;
  const inboxPath = /^\/webhooks\/(?:in|inboxes)\/([^/]+)(\/secret|\/faults)?$/.exec(path);
  const inbox = inboxPath ? decodeURIComponent(inboxPath[1]!) : null;
  if (inboxPath && !INBOX.test(inbox!)) {
    send(res, 400, { error: "An inbox name is 1-100 letters, digits, '.', '_' or '-'." });
    return true;
  }
  try {
    if (method === "POST" && inboxPath && path.startsWith("/webhooks/in/") && !inboxPath[2]) receive(req, res, inbox!, body, state);
    else if (method === "PUT" && inboxPath?.[2] === "/secret") {
      const { secret } = JSON.parse(body || "{}") as { secret?: unknown };
      if (typeof secret !== "string" || secret.length === 0) throw new TypeError("secret must be a non-empty string");
      state.secrets.set(inbox!, secret);
      send(res, 200, { inbox, secret_set: true });
    } else if (method === "POST" && inboxPath?.[2] === "/faults") send(res, 201, addFault(state, inbox!, body));
    else if (method === "DELETE" && inboxPath?.[2] === "/faults") {
      state.faults.delete(inbox!);
      send(res, 200, { cleared: true });
    } else if (method === "GET" && path === "/webhooks/api/deliveries") send(res, 200, { data: await listDeliveries(state, url.searchParams.get("inbox")) });
    else if (method === "DELETE" && path === "/webhooks/api/deliveries") {
      const deleted = state.received.length;
      state.received.length = 0;
      send(res, 200, { deleted });
    } else if (method === "POST" && path === "/webhooks/secret") {
      const form = new URLSearchParams(body);
      const name = form.get("inbox") ?? "";
      const secret = form.get("secret") ?? "";
      if (INBOX.test(name) && secret) state.secrets.set(name, secret);
      res.writeHead(303, { Location: "/webhooks" });
      res.end();
    } else if (method === "GET" && path === "/webhooks") {
      const html = renderWebhookInbox(await listDeliveries(state, null), [...state.secrets.keys()]);
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", ...pageHeaders, "Content-Length": String(Buffer.byteLength(html)) });
      res.end(html);
    } else send(res, 404, { error: `No route for ${method} ${path}` });
  } catch (error) {
    if (error instanceof TypeError || error instanceof SyntaxError) send(res, 400, { error: error.message });
    else throw error;
  }
  return true;
}

/** Lets hung requests go when the server stops, so closing it does not wait two minutes. */
export function releaseHanging(state: WebhookInboxState): void {
  for (const res of state.hanging) res.destroy();
  state.hanging.clear();
}
