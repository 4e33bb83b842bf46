/**
 * Issue #15's data migration on a database that already has single-organizer accounts: the schema
 * as it was before organizations (migrations up to 0012), organizers with events and API keys in
 * it, then every later migration. Each organizer becomes the owner of a one-member organization,
 * its events and keys move there (keys as owner), nothing is lost, and running it again changes
 * nothing. Real PostgreSQL, the real migration files.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATIONS_FOLDER, applyMigrations } from "../../dev/migrate";
import { startPostgres, type LocalPostgres } from "../../dev/postgres";

const BEFORE_ORGANIZATIONS = "0013_organizations";

let postgres: LocalPostgres;
let folder: string;

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** The migrations folder as it was before organizations: the journal cut before 0013. */
async function migrationsBeforeOrganizations(): Promise<string> {
  folder = await mkdtemp(join(tmpdir(), "admit-one-migrations-"));
  await cp(MIGRATIONS_FOLDER, folder, { recursive: true });
  const journalPath = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(await readFile(journalPath, "utf8")) as { entries: { tag: string }[] };
  const cut = journal.entries.findIndex((e) => e.tag === BEFORE_ORGANIZATIONS);
  expect(cut).toBeGreaterThan(0);
  journal.entries = journal.entries.slice(0, cut);
  await writeFile(journalPath, JSON.stringify(journal));
  return folder;
}

beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);

afterAll(async () => {
  await postgres?.stop();
  if (folder) await rm(folder, { recursive: true, force: true });
});

describe("organizations data migration", () => {
  it("turns each existing organizer into the owner of its own organization, with its events and keys, and nothing lost", async () => {
    const url = await postgres.createDatabase("organizations_migration");
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await migrate(drizzle(client), { migrationsFolder: await migrationsBeforeOrganizations() });
    } finally {
      await client.end();
    }

    // Two single-organizer accounts as they were: events, keys (one revoked), a session.
    const organizers = await sql<{ id: string }>(
      url,
      `INSERT INTO organizers (name, email, password_hash) VALUES ('Ana Festival', 'ana@example.test', 'x'), ('Bo Talks', 'bo@example.test', 'x') RETURNING id`,
    );
    const [ana, bo] = organizers.map((o) => o.id) as [string, string];
    for (const [organizer, title] of [[ana, "Jazz night"], [ana, "Jazz morning"], [bo, "Compilers"]] as const) {
      await sql(
        url,
        `INSERT INTO events (organizer_id, title, category, venue_name, venue_city, starts_at, ends_at, timezone, currency)
         VALUES ($1, $2, 'music', 'Hall', 'Lisbon', now() + interval '30 days', now() + interval '31 days', 'Europe/Lisbon', 'EUR')`,
        [organizer, title],
      );
    }
    await sql(url, `INSERT INTO organizer_api_keys (organizer_id, name, prefix, key_hash) VALUES ($1, 'default', 'ao_key_a', 'ha'), ($1, 'old', 'ao_key_b', 'hb'), ($2, 'default', 'ao_key_c', 'hc')`, [ana, bo]);
    await sql(url, `UPDATE organizer_api_keys SET revoked_at = now() WHERE name = 'old'`);
    const before = await sql(url, `SELECT id, organizer_id, title FROM events ORDER BY id`);

    await applyMigrations(url);

    const orgs = await sql<{ id: string; name: string }>(url, `SELECT id, name FROM organizations ORDER BY name`);
    expect(orgs).toEqual([{ id: ana, name: "Ana Festival" }, { id: bo, name: "Bo Talks" }]);
    expect(await sql(url, `SELECT organization_id, organizer_id, role FROM organization_members ORDER BY organization_id`)).toEqual(
      [{ organization_id: ana, organizer_id: ana, role: "owner" }, { organization_id: bo, organizer_id: bo, role: "owner" }].sort((a, b) => a.organization_id.localeCompare(b.organization_id)),
    );
    const events = await sql<{ id: string; organizer_id: string; organization_id: string; title: string }>(url, `SELECT id, organizer_id, organization_id, title FROM events ORDER BY id`);
    expect(events.map(({ id, organizer_id, title }) => ({ id, organizer_id, title }))).toEqual(before);
    for (const event of events) expect(event.organization_id).toBe(event.organizer_id);
    const keys = await sql<{ name: string; organizer_id: string; organization_id: string; role: string; revoked: boolean }>(
      url,
      `SELECT name, organizer_id, organization_id, role, revoked_at IS NOT NULL AS revoked FROM organizer_api_keys ORDER BY prefix`,
    );
    expect(keys).toEqual([
      { name: "default", organizer_id: ana, organization_id: ana, role: "owner", revoked: false },
      { name: "old", organizer_id: ana, organization_id: ana, role: "owner", revoked: true },
      { name: "default", organizer_id: bo, organization_id: bo, role: "owner", revoked: false },
    ]);

    // The backfill is safe to run again: it finds nothing left to do.
    const backfill = await readFile(join(MIGRATIONS_FOLDER, "0014_organizations_backfill.sql"), "utf8");
    for (const statement of backfill.split("--> statement-breakpoint")) await sql(url, statement);
    expect(await sql(url, `SELECT count(*)::int AS n FROM organizations`)).toEqual([{ n: 2 }]);
    expect(await sql(url, `SELECT count(*)::int AS n FROM organization_members`)).toEqual([{ n: 2 }]);
  }, 180_000);
});
