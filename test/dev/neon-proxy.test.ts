import { Client, neon, neonConfig, NeonDbError, Pool } from "@neondatabase/serverless";
import { eq, like } from "drizzle-orm";
import { drizzle as drizzleHttp } from "drizzle-orm/neon-http";
import { drizzle as drizzleWs } from "drizzle-orm/neon-serverless";
import { integer, pgTable, serial, text } from "drizzle-orm/pg-core";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import ws, { WebSocket } from "ws";
import { configureNeonForLocalProxy } from "../../db/neon-local";
import { startNeonProxy, type NeonProxy } from "../../dev/neon-proxy";
import { FrontendMessageTracker } from "../../dev/neon-proxy/frontend-messages";
import { startPostgres, type LocalPostgres } from "../../dev/postgres";
import { startPgliteServer } from "../../dev/postgres-launchers/pglite-server";

let postgres: LocalPostgres;
let proxy: NeonProxy;
let admin: pg.Client;
/** Port-less, like a Neon URL: the proxy's portMap routes 5432 to the local server. */
let connectionString: string;

beforeAll(async () => {
  postgres = await startPostgres();
  const databaseUrl = await postgres.createDatabase("neon_proxy_test");
  proxy = await startNeonProxy({ portMap: { 5432: postgres.port } });
  configureNeonForLocalProxy(neonConfig, `127.0.0.1:${proxy.port}`);
  neonConfig.webSocketConstructor = ws;
  connectionString = withoutPort(databaseUrl);

  admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`
    DROP TABLE IF EXISTS guests, counters, drizzle_bookings;
    CREATE TABLE guests (email text CONSTRAINT guests_email_key UNIQUE, name text NOT NULL);
    CREATE TABLE counters (name text PRIMARY KEY, value integer NOT NULL);
    CREATE TABLE drizzle_bookings (id serial PRIMARY KEY, guest text NOT NULL, seats integer NOT NULL);
  `);
});

afterAll(async () => {
  await admin?.end();
  await proxy?.stop();
  await postgres?.stop();
});

