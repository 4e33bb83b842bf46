import type { IncomingHttpHeaders } from "node:http";

/** One statement as the driver sends it: text plus text-or-null parameters. */
export interface SqlQuery {
  readonly query: string;
  readonly params: readonly (string | null)[];
}

/** A validated `POST /sql` request. */
export type SqlRequest = {
  readonly connectionString: URL;
  readonly arrayMode: boolean;
} & (
  | { readonly kind: "single"; readonly query: SqlQuery }
  | { readonly kind: "batch"; readonly queries: readonly SqlQuery[]; readonly begin: string }
);

/** The request is malformed; answered with 400 and `{ message }`. */
export class BadSqlRequestError extends Error {
  override name = "BadSqlRequestError";
}

// Header values map onto fixed SQL; a client value is never pasted into SQL.
const ISOLATION_LEVELS: Readonly<Record<string, string>> = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
};

/**
 * Validates headers and body the way Neon's endpoint does. The body is JSON
 * whatever the Content-Type says: the driver sends it as text/plain.
 */
export function parseSqlRequest(headers: IncomingHttpHeaders, body: string): SqlRequest {
  const connectionString = parseConnectionString(header(headers, "Neon-Connection-String"));
  const arrayMode = booleanHeader(headers, "Neon-Array-Mode") ?? false;
  const begin = beginStatement(headers);
  const payload = parseJson(body);

  if (Array.isArray(payload.queries)) {
    return { kind: "batch", connectionString, arrayMode, begin, queries: payload.queries.map(parseQuery) };
  }
  return { kind: "single", connectionString, arrayMode, query: parseQuery(payload) };
}

function parseConnectionString(value: string | undefined): URL {
  if (!value) throw new BadSqlRequestError("missing Neon-Connection-String header");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new BadSqlRequestError("Neon-Connection-String is not a valid URL");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new BadSqlRequestError("Neon-Connection-String must be a postgres:// or postgresql:// URL");
  }
  if (!url.hostname) throw new BadSqlRequestError("Neon-Connection-String has no host");
  return url;
}

function beginStatement(headers: IncomingHttpHeaders): string {
  const isolation = header(headers, "Neon-Batch-Isolation-Level");
  const readOnly = booleanHeader(headers, "Neon-Batch-Read-Only");
  const deferrable = booleanHeader(headers, "Neon-Batch-Deferrable");
  const parts = ["BEGIN"];
  if (isolation !== undefined) {
    const level = Object.hasOwn(ISOLATION_LEVELS, isolation) ? ISOLATION_LEVELS[isolation] : undefined;
    if (!level) {
      throw new BadSqlRequestError(
        `invalid Neon-Batch-Isolation-Level; expected one of ${Object.keys(ISOLATION_LEVELS).join(", ")}`,
      );
    }
    parts.push(`ISOLATION LEVEL ${level}`);
  }
  if (readOnly !== undefined) parts.push(readOnly ? "READ ONLY" : "READ WRITE");
  if (deferrable !== undefined) parts.push(deferrable ? "DEFERRABLE" : "NOT DEFERRABLE");
  return parts.join(" ");
}

function parseJson(body: string): Record<string, unknown> {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    throw new BadSqlRequestError("request body is not valid JSON");
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    throw new BadSqlRequestError("request body must be a JSON object");
  }
  return payload as Record<string, unknown>;
}

function parseQuery(value: unknown): SqlQuery {
  const { query, params = [] } = (value ?? {}) as { query?: unknown; params?: unknown };
  if (typeof query !== "string") throw new BadSqlRequestError("each query needs a string `query`");
  if (!Array.isArray(params)) throw new BadSqlRequestError("`params` must be an array");
  // The driver already sends text or null; other JSON values are passed on as
  // their JSON text, which is what Neon does with them too.
  return { query, params: params.map(toTextParameter) };
}

function toTextParameter(param: unknown): string | null {
  return param === null || typeof param === "string" ? param : JSON.stringify(param);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function booleanHeader(headers: IncomingHttpHeaders, name: string): boolean | undefined {
  const value = header(headers, name);
  if (value === undefined) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new BadSqlRequestError(`${name} must be "true" or "false"`);
}
