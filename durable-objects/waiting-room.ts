/**
 * WaitingRoom — one per event on sale: pre-queue, shuffle at open, FIFO admission (the waiting-room issue fills it in).
 * For now it carries its storage schema version and answers `describe()`, so bindings,
 * migrations and RPC are proven end to end before the behaviour lands.
 */
import { DurableObject } from "cloudflare:workers";
import { migrateStorage } from "./schema-migrations";

const SCHEMA: readonly string[] = [
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
];

export class WaitingRoom extends DurableObject<Env> {
  private schemaVersion = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.schemaVersion = migrateStorage(ctx.storage.sql, SCHEMA);
    });
  }

  async describe(): Promise<{ kind: "WaitingRoom"; schema_version: number }> {
    return { kind: "WaitingRoom", schema_version: this.schemaVersion };
  }
}
