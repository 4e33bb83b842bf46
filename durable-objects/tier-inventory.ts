/**
 * TierInventory — one per ticket tier: the only place units and seats are held and sold (the purchase issue fills it in).
 * For now it carries its storage schema version and answers `describe()`, so bindings,
 * migrations and RPC are proven end to end before the behaviour lands.
 */
import { DurableObject } from "cloudflare:workers";
import { migrateStorage } from "./schema-migrations";

const SCHEMA: readonly string[] = [
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
];

export class TierInventory extends DurableObject<Env> {
  private schemaVersion = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.schemaVersion = migrateStorage(ctx.storage.sql, SCHEMA);
    });
  }

  async describe(): Promise<{ kind: "TierInventory"; schema_version: number }> {
    return { kind: "TierInventory", schema_version: this.schemaVersion };
  }
}
