/**
 * The subset of Stripe's Search Query Language the emulator understands:
 * equality clauses `field:'value'`, `metadata['key']:'value'` and numbers
 * `amount:1000`, negated with a leading `-`, joined by AND or by OR (not
 * both, as in Stripe). Anything else is rejected rather than misread.
 *
 * Unlike Stripe, results are immediately up to date (Stripe's index lags by
 * up to a minute, so production code must not rely on read-after-write).
 */
import { paramError } from "./errors";
import { readLimit } from "./lists";
import type { Params } from "./params";

export type FieldReader<T> = (item: T) => string | number | null;

interface Clause {
  negated: boolean;
  field: string;
  metadataKey: string | null;
  value: string;
}

const CLAUSE =
  /\s*(?:(AND|OR)\s+)?(-)?(?:metadata\[(['"])((?:(?!\3).)*)\3\]|([a-z_]+)):(?:(['"])((?:(?!\6).)*)\6|(-?\d+))\s*/y;

function invalidQuery(detail: string) {
  return paramError(`Invalid search query: ${detail}`, "query");
}

function parseClauses(query: string): { clauses: Clause[]; connector: "AND" | "OR" } {
  const clauses: Clause[] = [];
  const connectors = new Set<string>();
  CLAUSE.lastIndex = 0;
  while (CLAUSE.lastIndex < query.length) {
    const start = CLAUSE.lastIndex;
    const match = CLAUSE.exec(query);
    if (!match) throw invalidQuery(`could not parse near "${query.slice(start, start + 30)}"`);
    const [, connector, negation, , metadataKey, field, , quoted, numeric] = match;
    if (clauses.length > 0) connectors.add(connector ?? "AND");
    else if (connector) throw invalidQuery(`unexpected ${connector} at the start`);
    clauses.push({
      negated: negation === "-",
      field: metadataKey !== undefined ? "metadata" : (field as string),
      metadataKey: metadataKey ?? null,
      value: quoted ?? (numeric as string),
    });
  }
  if (clauses.length === 0) throw invalidQuery("the query is empty");
  if (connectors.size > 1) throw invalidQuery("AND and OR cannot be combined in one query");
  return { clauses, connector: connectors.has("OR") ? "OR" : "AND" };
}

/** Compiles `query` into a predicate over objects with the given searchable fields. */
export function compileSearch<T extends { metadata: Record<string, string> }>(
  query: string,
  fields: Record<string, FieldReader<T>>,
): (item: T) => boolean {
  const { clauses, connector } = parseClauses(query);
  const tests = clauses.map((clause) => {
    let read: FieldReader<T>;
    if (clause.metadataKey !== null) {
      const key = clause.metadataKey;
      read = (item) => item.metadata[key] ?? null;
    } else {
      const reader = fields[clause.field];
      if (!reader) throw invalidQuery(`the field "${clause.field}" is not searchable in the emulator`);
      read = reader;
    }
    return (item: T) => {
      const actual = read(item);
      const matches = actual !== null && String(actual) === clause.value;
      return clause.negated ? !matches : matches;
    };
  });
  return (item) => (connector === "AND" ? tests.every((test) => test(item)) : tests.some((test) => test(item)));
}

export interface SearchResult<T> {
  object: "search_result";
  data: T[];
  has_more: boolean;
  next_page: string | null;
  url: string;
}

/** Runs a search over `items` (creation order), newest first, with `page` cursors. */
export function search<T extends { metadata: Record<string, string> }>(
  items: Iterable<T>,
  params: Params,
  url: string,
  fields: Record<string, FieldReader<T>>,
): SearchResult<T> {
  params.assertKnown(["query", "limit", "page"]);
  const matches = compileSearch(params.requiredString("query"), fields);
  const limit = readLimit(params);
  const page = params.string("page");
  const offset = page ? decodePage(page) : 0;
  const hits = [...items].reverse().filter(matches);
  const data = hits.slice(offset, offset + limit);
  const hasMore = offset + limit < hits.length;
  return { object: "search_result", data, has_more: hasMore, next_page: hasMore ? encodePage(offset + limit) : null, url };
}

function encodePage(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64url");
}

function decodePage(page: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(page, "base64url").toString());
  if (!match) throw paramError("Invalid page: not a value returned as next_page", "page");
  return Number(match[1]);
}
