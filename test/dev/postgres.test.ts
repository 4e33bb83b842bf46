import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startPostgres } from "../../dev/postgres";
import { findDebianServerBinaries } from "../../dev/postgres-launchers/debian-cluster";

const expectedKind = process.env.DATABASE_URL ? "external" : findDebianServerBinaries() ? "debian" : "pglite";

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

describe("startPostgres", () => {
  it("starts a real server, creates databases, and stop() removes it", async () => {
    const postgres = await startPostgres();
    let stopped = false;
    try {
      expect(postgres.kind).toBe(expectedKind);
      expect(await query(postgres.url, "SELECT 1 AS one")).toEqual([{ one: 1 }]);

      const url = await postgres.createDatabase("launcher_test");
      // A second call finds it there and is fine with that.
      expect(await postgres.createDatabase("launcher_test")).toBe(url);
      const expectedDatabase = postgres.kind === "pglite" ? "postgres" : "launcher_test";
      expect(await query(url, "SELECT current_database() AS name")).toEqual([{ name: expectedDatabase }]);

      await postgres.stop();
      stopped = true;
      if (postgres.kind !== "external") {
        await expect(query(postgres.url, "SELECT 1")).rejects.toMatchObject({ code: "ECONNREFUSED" });
      }
      if (postgres.kind === "debian") expect(existsSync(postgres.dataDir!)).toBe(false);
      await expect(postgres.stop()).resolves.toBeUndefined();
    } finally {
      if (!stopped) await postgres.stop();
    }
  });

  describe.runIf(expectedKind === "debian")("with Debian's server binaries", () => {
    let keptDir: string | undefined;
    afterAll(async () => {
      if (keptDir) await rm(keptDir, { recursive: true, force: true });
    });

    it("keeps a given data directory and reuses its cluster on the next start", async () => {
      keptDir = await mkdtemp(join(tmpdir(), "admit-one-pg-kept-"));
      // mkdtemp makes it 0700; the server runs as `postgres` when we are root.
      await chmod(keptDir, 0o755);
      const dataDir = join(keptDir, "cluster");

      const first = await startPostgres({ dataDir });
      try {
        await query(await first.createDatabase("kept"), "CREATE TABLE survivor AS SELECT 'still here' AS note");
      } finally {
        await first.stop();
      }
      expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);

      const second = await startPostgres({ dataDir });
      try {
        const url = await second.createDatabase("kept");
        expect(await query(url, "SELECT note FROM survivor")).toEqual([{ note: "still here" }]);
      } finally {
        await second.stop();
      }
    });
  });
});