describe("HTTP /sql through neon()", () => {
  it("runs a query with parameters and returns values the driver parses by type", async () => {
    const sql = neon(connectionString);
    const rows = await sql`
      SELECT ${20}::int + ${22}::int AS answer, ${"hi"} AS greeting, NULL::text AS nothing, true AS yes, now() AS at`;
    expect(rows).toEqual([{ answer: 42, greeting: "hi", nothing: null, yes: true, at: expect.any(Date) }]);
  });

  it("returns Neon's full result shape", async () => {
    const sql = neon(connectionString, { fullResults: true });
    const result = await sql`SELECT 1 AS one`;
    expect(result.command).toBe("SELECT");
    expect(result.rowCount).toBe(1);
    expect(result.fields).toEqual([
      { name: "one", dataTypeID: 23, tableID: 0, columnID: 0, dataTypeSize: 4, dataTypeModifier: -1, format: "text" },
    ]);
  });

  it("returns rows as objects when Neon-Array-Mode is not true", async () => {
    const response = await postSql({ query: "SELECT $1::int AS n, NULL AS z", params: ["7"] }, {
      "Neon-Connection-String": connectionString,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      rowAsArray: false,
      rows: [{ n: "7", z: null }],
      command: "SELECT",
      rowCount: 1,
    });
  });

  it("reports a Postgres error as NeonDbError with its code and constraint", async () => {
    const sql = neon(connectionString);
    const insert = (name: string) => sql`INSERT INTO guests (email, name) VALUES (${"ada@example.com"}, ${name})`;
    await insert("Ada");
    const error = await insert("Ada again").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NeonDbError);
    expect(error).toMatchObject({ code: "23505", constraint: "guests_email_key", table: "guests", severity: "ERROR" });
  });

  it("refuses several statements in one string, like Neon's extended protocol", async () => {
    const sql = neon(connectionString);
    await expect(sql.query("SELECT 1; SELECT 2")).rejects.toMatchObject({ code: "42601" });
  });

  it("refuses $1 without a parameter", async () => {
    const sql = neon(connectionString);
    await expect(sql.query("SELECT $1 AS value")).rejects.toBeInstanceOf(NeonDbError);
  });

  it("commits a transaction batch atomically", async () => {
    const sql = neon(connectionString);
    const [, , count] = await sql.transaction([
      sql`INSERT INTO guests (email, name) VALUES ('bo@example.com', 'Bo')`,
      sql`INSERT INTO guests (email, name) VALUES ('cy@example.com', 'Cy')`,
      sql`SELECT count(*)::int AS n FROM guests WHERE email IN ('bo@example.com', 'cy@example.com')`,
    ]);
    expect(count).toEqual([{ n: 2 }]);
  });

  it("rolls a transaction batch back when one statement fails", async () => {
    const sql = neon(connectionString);
    await expect(
      sql.transaction([
        sql`INSERT INTO guests (email, name) VALUES ('dee@example.com', 'Dee')`,
        sql`INSERT INTO guests (email, name) VALUES ('dee@example.com', 'Dee twice')`,
      ]),
    ).rejects.toMatchObject({ code: "23505" });
    const { rows } = await admin.query("SELECT 1 FROM guests WHERE email = 'dee@example.com'");
    expect(rows).toHaveLength(0);
  });

  it("applies the batch isolation level and read-only flag", async () => {
    const sql = neon(connectionString);
    const [isolation, readOnly] = await sql.transaction(
      [sql`SHOW transaction_isolation`, sql`SHOW transaction_read_only`],
      { isolationLevel: "Serializable", readOnly: true },
    );
    expect(isolation).toEqual([{ transaction_isolation: "serializable" }]);
    expect(readOnly).toEqual([{ transaction_read_only: "on" }]);
  });

  it("answers 400 to an isolation level outside the four Neon accepts", async () => {
    const response = await postSql({ queries: [{ query: "SELECT 1", params: [] }] }, {
      "Neon-Connection-String": connectionString,
      "Neon-Batch-Isolation-Level": "Serializable; DROP TABLE guests",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ message: expect.stringContaining("Neon-Batch-Isolation-Level") });
  });

  it("answers 400 without a connection string", async () => {
    const response = await postSql({ query: "SELECT 1", params: [] }, {});
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ message: expect.stringContaining("Neon-Connection-String") });
  });

  it("answers 400 to a connection string for another machine", async () => {
    const response = await postSql({ query: "SELECT 1", params: [] }, {
      "Neon-Connection-String": "postgres://postgres@10.1.2.3/neon_proxy_test",
    });
    expect(response.status).toBe(400);
  });

  it("cancels the running query when the HTTP request is aborted", async () => {
    const aborter = new AbortController();
    const request = postSql(
      { query: "SELECT pg_sleep(60) -- abort-me", params: [] },
      { "Neon-Connection-String": connectionString },
      aborter.signal,
    );
    const sleepers = async () => {
      const { rows } = await admin.query(`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE state = 'active' AND query LIKE '%abort-me' AND pid <> pg_backend_pid()`);
      return rows[0].n as number;
    };

    await vi.waitFor(async () => expect(await sleepers()).toBe(1), { timeout: 10_000, interval: 50 });
    aborter.abort();
    await expect(request).rejects.toThrow();
    await vi.waitFor(async () => expect(await sleepers()).toBe(0), { timeout: 10_000, interval: 50 });
  });
});

