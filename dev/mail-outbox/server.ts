/**
 * HTTP side of the outbox: Resend's `POST /emails` and `GET /emails/:id`, the
 * inbox pages, a JSON API for tests, and the fault switch.
 *
 *   POST   /emails              send (Resend-compatible; Bearer key required)
 *   GET    /emails/:id          the mail as a page (browsers) or as Resend JSON
 *   GET    /                    inbox page, newest first
 *   GET    /api/emails?to=addr  {data: Mail[]}, newest first, optionally by recipient
 *   DELETE /api/emails          forget every mail (and idempotency key)
 *   POST   /_outbox/faults      {"mode": "error_500" | "error_429", "times": N}
 *   GET    /_outbox/faults      scheduled faults
 *   DELETE /_outbox/faults      cancel them
 *   /webhooks…                  the webhook inbox (webhook-inbox.ts)
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { MailFaults } from "./faults";
import { type IdempotencyKeys, MAX_KEY_LENGTH } from "./idempotency";
import { addressOf, type Mail } from "./mail";
import { PAGE_SECURITY_HEADERS, renderInbox, renderMail, renderNotFound } from "./page";
import { ValidationError, validateMail } from "./validation";
import { releaseHanging, routeWebhookInbox, type WebhookInboxState } from "./webhook-inbox";
import { keepConnectionsOpenLikeTheCloud } from "../keep-alive";

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface OutboxState {
  /** In sending order. */
  mails: Mail[];
  idempotency: IdempotencyKeys;
  faults: MailFaults;
  webhooks: WebhookInboxState;
}

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** The body holds bytes one per character (an attachment), not UTF-8 text. */
  latin1?: boolean;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body: JSON.stringify(body), headers: { "Content-Type": "application/json", ...headers } };
}

/** Resend's error envelope. */
function apiError(status: number, name: string, message: string, headers: Record<string, string> = {}): Reply {
  return json(status, { statusCode: status, name, message }, headers);
}

function page(status: number, html: string): Reply {
  return { status, body: html, headers: { "Content-Type": "text/html; charset=utf-8", ...PAGE_SECURITY_HEADERS } };
}

function bearerKey(req: IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return match?.[1] ?? null;
}

const MISSING_KEY = () =>
  apiError(
    401,
    "missing_api_key",
    "Missing API key in the authorization header. Include the following header 'Authorization: Bearer YOUR_API_KEY' in the request.",
  );

function failWith(mode: "error_500" | "error_429"): Reply {
  if (mode === "error_429") {
    return apiError(
      429,
      "rate_limit_exceeded",
      "Too many requests. You can only make 2 requests per second. See rate limit response headers for more information.",
      { "Retry-After": "1", "RateLimit-Limit": "2", "RateLimit-Remaining": "0", "RateLimit-Reset": "1" },
    );
  }
  return apiError(500, "internal_server_error", "An unexpected error occurred, please try again later.");
}

