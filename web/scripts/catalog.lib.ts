/**
 * The catalog's shapes as the pages read them: what GET /events and GET /events/{id} answer,
 * through hono's typed client (api-client.lib.ts), not copies of them.
 */
import { answer, apiClient, type Answer, type SaleEvent } from "./api-client.lib";

export type EventPage = Answer<typeof apiClient.events.$get>;
export type CatalogEvent = EventPage["events"][number];
export type Tier = SaleEvent["tiers"][number];
export type CategoryList = Answer<typeof apiClient.categories.$get>;

/** One page of published events; `query` holds the list's filters and cursor. */
export function listEvents(query: URLSearchParams): Promise<EventPage> {
  return answer(apiClient.events.$get({ query: Object.fromEntries(query) }));
}

/** The categories events on sale have (GET /categories). */
export function listCategories(): Promise<CategoryList> {
  return answer(apiClient.categories.$get());
}
