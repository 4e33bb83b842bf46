/**
 * GET /api/v1/dev/costs: the I/O each step of the purchase has cost so far in this isolate
 * (workers/cost-meter.ts), for the bench. Development only: anywhere else it does not exist (404).
 */
import { Hono } from "hono";
import type { AppEnv } from "../context";
import { costTotals, isMetered } from "../cost-meter";
import { ApiError } from "../errors";

export const devCostRoutes = new Hono<AppEnv>().get("/costs", (c) => {
  if (!isMetered(c.env)) throw new ApiError("NOT_FOUND", "There is no GET /api/v1/dev/costs.");
  return c.json({ steps: costTotals() });
});