describe("WebSocket tunnel through Pool and Client", () => {
  it("holds row locks across an interactive transaction", async () => {
    await admin.query("INSERT INTO counters VALUES ('locked', 0)");
    const pool = new Pool({ connectionString });
    const holder = await pool.connect();
    const other = await pool.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT value FROM counters WHERE name = 'locked' FOR UPDATE");
      const lockWithoutWaiting = "SELECT value FROM counters WHERE name = 'locked' FOR UPDATE NOWAIT";
      await expect(other.query(lockWithoutWaiting)).rejects.toMatchObject({ code: "55P03" });
      await holder.query("UPDATE counters SET value = 1 WHERE name = 'locked'");
      await holder.query("COMMIT");
      const { rows } = await other.query(lockWithoutWaiting);
      expect(rows).toEqual([{ value: 1 }]);
    } finally {
      holder.release();
      other.release();
      await pool.end();
    }
  });

  it("serialises concurrent read-modify-write transactions under FOR UPDATE", async () => {
    await admin.query("INSERT INTO counters VALUES ('tickets', 0)");
    const pool = new Pool({ connectionString, max: 20 });
    const increment = async () => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const { rows } = await client.query("SELECT value FROM counters WHERE name = 'tickets' FOR UPDATE");
        // The new value is computed here, outside Postgres: only the lock keeps updates from being lost.
        await client.query("UPDATE counters SET value = $1 WHERE name = 'tickets'", [rows[0].value + 1]);
        await client.query("COMMIT");
      } finally {
        client.release();
      }
    };
    try {
      await Promise.all(Array.from({ length: 20 }, increment));
    } finally {
      await pool.end();
    }
    const { rows } = await admin.query("SELECT value FROM counters WHERE name = 'tickets'");
    expect(rows).toEqual([{ value: 20 }]);
  });

  it("lets Client.end() resolve and closes the backend", async () => {
    const client = new Client(`${connectionString}?application_name=client-end-test`);
    await client.connect();
    expect((await client.query("SELECT 2 AS two")).rows).toEqual([{ two: 2 }]);
    await expect(client.end()).resolves.toBeUndefined();
    await vi.waitFor(async () => {
      const { rows } = await admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name = 'client-end-test'");
      expect(rows).toHaveLength(0);
    });
  });

  // workerd (compatibility_date >= 2026-04-07) still reports "Network connection lost." after such a
  // clean server-initiated close; that is workerd's doing, so db/client.ts tolerates it.
  it("closes the tunnel with a clean close handshake (1000) once Postgres leaves after Terminate", async () => {
    const closeCodes: number[] = [];
    const errors: unknown[] = [];
    class RecordingWebSocket extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        this.on("close", (code) => closeCodes.push(code));
        this.on("error", (error) => errors.push(error));
      }
    }
    const client = new Client(connectionString);
    client.neonConfig.webSocketConstructor = RecordingWebSocket;
    client.on("error", (error) => errors.push(error));
    await client.connect();
    await client.query("SELECT 1");
    await client.end();
    // ws reports 1006 when the TCP connection ends without a Close frame.
    await vi.waitFor(() => expect(closeCodes).toEqual([1000]));
    expect(errors).toEqual([]);
  });

  it("refuses a non-loopback address with 400 before upgrading", async () => {
    expect(await upgradeStatus("/v1?address=10.1.2.3:5432")).toBe(400);
    expect(await upgradeStatus("/v1?address=example.invalid:5432")).toBe(400);
    expect(await upgradeStatus(`/v1?address=127.0.0.1:${postgres.port}`)).toBe(101);
    expect(await upgradeStatus("/v2?address=127.0.0.1:5432")).toBe(404);
  });
});

