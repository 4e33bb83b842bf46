/**
 * The events' signing keys inside workerd against real PostgreSQL: one current key per event however
 * many requests race to create it, rotation that keeps the previous key verifying, private keys that
 * never rest in clear, and the public JWKS endpoint.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { connectHttp, inTransaction } from "../../db/client";
import * as schema from "../../db/schema";
import { databaseSettings } from "../../workers/config";
import type { AppEnv } from "../../workers/context";
import { ApiError, errorBody } from "../../workers/errors";
import { eventKeyRoutes } from "../../workers/routes/event-keys";
import { decryptPrivateJwk } from "../../workers/tickets/key-encryption";
import { ensureEventSigningKey, eventJwks, loadSigningKey, rotateEventSigningKey } from "../../workers/tickets/signing-keys";
import { ticketQrSvg } from "../../workers/tickets/qr";
import { signTicket, verifyTicket } from "../../workers/tickets/ticket-tokens";
import { db, insertEvent, insertOrganizer } from "./fixtures";

const masterKey = () => env.SIGNING_MASTER_KEY;
const settings = () => databaseSettings(env);

async function newEvent(status: "draft" | "published" | "cancelled" = "published") {
  const organizer = await insertOrganizer();
  return (await insertEvent(organizer.id, { status })).event;
}

const keyRows = (eventId: string) => db().select().from(schema.eventSigningKeys).where(eq(schema.eventSigningKeys.eventId, eventId));

const rotate = (eventId: string) => inTransaction(settings(), (tx) => rotateEventSigningKey(tx, masterKey(), eventId));

function ticketFor(eventId: string) {
  return { tid: crypto.randomUUID(), eid: eventId, tier: "General", seat: null, name: "Grace Hopper", v: 1 };
}

describe("ensureEventSigningKey", () => {
  it("creates an ES256 key once and returns the same key afterwards", async () => {
    const event = await newEvent();
    const first = await ensureEventSigningKey(db(), masterKey(), event.id);
    const again = await inTransaction(settings(), (tx) => ensureEventSigningKey(tx, masterKey(), event.id));

    expect(again.kid).toBe(first.kid);
    expect(first.kid).toMatch(new RegExp(`^evt_${event.id.replace(/-/g, "").slice(0, 8)}_[A-Za-z0-9_-]{12}$`));
    expect(first.publicJwk).toEqual({ kty: "EC", crv: "P-256", x: expect.any(String), y: expect.any(String), kid: first.kid, alg: "ES256", use: "sig" });
    expect(await keyRows(event.id)).toHaveLength(1);
  });

  it("leaves exactly one current key when 10 callers race to create it", async () => {
    const event = await newEvent();
    const kids = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0
          ? ensureEventSigningKey(db(), masterKey(), event.id)
          : inTransaction(settings(), (tx) => ensureEventSigningKey(tx, masterKey(), event.id))
        ).then((key) => key.kid),
      ),
    );

    expect(new Set(kids).size).toBe(1);
    const rows = await keyRows(event.id);
    expect(rows.map((r) => [r.kid, r.status])).toEqual([[kids[0], "current"]]);
  });

  it("keeps the private key encrypted: no `d` in clear anywhere in the row", async () => {
    const event = await newEvent();
    const { kid } = await ensureEventSigningKey(db(), masterKey(), event.id);
    const [row] = await keyRows(event.id);
    const privateJwk = await decryptPrivateJwk(masterKey(), kid, row!.privateJwkEncrypted);

    expect(privateJwk.d).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(row!.privateJwkEncrypted).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(row!.privateJwkEncrypted).not.toContain(privateJwk.d);
    expect(row!.privateJwkEncrypted).not.toContain('"d"');
    expect(JSON.stringify(row!.publicJwk)).not.toContain(privateJwk.d);
    expect(row!.publicJwk).not.toHaveProperty("d");
  });
});

describe("rotateEventSigningKey", () => {
  it("keeps the previous key in the JWKS and retires the one before", async () => {
    const event = await newEvent();
    const first = await ensureEventSigningKey(db(), masterKey(), event.id);
    const firstToken = await signTicket(await loadSigningKey(db(), masterKey(), event.id), ticketFor(event.id), new Date());

    const second = await rotate(event.id);
    const secondToken = await signTicket(await loadSigningKey(db(), masterKey(), event.id), ticketFor(event.id), new Date());
    expect(second.kid).not.toBe(first.kid);
    expect((await eventJwks(db(), event.id)).keys.map((k) => k.kid)).toEqual([second.kid, first.kid]);
    expect((await verifyTicket(firstToken, await eventJwks(db(), event.id), event.id)).ok).toBe(true);

    const third = await rotate(event.id);
    const jwks = await eventJwks(db(), event.id);
    expect(jwks.keys.map((k) => k.kid)).toEqual([third.kid, second.kid]);
    expect(jwks.keys.every((k) => k.alg === "ES256" && k.use === "sig" && !("d" in k))).toBe(true);
    const statuses = Object.fromEntries((await keyRows(event.id)).map((r) => [r.kid, r.status]));
    expect(statuses).toEqual({ [first.kid]: "retired", [second.kid]: "previous", [third.kid]: "current" });

    expect((await loadSigningKey(db(), masterKey(), event.id)).kid).toBe(third.kid);
    expect(await verifyTicket(secondToken, jwks, event.id)).toMatchObject({ ok: true });
    expect(await verifyTicket(firstToken, jwks, event.id)).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("applies concurrent rotations one after the other: one current, one previous, the rest retired", async () => {
    const event = await newEvent();
    await ensureEventSigningKey(db(), masterKey(), event.id);
    await Promise.all(Array.from({ length: 4 }, () => rotate(event.id)));

    const rows = await keyRows(event.id);
    const count = (status: string) => rows.filter((r) => r.status === status).length;
    expect([rows.length, count("current"), count("previous"), count("retired")]).toEqual([5, 1, 1, 3]);
  });
});

describe("loadSigningKey", () => {
  it("signs tickets in workerd that verify against the event's JWKS and render as a QR code, creating the key for an event that had none", async () => {
    const event = await newEvent();
    expect(await keyRows(event.id)).toHaveLength(0);
    const key = await loadSigningKey(db(), masterKey(), event.id);
    const token = await signTicket(key, ticketFor(event.id), new Date());

    const result = await verifyTicket(token, await eventJwks(db(), event.id), event.id);
    expect(result).toMatchObject({ ok: true, claims: { eid: event.id, name: "Grace Hopper", seat: null } });
    expect((await keyRows(event.id)).map((r) => r.kid)).toEqual([key.kid]);
    expect(await ticketQrSvg(token)).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
  });
});

describe("GET /api/v1/events/{eventId}/keys", () => {
  // The route as the root app mounts it, with the same request-scoped database and error path.
  const app = new Hono<AppEnv>()
    .use(async (c, next) => {
      c.set("requestId", crypto.randomUUID());
      c.set("db", connectHttp(databaseSettings(c.env)));
      await next();
    })
    .route("/api/v1/events", eventKeyRoutes);
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err, c.get("requestId")), err.status);
    throw err;
  });

  const get = async (eventId: string) => {
    const response = await app.request(`/api/v1/events/${eventId}/keys`, {}, env);
    return { status: response.status, cacheControl: response.headers.get("Cache-Control"), body: (await response.json()) as any };
  };

  it("serves the JWKS of a published event, cacheable for five minutes", async () => {
    const event = await newEvent("published");
    const current = await ensureEventSigningKey(db(), masterKey(), event.id);
    const answer = await get(event.id);

    expect(answer.status).toBe(200);
    expect(answer.cacheControl).toBe("public, max-age=300");
    expect(answer.body).toEqual({ keys: [current.publicJwk] });
  });

  it("serves current and previous keys, and a cancelled event's keys too", async () => {
    const event = await newEvent("published");
    const first = await ensureEventSigningKey(db(), masterKey(), event.id);
    const second = await rotate(event.id);
    expect((await get(event.id)).body.keys.map((k: { kid: string }) => k.kid)).toEqual([second.kid, first.kid]);

    await db().update(schema.events).set({ status: "cancelled" }).where(eq(schema.events.id, event.id));
    expect((await get(event.id)).status).toBe(200);
  });

  it("is NOT_FOUND for a draft, an unknown id and a malformed id", async () => {
    const draft = await newEvent("draft");
    await ensureEventSigningKey(db(), masterKey(), draft.id);

    for (const eventId of [draft.id, crypto.randomUUID(), "not-an-event"]) {
      const answer = await get(eventId);
      expect(answer.status, eventId).toBe(404);
      expect(answer.body.error.code).toBe("NOT_FOUND");
      expect(answer.cacheControl).toBeNull();
    }
  });
});
