import { paramError, resourceMissing } from "./errors";
import type { Params } from "./params";
import type { ListObject } from "./shapes";

export const LIST_PARAMS = ["limit", "starting_after", "ending_before"] as const;

export function readLimit(params: Params): number {
  const limit = params.integer("limit") ?? 10;
  if (limit < 1 || limit > 100) {
    throw paramError("Invalid limit: must be between 1 and 100", "limit", "parameter_invalid_integer");
  }
  return limit;
}

/**
 * One page of a Stripe list, newest first. `items` is in creation order (the
 * order the account's maps hold). Cursors are object ids, as in Stripe.
 */
export function paginate<T extends { id: string }>(items: Iterable<T>, params: Params, url: string): ListObject<T> {
  const limit = readLimit(params);
  const newestFirst = [...items].reverse();
  const startingAfter = params.string("starting_after");
  const endingBefore = params.string("ending_before");
  const indexOf = (id: string, param: string) => {
    const index = newestFirst.findIndex((item) => item.id === id);
    if (index === -1) throw resourceMissing("object", id, param);
    return index;
  };

  if (endingBefore) {
    // Walks backwards (towards newer objects) from the cursor.
    const end = indexOf(endingBefore, "ending_before");
    const start = Math.max(0, end - limit);
    return { object: "list", data: newestFirst.slice(start, end), has_more: start > 0, url };
  }
  const start = startingAfter ? indexOf(startingAfter, "starting_after") + 1 : 0;
  const data = newestFirst.slice(start, start + limit);
  return { object: "list", data, has_more: start + limit < newestFirst.length, url };
}
