/**
 * The waiting room's "tell me by mail when it's my turn", outside the object: the request (route →
 * here → the event's WaitingRoom, which keeps it with the place) and the hand-over of due mails
 * to the transactional outbox (the WaitingRoom calls `queueTurnMails` when its watermark admitted
 * a place that asked). One mail per place: its dedupe key is the place's join id, so the outbox
 * keeps one row and the Queue consumer sends one mail however often a hand-over is repeated.
 */
import { connectHttp, type HttpDatabase } from "../../db/client";
import { findPublishedEvent } from "../../db/queries/catalog";
import { enqueueOutbox } from "../../db/queries/outbox";
import type { QueuePlace } from "../auth/queue-tokens";
import { clientKeyOf } from "../client-address";
import { databaseSettings } from "../config";
import { normalizedAddress } from "../domain/queue-turn-mail";
import { ApiError } from "../errors";
import { queueTurnMail } from "../mail/queue-turn";
import { publishOutbox } from "../outbox-publisher";
import { roomOf } from "../waiting-room-client";
import type { RoomConfig } from "../../durable-objects/waiting-room-types";
import { enforceLimit, type WindowLimit } from "./address-limits";

/** Requests per client address: a household behind one address asks a few times, not hundreds. */
export const TURN_MAIL_ASKS_PER_ADDRESS: WindowLimit = { bucket: "queue-turn-mail", limit: 20, windowSeconds: 3_600 };

export async function askForTurnMail(
  env: Env,
  db: HttpDatabase,
  input: { config: RoomConfig; place: QueuePlace; queueToken: string; email: string; clientAddress: string | undefined },
): Promise<{ email: string; changed: boolean }> {
  await enforceLimit(db, TURN_MAIL_ASKS_PER_ADDRESS, await clientKeyOf(env.SIGNING_MASTER_KEY, input.clientAddress), "mail requests");
  const email = normalizedAddress(input.email);
  const asked = await roomOf(env, input.config.eventId).askTurnMail(input.config, { joinId: input.place.joinId, ticket: input.place.ticket }, email, input.queueToken);
  if (asked.ok) return { email, changed: asked.changed };
  switch (asked.code) {
    case "already_admitted":
      throw new ApiError("QUEUE_ALREADY_ADMITTED", "Your turn has already come: no mail needed, go to the tickets now.");
    case "too_many_changes":
      throw new ApiError("RATE_LIMITED", "This place's address was changed too often; the last one stays.", { retry_after_seconds: 3_600 });
    case "not_configured":
      throw new ApiError("QUEUE_NOT_ACTIVE", "This event has no waiting room: buy tickets on the event page.");
  }
}

export interface DueTurnMail {
  joinId: string;
  email: string;
  queueToken: string;
  accessEndsAt: number;
}

/** Writes the due mails to the outbox (one row per place) and publishes it; throws if the outbox did not take them. */
export async function queueTurnMails(env: Env, eventId: string, due: readonly DueTurnMail[]): Promise<void> {
  const db = connectHttp(databaseSettings(env));
  const event = await findPublishedEvent(db, eventId);
  // An event no longer published (cancelled) sends no "your turn": there is nothing to buy.
  if (!event || event.status !== "published") return;
  await Promise.all(
    due.map((d) => {
      const mail = queueTurnMail({
        eventId, joinId: d.joinId, queueToken: d.queueToken, baseUrl: env.PUBLIC_BASE_URL, to: d.email,
        eventTitle: event.title, accessEndsAt: new Date(d.accessEndsAt), timezone: event.timezone,
      });
      return enqueueOutbox(db, "mail", mail.dedupe_key, mail);
    }),
  );
  // The rows are in the outbox now; if publishing fails the cron's sweep publishes them.
  await publishOutbox(env).catch((error: unknown) => console.warn(JSON.stringify({ level: "warn", where: "outbox", error: String(error) })));
}
