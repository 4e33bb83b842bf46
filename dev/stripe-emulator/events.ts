import type { Account } from "./account";
import type { Route } from "./context";
import { resourceMissing } from "./errors";
import { newId, nowSeconds } from "./ids";
import { LIST_PARAMS, paginate } from "./lists";
import type { EventType, StripeEvent } from "./shapes";

export interface EventOrigin {
  requestId: string | null;
  idempotencyKey: string | null;
  apiVersion: string;
}

/**
 * Records an event carrying a snapshot of `object` as it is now: later changes
 * to the object must not rewrite history, as with Stripe's events.
 */
export function recordEvent(account: Account, type: EventType, object: object, origin: EventOrigin): StripeEvent {
  const event: StripeEvent = {
    api_version: origin.apiVersion,
    created: nowSeconds(),
    data: { object: structuredClone(object) },
    id: newId("evt"),
    livemode: false,
    object: "event",
    pending_webhooks: 0,
    request: { id: origin.requestId, idempotency_key: origin.idempotencyKey },
    type,
  };
  account.events.set(event.id, event);
  return event;
}

/** Stripe's `type` filter: exact, or with `*` wildcards such as `payment_intent.*`. */
function typeMatcher(pattern: string): (type: string) => boolean {
  if (!pattern.includes("*")) return (type) => type === pattern;
  const source = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  const regex = new RegExp(`^${source}$`);
  return (type) => regex.test(type);
}

export const eventRoutes: Route[] = [
  {
    method: "GET",
    pattern: "/v1/events",
    handler: ({ account, params }) => {
      params.assertKnown([...LIST_PARAMS, "type", "types"]);
      const patterns = [params.string("type"), ...(params.stringList("types") ?? [])].filter(
        (pattern): pattern is string => Boolean(pattern),
      );
      const matchers = patterns.map(typeMatcher);
      const events = [...account.events.values()].filter(
        (event) => matchers.length === 0 || matchers.some((matches) => matches(event.type)),
      );
      return { body: paginate(events, params, "/v1/events") };
    },
  },
  {
    method: "GET",
    pattern: "/v1/events/:id",
    handler: ({ account, params, pathParams: [id = ""] }) => {
      params.assertKnown([]);
      const event = account.events.get(id);
      if (!event) throw resourceMissing("event", id);
      return { body: event };
    },
  },
];
