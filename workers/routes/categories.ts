/**
 * GET /categories: the one list of categories the catalog filter offers, taken from the events on sale
 * (categories are the organizers' own words, stored in lower case; the filter matches case-insensitively),
 * so the filter never offers a category with no event nor misses one that has some.
 */
import { Hono } from "hono";
import { categoriesInCatalog } from "../../db/queries/catalog";
import type { AppEnv } from "../context";

export const categoryRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const categories = await categoriesInCatalog(c.get("db"), new Date());
  c.header("Cache-Control", "public, max-age=60");
  return c.json({ categories: categories.map((row) => ({ category: row.category, label: row.category.charAt(0).toUpperCase() + row.category.slice(1), events: row.events })) });
});
