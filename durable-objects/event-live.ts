/**
 * EventLive — one per event: the organizer's live figures, pushed over hibernatable WebSockets
 * (`acceptWebSocket`: an idle dashboard costs nothing while the object sleeps).
 *
 * Whatever moves the figures (TierInventory's holds, sales, expiries, returns and admissions at the
 * door; the Worker after a payment or refund commits; the waiting room admitting people) calls
 * `changed()`, which only schedules a push (workers/domain/live-push.ts coalesces them). The push
 * reads the figures afresh (workers/use-cases/event-stats.ts: the objects and the ledger) and sends
 * the same whole snapshot to every socket, numbered, so nothing is lost between messages and a
 * reconnecting dashboard starts from a snapshot, never from a gap.
 */
import { DurableObject } from "cloudflare:workers";
import { connectHttp } from "../db/client";
import { findPublishedEvent } from "../db/queries/catalog";
import { databaseSettings } from "../workers/config";
import { HEARTBEAT_MS, nextPushAt } from "../workers/domain/live-push";
import { eventStats } from "../workers/use-cases/event-stats";
import { migrateStorage } from "./schema-migrations";

const SCHEMA: readonly string[] = [
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
];

/** The Worker names the event when it forwards an (already authorized) upgrade. */
export const LIVE_EVENT_HEADER = "X-Admit-One-Event";

export class EventLive extends DurableObject<Env> {
  private schemaVersion = 0;
  private alarmAt: number | null = null;
  private lastPushAt: number | null = null;
  /** The event id this instance has stored (it never changes for an object). */
  private rememberedEventId: string | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.schemaVersion = migrateStorage(ctx.storage.sql, SCHEMA);
      this.alarmAt = await ctx.storage.getAlarm();
    });
    // Keep-alive pings are answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("Expected a WebSocket upgrade.", { status: 426 });
    const eventId = request.headers.get(LIVE_EVENT_HEADER);
    if (!eventId) return new Response("No event named.", { status: 400 });
    this.rememberEvent(eventId);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    // The first message is a snapshot, sent before anything else can be.
    server.send(await this.message());
    await this.schedule(Date.now() + HEARTBEAT_MS);
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Something moved the figures: push within a second, coalesced with whatever else moves them. */
  async changed(eventId: string): Promise<void> {
    this.rememberEvent(eventId);
    // Nobody watching: no push to schedule. A dashboard that connects gets a fresh snapshot first
    // (fetch), so nothing it should see is skipped; the alarm would only find no socket and stop.
    // During a sale with no dashboard open this was an alarm write per ping (4 a second per isolate).
    if (this.ctx.getWebSockets().length === 0) return;
    const now = Date.now();
    await this.schedule(nextPushAt(now, this.lastPushAt, this.alarmAt));
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return; // nobody is watching: sleep until the next dashboard connects
    const message = await this.message();
    for (const socket of sockets) {
      try {
        socket.send(message);
      } catch {
        // A socket closing as we send is the close handler's business.
      }
    }
    this.lastPushAt = Date.now();
    await this.schedule(this.lastPushAt + HEARTBEAT_MS);
  }

  override async webSocketMessage(socket: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (message === "refresh") socket.send(await this.message());
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    try {
      socket.close(code, reason);
    } catch {
      // Already closed (the runtime may have answered the close for us).
    }
  }

  async describe(): Promise<{ kind: "EventLive"; schema_version: number; sockets: number }> {
    return { kind: "EventLive", schema_version: this.schemaVersion, sockets: this.ctx.getWebSockets().length };
  }

  private async message(): Promise<string> {
    const eventId = this.eventId();
    const seq = this.nextSeq();
    const db = connectHttp(databaseSettings(this.env));
    const event = eventId ? await findPublishedEvent(db, eventId) : undefined;
    if (!event) return JSON.stringify({ type: "error", seq, at: new Date().toISOString(), message: "This event is not published." });
    return JSON.stringify({ type: "stats", seq, at: new Date().toISOString(), ...(await eventStats(this.env, db, event)) });
  }

  private async schedule(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  private eventId(): string | undefined {
    return this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'event_id'").toArray()[0]?.value;
  }

  private rememberEvent(eventId: string): void {
    // Once per instance: every ping names the event, and a write per ping is a commit (an fsync
    // locally) on the thread that also runs the event's other objects.
    if (this.rememberedEventId === eventId) return;
    this.ctx.storage.sql.exec("INSERT INTO meta (key, value) VALUES ('event_id', ?) ON CONFLICT (key) DO NOTHING", eventId);
    this.rememberedEventId = eventId;
  }

  private nextSeq(): number {
    const row = this.ctx.storage.sql.exec<{ value: string }>(
      "INSERT INTO meta (key, value) VALUES ('seq', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING value",
    ).one();
    return Number(row.value);
  }
}
