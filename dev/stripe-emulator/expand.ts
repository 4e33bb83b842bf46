import type { Account } from "./account";
import { paramError } from "./errors";

// Stripe refuses expansions nested deeper than four levels.
const MAX_DEPTH = 4;

type Lookup = (account: Account, id: string) => object | undefined;

// The id prefix tells which collection an expandable id points into.
const LOOKUPS: Record<string, Lookup> = {
  pi: (account, id) => account.paymentIntents.get(id),
  ch: (account, id) => account.charges.get(id),
  re: (account, id) => account.refunds.get(id),
  pm: (account, id) => account.paymentMethods.get(id)?.object,
  txn: (account, id) => account.balanceTransactions.get(id),
};

function resolve(account: Account, id: string): object | undefined {
  const prefix = id.slice(0, id.indexOf("_"));
  return LOOKUPS[prefix]?.(account, id);
}

function cannotExpand(path: string) {
  return paramError(`This property cannot be expanded (${path}).`, "expand");
}

function expandPath(account: Account, value: unknown, segments: string[], path: string): unknown {
  const [head, ...rest] = segments;
  if (head === undefined) return value;
  if (Array.isArray(value)) return value.map((item) => expandPath(account, item, segments, path));
  if (typeof value !== "object" || value === null || !Object.hasOwn(value, head)) throw cannotExpand(path);
  const record = value as Record<string, unknown>;
  let field = record[head];
  if (field === null) return value;
  if (typeof field === "string") {
    field = resolve(account, field);
    if (field === undefined) throw cannotExpand(path);
  }
  // Copies along the path: stored objects are never modified by expansion.
  return { ...record, [head]: expandPath(account, field, rest, path) };
}

/**
 * Applies `expand[]` paths (`latest_charge`, `data.latest_charge`,
 * `latest_charge.balance_transaction`) to a response body, replacing ids with
 * the objects they name.
 */
export function expandResponse(account: Account, body: object, paths: readonly string[]): object {
  let result: unknown = body;
  for (const path of paths) {
    const segments = path.split(".");
    if (segments.length > MAX_DEPTH) {
      throw paramError(`You cannot expand more than ${MAX_DEPTH} levels of a property (${path}).`, "expand");
    }
    result = expandPath(account, result, segments, path);
  }
  return result as object;
}
