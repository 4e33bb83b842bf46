/** HTTP plumbing: reads requests, hands them to the control or API layer, writes answers. */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CONTROL_PREFIX, type ControlDeps, handleControl } from "./control";
import type { ApiDispatcher, Outcome } from "./dispatch";
import { internalError } from "./errors";
import { newId } from "./ids";
import { keepConnectionsOpenLikeTheCloud } from "../keep-alive";

const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerDeps {
  dispatcher: ApiDispatcher;
  control: ControlDeps;
  log?: (line: string) => void;
}

export interface RunningServer {
  port: number;
  /** Stops listening and destroys every open connection, hung ones included. */
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(body)),
    ...headers,
  });
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: ServerDeps): Promise<void> {
  const started = Date.now();
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "http://emulator.invalid");
  const body = await readBody(req);

  if (url.pathname.startsWith(CONTROL_PREFIX)) {
    const answer = await handleControl(method, url.pathname, body, deps.control);
    send(res, answer.status, JSON.stringify(answer.body, null, 2));
    return;
  }

  const requestId = newId("req", 14);
  const outcome: Outcome = await deps.dispatcher.dispatch({
    method,
    path: url.pathname,
    query: url.search.slice(1),
    headers: req.headers,
    body,
    requestId,
  });
  if (outcome.kind === "hang") {
    // Deliberately never answered: the socket stays open until the client
    // gives up or the emulator stops.
    deps.log?.(`${method} ${url.pathname} -> (no response, injected hang) ${requestId}`);
    return;
  }
  send(res, outcome.status, outcome.body, outcome.headers);
  const replayed = outcome.headers["Idempotent-Replayed"] ? " (idempotent replay)" : "";
  deps.log?.(`${method} ${url.pathname} -> ${outcome.status}${replayed} ${requestId} ${Date.now() - started}ms`);
}

export async function listen(deps: ServerDeps, host: string, port: number): Promise<RunningServer> {
  const server = createServer((req, res) => {
    handle(req, res, deps).catch((error: unknown) => {
      if (res.headersSent) return;
      if (error instanceof BodyTooLarge) {
        send(res, 413, JSON.stringify({ error: { type: "invalid_request_error", message: "Request body too large." } }));
        return;
      }
      deps.log?.(`emulator failure: ${(error as Error).stack ?? String(error)}`);
      send(res, 500, JSON.stringify(internalError().toBody()));
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
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
