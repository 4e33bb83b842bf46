/**
 * Liveness and readiness: `/healthz` answers without touching anything; `?deep=1` also asks the
 * database, so an operator can tell "Worker up" from "Worker up and its ledger reachable".
 */
import { Hono } from "hono";
import { sql } from "drizzle-orm";
import { connectHttp } from "../../db/client";
import type { AppEnv } from "../context";
import { databaseSettings } from "../config";

export const healthRoutes = new Hono<AppEnv>().get("/", async (c) => {
  if (c.req.query("deep") !== "1") return c.json({ ok: true });
  try {
    await connectHttp(databaseSettings(c.env)).execute(sql`select 1`);
    return c.json({ ok: true, database: "reachable" });
  } catch (error) {
    console.error(JSON.stringify({ level: "error", where: "healthz", error: String(error) }));
    return c.json({ ok: false, database: "unreachable" }, 503);
  }
});