function sendMail(req: IncomingMessage, rawBody: string, state: OutboxState): Reply {
  const apiKey = bearerKey(req);
  if (!apiKey) return MISSING_KEY();
  // Faults strike before anything is stored or remembered, as a failed
  // upstream would: the retry that follows is a fresh attempt.
  const fault = state.faults.take();
  if (fault) return failWith(fault);

  const idempotencyKey = req.headers["idempotency-key"];
  if (typeof idempotencyKey === "string" && (idempotencyKey === "" || idempotencyKey.length > MAX_KEY_LENGTH)) {
    return apiError(400, "invalid_idempotency_key", `The key must be between 1-${MAX_KEY_LENGTH} chars.`);
  }
  let input;
  try {
    input = validateMail(JSON.parse(rawBody) as unknown);
  } catch (error) {
    if (error instanceof SyntaxError) return apiError(422, "validation_error", "The request body is not valid JSON.");
    if (error instanceof ValidationError) return apiError(422, "validation_error", error.message);
    throw error;
  }

  const payload = JSON.stringify(input);
  if (typeof idempotencyKey === "string") {
    const previous = state.idempotency.lookup(apiKey, idempotencyKey, payload);
    if (previous.kind === "replay") return json(200, { id: previous.mailId });
    if (previous.kind === "conflict") {
      return apiError(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload.");
    }
  }
  const mail: Mail = { id: randomUUID(), ...input, created_at: new Date().toISOString() };
  state.mails.push(mail);
  if (typeof idempotencyKey === "string") state.idempotency.remember(apiKey, idempotencyKey, payload, mail.id);
  return json(200, { id: mail.id });
}

function showMail(req: IncomingMessage, id: string, state: OutboxState): Reply {
  const mail = state.mails.find((candidate) => candidate.id === id);
  // Browsers get the page; API clients get Resend's "retrieve email" JSON.
  if ((req.headers.accept ?? "").includes("text/html")) {
    return mail ? page(200, renderMail(mail)) : page(404, renderNotFound(id));
  }
  if (!bearerKey(req)) return MISSING_KEY();
  if (!mail) return apiError(404, "not_found", "Email not found");
  return json(200, { object: "email", ...mail, last_event: "delivered" });
}

/** One attachment as a download, so the inbox page can offer the `.ics` and the images. */
function showAttachment(id: string, index: number, state: OutboxState): Reply {
  const file = state.mails.find((candidate) => candidate.id === id)?.attachments[index];
  if (!file) return apiError(404, "not_found", "Attachment not found");
  return {
    status: 200,
    body: Buffer.from(file.content, "base64").toString("latin1"),
    headers: {
      "Content-Type": file.content_type,
      "Content-Disposition": `attachment; filename="${file.filename.replace(/["\\\r\n]/g, "_")}"`,
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": "default-src 'none'; sandbox",
    },
    latin1: true,
  };
}

function newestFirst(mails: readonly Mail[]): Mail[] {
  return [...mails].reverse();
}

function listMails(url: URL, state: OutboxState): Reply {
  const to = url.searchParams.get("to");
  const wanted = to === null ? null : addressOf(to);
  const mails = newestFirst(state.mails).filter(
    (mail) => wanted === null || [...mail.to, ...mail.cc, ...mail.bcc].some((recipient) => addressOf(recipient) === wanted),
  );
  return json(200, { data: mails });
}

function controlFaults(method: string, body: string, state: OutboxState): Reply {
  if (method === "GET") return json(200, { data: state.faults.list() });
  if (method === "DELETE") {
    state.faults.clear();
    return json(200, { cleared: true });
  }
  try {
    return json(201, state.faults.add(body.trim() === "" ? {} : (JSON.parse(body) as unknown)));
  } catch (error) {
    if (error instanceof TypeError || error instanceof SyntaxError) return apiError(400, "validation_error", error.message);
    throw error;
  }
}

function route(req: IncomingMessage, body: string, state: OutboxState): Reply {
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "http://outbox.invalid");
  const path = url.pathname;
  const mailPath = /^\/emails\/([^/]+)$/.exec(path);
  const attachmentPath = /^\/emails\/([^/]+)\/attachments\/(\d+)$/.exec(path);

  if (method === "POST" && path === "/emails") return sendMail(req, body, state);
  // A browser opening the inbox asks for one; an empty icon keeps its console free of a 404.
  if (method === "GET" && path === "/favicon.ico") return { status: 204, body: "", headers: { "Cache-Control": "max-age=86400" } };
  if (method === "GET" && mailPath) return showMail(req, decodeURIComponent(mailPath[1] as string), state);
  if (method === "GET" && attachmentPath) return showAttachment(decodeURIComponent(attachmentPath[1] as string), Number(attachmentPath[2]), state);
  if (method === "GET" && path === "/") return page(200, renderInbox(newestFirst(state.mails)));
  if (method === "GET" && path === "/api/emails") return listMails(url, state);
  if (method === "DELETE" && path === "/api/emails") {
    const deleted = state.mails.length;
    state.mails.length = 0;
    state.idempotency.clear();
    return json(200, { deleted });
  }
  if (path === "/_outbox/faults" && ["GET", "POST", "DELETE"].includes(method)) return controlFaults(method, body, state);
  return apiError(404, "not_found", `No route for ${method} ${path}`);
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function write(res: ServerResponse, reply: Reply): void {
  const body = Buffer.from(reply.body, reply.latin1 ? "latin1" : "utf8");
  res.writeHead(reply.status, { ...reply.headers, "Content-Length": String(body.length) });
  res.end(body);
}

export interface RunningOutbox {
  port: number;
  close(): Promise<void>;
}

export async function listen(state: OutboxState, host: string, port: number): Promise<RunningOutbox> {
  const server = createServer((req, res) => {
    readBody(req)
      .then(async (body) => {
        if (body !== null && (await routeWebhookInbox(req, res, body, state.webhooks, PAGE_SECURITY_HEADERS))) return;
        write(res, body === null ? apiError(413, "validation_error", "The request body is too large.") : route(req, body, state));
      })
      .catch((error: unknown) => {
        if (!res.headersSent) write(res, apiError(500, "internal_server_error", String(error)));
      });
  });
  keepConnectionsOpenLikeTheCloud(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        releaseHanging(state.webhooks);
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
