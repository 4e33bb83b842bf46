/**
 * EventLive — one per event: live counters pushed to organizers over hibernatable WebSockets (the dashboard work fills it in).
 * For now it carries its storage schema version and answers `describe()`, so bindings,
 * migrations and RPC are proven end to end before the behaviour lands.
 */
import { DurableObject } from "cloudflare:workers";
import { migrateStorage } from "./schema-migrations";

const SCHEMA: readonly string[] = [
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
];

export class EventLive extends DurableObject<Env> {
  private schemaVersion = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.schemaVersion = migrateStorage(ctx.storage.sql, SCHEMA);
    });
  }

  async describe(): Promise<{ kind: "EventLive"; schema_version: number }> {
    return { kind: "EventLive", schema_version: this.schemaVersion };
  }
}