describe("drizzle-orm through the proxy", () => {
  const bookings = pgTable("drizzle_bookings", {
    id: serial("id").primaryKey(),
    guest: text("guest").notNull(),
    seats: integer("seats").notNull(),
  });

  it("works over neon-http, including batches", async () => {
    const db = drizzleHttp({ client: neon(connectionString) });
    await db.insert(bookings).values({ guest: "http", seats: 2 });
    const [, updated] = await db.batch([
      db.insert(bookings).values({ guest: "http-batch", seats: 1 }),
      db.update(bookings).set({ seats: 3 }).where(eq(bookings.guest, "http")).returning({ seats: bookings.seats }),
    ]);
    expect(updated).toEqual([{ seats: 3 }]);
    const rows = await db
      .select({ guest: bookings.guest, seats: bookings.seats })
      .from(bookings)
      .where(like(bookings.guest, "http%"))
      .orderBy(bookings.guest);
    expect(rows).toEqual([
      { guest: "http", seats: 3 },
      { guest: "http-batch", seats: 1 },
    ]);
  });

  it("works over neon-serverless, including interactive transactions", async () => {
    const pool = new Pool({ connectionString });
    try {
      const db = drizzleWs({ client: pool });
      await db.transaction(async (tx) => {
        const [row] = await tx.insert(bookings).values({ guest: "ws", seats: 1 }).returning();
        await tx.update(bookings).set({ seats: 4 }).where(eq(bookings.id, row!.id));
      });
      await expect(
        db.transaction(async (tx) => {
          await tx.insert(bookings).values({ guest: "ws-rolled-back", seats: 1 });
          tx.rollback();
        }),
      ).rejects.toThrow();
      const rows = await db
        .select({ guest: bookings.guest, seats: bookings.seats })
        .from(bookings)
        .where(like(bookings.guest, "ws%"));
      expect(rows).toEqual([{ guest: "ws", seats: 4 }]);
    } finally {
      await pool.end();
    }
  });
});

describe("in front of PGlite", () => {
  // pglite-socket keeps the socket open after Terminate; the proxy must close it.
  it("lets Client.end() resolve", async () => {
    const pglite = await startPgliteServer();
    const pgliteProxy = await startNeonProxy({ portMap: { 5432: pglite.port } });
    configureNeonForLocalProxy(neonConfig, `127.0.0.1:${pgliteProxy.port}`);
    const client = new Client(withoutPort(pglite.url));
    try {
      await client.connect();
      expect((await client.query("SELECT 3 AS three")).rows).toEqual([{ three: 3 }]);
      await expect(client.end()).resolves.toBeUndefined();
    } finally {
      configureNeonForLocalProxy(neonConfig, `127.0.0.1:${proxy.port}`);
      await pgliteProxy.stop();
      await pglite.stop();
    }
  }, 60_000);
});

describe("FrontendMessageTracker", () => {
  const startup = message(undefined, int32(196_608), Buffer.from("user\0postgres\0\0"));
  const sslRequest = message(undefined, int32(80_877_103));
  const query = message("Q", Buffer.from("SELECT 'X'\0"));
  const terminate = message("X");

  it("finds Terminate after the startup and other messages in one chunk", () => {
    const stream = Buffer.concat([startup, query, terminate]);
    expect(new FrontendMessageTracker().findTerminate(stream)).toBe(stream.length);
  });

  it("finds Terminate when every byte arrives separately, after an SSLRequest", () => {
    const stream = Buffer.concat([sslRequest, startup, query, terminate]);
    const tracker = new FrontendMessageTracker();
    const hits = [...stream].map((byte) => tracker.findTerminate(Uint8Array.of(byte)));
    expect(hits.slice(0, -1).every((hit) => hit === -1)).toBe(true);
    expect(hits.at(-1)).toBe(1);
  });

  it("does not mistake an X inside a message body for Terminate", () => {
    const tracker = new FrontendMessageTracker();
    expect(tracker.findTerminate(Buffer.concat([startup, message("Q", Buffer.from("X\0\0\0\x04")), query]))).toBe(-1);
  });

  function int32(value: number): Buffer {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32BE(value);
    return buffer;
  }

  function message(type: string | undefined, ...parts: Buffer[]): Buffer {
    const body = Buffer.concat(parts);
    const length = int32(body.length + 4);
    return Buffer.concat(type === undefined ? [length, body] : [Buffer.from(type), length, body]);
  }
});

function withoutPort(url: string): string {
  const parsed = new URL(url);
  parsed.port = "";
  return parsed.toString();
}

function postSql(body: unknown, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
  return fetch(`${proxy.url}/sql`, {
    method: "POST",
    headers: { "Content-Type": "text/plain;charset=UTF-8", ...headers },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

/** The HTTP status the proxy answers a WebSocket upgrade with (101 when it accepts). */
function upgradeStatus(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${proxy.port}${path}`);
    socket.on("open", () => {
      socket.close();
      resolve(101);
    });
    socket.on("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.on("error", reject);
  });
}
