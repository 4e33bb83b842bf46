import type { IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { FrontendMessageTracker } from "./frontend-messages";
import {
  RefusedTargetError,
  resolveLocalTarget,
  splitHostPort,
  type LocalTarget,
  type TargetPolicy,
} from "./local-target";

/** Stop reading from Postgres while this much is still queued towards the client. */
const HIGH_WATER_MARK = 1024 * 1024;
/** Neon's wsproxy answers on this path only. */
const TUNNEL_PATH = "/v1";
/** Postgres ended the session. */
const CLOSE_NORMAL = 1000;
/** The connection to Postgres failed or broke. */
const CLOSE_INTERNAL_ERROR = 1011;

export interface WsTunnel {
  /** For the HTTP server's 'upgrade' event. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Drops every open tunnel. */
  close(): void;
}

/**
 * Neon's WebSocket proxy: `/v1?address=host:port` carries one Postgres
 * connection as binary WebSocket messages, one message per TCP read.
 */
export function createWsTunnel(policy: TargetPolicy, log: (line: string) => void): WsTunnel {
  const server = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const open = new Set<{ ws: WebSocket; backend: Socket }>();

  async function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => socket.destroy());
    const url = new URL(request.url ?? "/", "http://proxy");
    if (url.pathname !== TUNNEL_PATH) return refuseUpgrade(socket, 404, "not found");
    const address = url.searchParams.get("address");
    if (!address) return refuseUpgrade(socket, 400, "missing address parameter");

    let target: LocalTarget;
    try {
      const { host, port } = splitHostPort(address);
      target = await resolveLocalTarget(host, port, policy);
    } catch (error) {
      if (!(error instanceof RefusedTargetError)) throw error;
      log(`tunnel refused for ${address}: ${error.message}`);
      return refuseUpgrade(socket, 400, error.message);
    }

    server.handleUpgrade(request, socket, head, (ws) => {
      const tunnel = { ws, backend: pipe(ws, target, log) };
      open.add(tunnel);
      ws.once("close", () => open.delete(tunnel));
    });
  }

  return {
    handleUpgrade(request, socket, head) {
      handleUpgrade(request, socket, head).catch((error: unknown) => {
        log(`tunnel upgrade failed: ${String(error)}`);
        socket.destroy();
      });
    },
    close() {
      for (const { ws, backend } of open) {
        ws.terminate();
        backend.destroy();
      }
      open.clear();
      server.close();
    },
  };
}

function pipe(ws: WebSocket, target: LocalTarget, log: (line: string) => void): Socket {
  const backend = connect({ host: target.host, port: target.port, noDelay: true });
  const frontend = new FrontendMessageTracker();

  ws.on("message", (data) => {
    if (backend.writableEnded) return;
    const chunk = toBuffer(data);
    const terminateEnd = frontend.findTerminate(chunk);
    if (terminateEnd !== -1) {
      backend.end(chunk.subarray(0, terminateEnd));
      return;
    }
    if (!backend.write(chunk)) {
      ws.pause();
      backend.once("drain", () => ws.resume());
    }
  });

  backend.on("data", (chunk) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(chunk, { binary: true }, () => {
      if (backend.isPaused() && ws.bufferedAmount < HIGH_WATER_MARK) backend.resume();
    });
    if (ws.bufferedAmount >= HIGH_WATER_MARK) backend.pause();
  });

  backend.on("error", (error) => log(`tunnel to ${target.host}:${target.port}: ${error.message}`));
  backend.on("close", (hadError) => {
    if (ws.readyState === WebSocket.OPEN) ws.close(hadError ? CLOSE_INTERNAL_ERROR : CLOSE_NORMAL);
  });
  ws.on("close", () => backend.destroy());
  ws.on("error", () => backend.destroy());
  return backend;
}

function refuseUpgrade(socket: Duplex, status: 400 | 404, message: string): void {
  const body = `${message}\n`;
  const reason = status === 400 ? "Bad Request" : "Not Found";
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      "Content-Type: text/plain; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      "Connection: close\r\n\r\n" +
      body,
  );
}

function toBuffer(data: RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}
