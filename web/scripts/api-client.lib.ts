/**
 * hono's typed client over the Worker's API (`hc<ApiType>`): paths, parameters and bodies are
 * checked against the routes, and what a page reads is the type the route's handler answers, so
 * changing a route breaks `tsc -p web` instead of a page. Only types cross over from the Worker
 * (`import type`); the bundle carries hono's small client and nothing of the Worker.
 *
 * Requests go through api.lib's `apiFetch` (headers, CSRF token, network failures) and `answer`
 * turns a refusal into the same ApiProblem every page already explains.
 *
 * hono's client puts `param` values into the path as given: a value a page took from its address
 * (an event id, an order id, a token) is passed through encodeURIComponent, so `?id=../x` names no
 * other endpoint. Ids and tokens the API issued (UUIDs, base64url) encode to themselves.
 */
import { hc, type ClientResponse } from "hono/client";
import type { SuccessStatusCode } from "hono/utils/http-status";
import type { ApiType } from "../../workers/app";
import { apiFetch, readAnswer } from "./api.lib";

export const apiClient = hc<ApiType>("/api/v1", { fetch: apiFetch });

/** The body of a response type's successful answers (the routes throw for every other status). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Success<R> = R extends ClientResponse<infer T, infer S, any> ? ([Extract<S, SuccessStatusCode>] extends [never] ? never : T) : never;

/** What an endpoint of `apiClient` answers on success, e.g. `Answer<typeof apiClient.events[":eventId"]["$get"]>`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Answer<F extends (...args: any[]) => Promise<unknown>> = Success<Awaited<ReturnType<F>>>;

/** Awaits a typed request: its success body, or an ApiProblem. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function answer<R extends ClientResponse<unknown, number, any>>(request: Promise<R>): Promise<Success<R>> {
  return readAnswer<Success<R>>((await request) as unknown as Response);
}

/** The Authorization header an order token opens its order with. */
export function orderAuth(token: string): { headers: { Authorization: string } } {
  return { headers: { Authorization: `Bearer ${token}` } };
}

export type SaleEvent = Answer<(typeof apiClient.events)[":eventId"]["$get"]>;
export type SeatsAnswer = Answer<(typeof apiClient.events)[":eventId"]["tiers"][":tierId"]["seats"]["$get"]>;
export type PendingOrder = Answer<(typeof apiClient.events)[":eventId"]["register"]["$post"]>;
export type OrderView = Answer<(typeof apiClient.orders)[":orderId"]["$get"]>;
export type ConfirmedOrder = Answer<(typeof apiClient.orders)[":orderId"]["pay"]["$post"]>;
export type TicketLinksAnswer = Answer<(typeof apiClient)["ticket-links"]["$post"]>;

/** One event with its tiers and live availability (with a promo code, also the hidden tier it unlocks). */
export function readEvent(eventId: string, promoCode?: string): Promise<SaleEvent> {
  const query = promoCode ? { promo_code: promoCode } : {};
  return answer(apiClient.events[":eventId"].$get({ param: { eventId: encodeURIComponent(eventId) }, query }));
}

/** An order, opened with its order token. */
export function readOrder(orderId: string, token: string): Promise<OrderView> {
  return answer(apiClient.orders[":orderId"].$get({ param: { orderId: encodeURIComponent(orderId) } }, orderAuth(token)));
}
