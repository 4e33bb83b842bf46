import type { IncomingMessage, ServerResponse } from "node:http";
import pg from "pg";
import { localConnectionString, type LocalDatabases } from "./local-databases";
import { RefusedTargetError, resolveLocalTarget, type TargetPolicy } from "./local-target";
import { runBatch, runSingle } from "./sql-execution";
import { BadSqlRequestError, parseSqlRequest, type SqlRequest } from "./sql-request";
import { neonError, neonResult } from "./sql-response";

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Lets browser code (e.g. a local web build) call the endpoint, as Neon does. */
const CORS_HEADERS = {
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Methods": "POST, OPTIONS",
  "Access-Control-Allow-Headers": [
    "Authorization",
    "Content-Type",
    "Neon-Connection-String",
    "Neon-Raw-Text-Output",
    "Neon-Array-Mode",
    "Neon-Batch-Isolation-Level",
    "Neon-Batch-Read-Only",
    "Neon-Batch-Deferrable",
  ].join(", "),
  "Access-Control-Max-Age": "86400",
};

/** Thrown for requests answered with a plain `{ message }` before any SQL runs. */
class RequestProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Neon's HTTP query endpoint (`POST /sql`), as `neon()` from
 * @neondatabase/serverless speaks it. The Authorization header is accepted and
 * ignored: the local server trusts everybody on loopback anyway.
 */
export function createSqlHandler(
  policy: TargetPolicy,
  databases: LocalDatabases,
  log: (line: string) => void,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    if (request.method === "OPTIONS") {
      response.writeHead(204, CORS_HEADERS).end();
      return;
    }
    if (request.method !== "POST") return sendJson(response, 405, { message: "only POST is supported" });

    const signal = abortedWhenClientLeaves(response);
    let sql: SqlRequest;
    let connectionString: string;
    try {
      sql = parseSqlRequest(request.headers, await readBody(request));
      const { hostname, port } = sql.connectionString;
      const host = hostname.replace(/^\[(.*)\]$/, "$1");
      const target = await resolveLocalTarget(host, port ? Number(port) : undefined, policy);
      connectionString = localConnectionString(sql.connectionString, target);
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof RequestProblem) return sendJson(response, error.status, { message: error.message });
      if (error instanceof BadSqlRequestError || error instanceof RefusedTargetError) {
        return sendJson(response, 400, { message: error.message });
      }
      throw error;
    }

    const database = databases.get(connectionString);
    try {
      if (sql.kind === "single") {
        sendJson(response, 200, neonResult(await runSingle(database, sql.query, signal), sql.arrayMode));
      } else {
        const outcomes = await runBatch(database, sql.queries, sql.begin, signal);
        sendJson(response, 200, { results: outcomes.map((outcome) => neonResult(outcome, sql.arrayMode)) });
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof pg.DatabaseError) return sendJson(response, 400, neonError(error));
      const message = error instanceof Error ? error.message : String(error);
      log(`/sql could not reach ${new URL(connectionString).host}: ${message}`);
      // Not 400: the driver would present it as a Postgres error. Any other
      // status becomes "Server error (HTTP status N)", which is what this is.
      sendJson(response, 502, { message: `could not reach the local database: ${message}` });
    }
  };
}

/** Aborts when the client disconnects before we answered (fetch aborted, process gone). */
function abortedWhenClientLeaves(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once("close", () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RequestProblem(413, `request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return;
  const json = JSON.stringify(body);
  response.writeHead(status, {
    ...CORS_HEADERS,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(json),
  });
  response.end(json);
}
