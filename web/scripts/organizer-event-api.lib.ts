/**
 * One event's part of the organizer's typed client, as the event page's panels (promo codes, door)
 * use it: the routes under /events/{id}, their path parameter, and the address the CSV downloads
 * hang off (links, not fetches).
 */
import { organizerClient } from "./organizer-session.lib";

export type EventCalls = (typeof organizerClient.events)[":eventId"];

export interface EventApi {
  calls: EventCalls;
  param: { param: { eventId: string } };
  /** `/api/v1/events/{id}`, the id encoded, for download links. */
  base: string;
}

export function eventApi(eventId: string): EventApi {
  return { calls: organizerClient.events[":eventId"], param: { param: { eventId } }, base: `/api/v1/events/${encodeURIComponent(eventId)}` };
}
