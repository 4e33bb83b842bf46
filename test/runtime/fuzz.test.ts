/**
 * Fuzzing every route the app mounts (issue 12, "Done when"): fast-check builds hostile requests —
 * valid bodies with one field made hostile, unknown keys, arbitrary JSON and raw text, NUL and lone
 * surrogates, dates at year 0, amounts past what Stripe or the database holds, unknown payment
 * methods, odd media types and headers — sent as an organizer (API key or session), an attendee
 * (order token), a scanner (device token), Stripe (validly signed webhooks) or nobody. Not one answer
 * may be a 5xx, and the ledger's invariants must hold afterwards.
 *
 * Header values stay printable ASCII: NUL or non-Latin-1 cannot be sent at all (fetch refuses them)
 * and workerd only warns about the rest. Seeded: the seed is printed; `FUZZ_SEED=<seed> npx vitest run --project runtime
 * test/runtime/fuzz.test.ts` replays the same requests in the same order.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { sql } from "drizzle-orm";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { app } from "../../workers/app";
import { db } from "./fixtures";
import { backgroundSettled, call, eventBody, fetchWorker, signUp } from "./http";
import { pay, publishedEvent, register, registration } from "./purchase-helpers";

const RUNS = 1050;
const CONCURRENCY = 8;
const HUNG_MS = 15_000;
const seed = inject("fuzzSeed");

// ---------------------------------------------------------------- the world the requests hit

interface World {
  organizer: Awaited<ReturnType<typeof signUp>>;
  eventId: string;
  draftId: string;
  doomedId: string;
  gaTierId: string;
  seatedTierId: string;
  paidOrder: { id: string; token: string; ticketIds: string[]; ticketTokens: string[] };
  pendingOrder: { id: string; token: string };
  deviceToken: string;
  deviceId: string;
}

let world: World;

async function setUpWorld(): Promise<World> {
  const seats = Array.from({ length: 6 }, (_, i) => ({ label: `A${i + 1}`, section: "Main", row: "A", number: i + 1, x: i * 30, y: 0 }));
  const { organizer, eventId, tiers } = await publishedEvent(
    [{ name: "GA", price: 2500, capacity: 20, max_per_order: 4 }, { name: "Seats", price: 4000, max_per_order: 4, seats }],
    { waitlist: { enabled: true } },
  );
  const gaTierId = tiers[0]!.tier_id;
  const draft = await call("POST", "/api/v1/events", eventBody(), organizer.key);
  const doomed = await call("POST", "/api/v1/events", eventBody({ tiers: [{ name: "GA", price: 1000, capacity: 5 }] }), organizer.key);
  await call("POST", `/api/v1/events/${doomed.body.event_id}/publish`, undefined, organizer.key);

  const paid = await register(eventId, registration(gaTierId, { quantity: 2 }));
  const confirmed = await pay(paid.body.order_id, paid.body.order_token);
  const pending = await register(eventId, registration(gaTierId));
  const device = await call("POST", `/api/v1/events/${eventId}/devices`, { name: "Gate" }, organizer.key);
  if (confirmed.status !== 200) console.warn(`fuzz setup: the paid order did not pay (${JSON.stringify(confirmed.body)}); fuzzing without its tickets`);
  if (pending.status !== 201 || device.status !== 201 || draft.status !== 201) {
    throw new Error(`fuzz setup failed: ${JSON.stringify([confirmed.body, pending.body, device.body, draft.body])}`);
  }
  return {
    organizer,
    eventId,
    draftId: draft.body.event_id,
    doomedId: doomed.body.event_id,
    gaTierId,
    seatedTierId: tiers[1]!.tier_id,
    paidOrder: {
      id: paid.body.order_id,
      token: paid.body.order_token,
      ticketIds: confirmed.body.ticket_ids ?? [crypto.randomUUID()],
      ticketTokens: confirmed.body.tickets?.map((t: { token: string }) => t.token) ?? ["not.a.ticket", "not.a.ticket"],
    },
    pendingOrder: { id: pending.body.order_id, token: pending.body.order_token },
    deviceToken: device.body.device_token,
    deviceId: device.body.device_id,
  };
}

/** Every route the app answers, read from the app itself so a new route is fuzzed without a change here. */
function appRoutes(): { method: string; path: string }[] {
  const seen = new Set<string>();
  return app.routes
    .filter((r) => r.method !== "ALL")
    .map((r) => ({ method: r.method, path: r.path.replace(/\/$/, "") || "/" }))
    .filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));
}

// ---------------------------------------------------------------- hostile values

const HOSTILE_TEXT = [
  "\u0000", "a\u0000b", "\ud800", "\udfff", "x\ud83c", "🎫", "\u202e\u0645\u0631\u062d\u0628\u0627", "", " ", "\r\n", "\t",
  "0000-01-01", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "275760-09-13T00:00:00Z", "2026-02-30", "1970-01-01T00:00:00Z",
  "-1", "1e400", "NaN", "Infinity", "99999999999999999999", "0x10", "' OR 1=1 --", "'; DROP TABLE events; --", "%00", "%ED%A0%80",
  "../../etc/passwd", "<script>alert(1)</script>", "pm_xxx", "tok_visa", "none", "pm_card_visa", "pm_card_chargeDeclined",
  "pm_card_threeDSecure2Required", "pm_card_authenticationRequired", "ZZZ", "eur", "JPY", "00000000-0000-0000-0000-000000000000",
  "x".repeat(5000), "{\"a\":", "null", "true", "[]",
];
const HOSTILE_NUMBERS = [0, -1, 1, 0.5, -0.0001, 49, 50, 51, 1e8, 99_999_999, 100_000_000, 2 ** 31, 2 ** 31 - 1, 2 ** 53, 1e21, 1e308, -1e308, Number.MAX_SAFE_INTEGER];

const codeUnitString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 40 });

const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 2, arbitrary: codeUnitString },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
  { weight: 1, arbitrary: fc.uuid() },
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], { $gt: "" }) },
  { weight: 1, arbitrary: fc.array(hostileText, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

// ---------------------------------------------------------------- valid bodies to start from

function templates(w: World): Record<string, unknown> {
  const now = Date.now();
  return {
    "POST /api/v1/organizers": { name: "Fuzz", email: "fuzz@example.test", password: "a long enough password" },
    "POST /api/v1/sessions": { email: w.organizer.email, password: "wrong password here" },
    "POST /api/v1/organizers/me/api-keys": { name: "fuzz key" },
    "POST /api/v1/events": eventBody({ tiers: [{ name: "GA", price: 2500, capacity: 10, max_per_order: 4 }] }),
    "PATCH /api/v1/events/:eventId": { title: "Renamed", description: "d", venue: { name: "v", city: "c", address: "a" }, starts_at: new Date(now + 40 * 86_400_000).toISOString(), currency: "EUR", hold_minutes: 10 },
    "POST /api/v1/events/:eventId/register": { ...registration(w.gaTierId), seats: ["A1"], best_available: false },
    "POST /api/v1/orders/:orderId/pay": { payment_method: "pm_card_visa" },
    "POST /api/v1/orders/:orderId/refund": { ticket_ids: w.paidOrder.ticketIds.slice(0, 1), reason: "fuzz" },
    "POST /api/v1/events/:eventId/waitlist": { tier_id: w.gaTierId, quantity: 1, attendee: { email: "w@example.test", name: "Wait" } },
    "POST /api/v1/events/:eventId/queue": { queue_token: "qt_x" },
    "POST /api/v1/events/:eventId/checkin-lists": { name: "VIP", tier_ids: [w.gaTierId] },
    "POST /api/v1/events/:eventId/devices": { name: "Gate 2" },
    "POST /api/v1/checkin/scan": { token: w.paidOrder.ticketTokens[0], nonce: "nonce-0001", scanned_at: new Date(now).toISOString(), offline: true },
    "POST /api/v1/checkin/sync": { scans: [{ token: w.paidOrder.ticketTokens[1], nonce: "nonce-0002", scanned_at: new Date(now).toISOString(), offline_verdict: "admit" }] },
    "POST /api/v1/checkin/undo": { nonce: "nonce-0001" },
    "POST /api/v1/stripe/webhook": {
      id: "evt_fuzz",
      object: "event",
      type: "payment_intent.succeeded",
      data: { object: { id: "pi_fuzz", object: "payment_intent", amount: 2500, currency: "eur", metadata: { order_id: w.pendingOrder.id } } },
    },
  };
}

type Json = unknown;

function leafPaths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => leafPaths(v, [...prefix, i])) : [prefix];
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    return entries.length ? entries.flatMap(([k, v]) => [prefix.concat(k), ...leafPaths(v, [...prefix, k])]) : [prefix];
  }
  return [prefix];
}

function setAt(value: Json, path: (string | number)[], replacement: unknown): Json {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, Json>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    // An earlier edit replaced a parent with something that has no fields: nothing left to edit.
    if (!next || typeof next !== "object") return copy;
    node = next as Record<string | number, Json>;
  }
  node[path.at(-1)!] = replacement;
  return copy;
}

/** A body for the route: its template with one to three fields made hostile, or something else entirely. */
function bodyFor(template: Json | undefined): fc.Arbitrary<string | undefined> {
  const mutated = template
    ? fc
        .array(fc.tuple(fc.constantFrom(...leafPaths(template)), hostileValue), { minLength: 1, maxLength: 3 })
        .chain((edits) =>
          fc.record({ extraKey: fc.option(fc.tuple(hostileText, hostileValue), { freq: 4 }) }).map(({ extraKey }) => {
            let body = edits.reduce<Json>((acc, [path, value]) => setAt(acc, path, value), template);
            if (extraKey && body && typeof body === "object" && !Array.isArray(body)) body = { ...(body as object), [extraKey[0]]: extraKey[1] };
            return JSON.stringify(body);
          }),
        )
    : fc.constant(undefined);
  return fc.oneof(
    { weight: template ? 6 : 0, arbitrary: mutated },
    { weight: 1, arbitrary: fc.constant(template ? JSON.stringify(template) : undefined) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: hostileText },
    { weight: 1, arbitrary: fc.constantFrom("{", "[".repeat(5000), "{\"a\":1}garbage", "\ufeff{}", "{\"__proto__\":{\"x\":1}}", "{\"a\":1,\"a\":2}") },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

// ---------------------------------------------------------------- requests

interface FuzzRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string | undefined;
  signWebhook: boolean;
}

/** Percent-encodes as a hostile client would: a lone surrogate goes out as its (invalid) UTF-8 bytes. */
function encodeHostile(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    out +=
      code >= 0xd800 && code <= 0xdfff
        ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("")
        : encodeURIComponent(char);
  }
  return out;
}

const QUERY_KEYS = ["q", "city", "category", "from", "to", "cursor", "limit", "since", "bucket", "deep", "x"];

function paramValue(name: string, w: World, route: string): fc.Arbitrary<string> {
  const known: Record<string, string[]> = {
    // Cancelling the main event would leave the rest of the run nothing to buy: that route gets its own.
    eventId: route.endsWith("/cancel") ? [w.doomedId, w.draftId] : [w.eventId, w.eventId, w.draftId, w.doomedId],
    tierId: [w.gaTierId, w.seatedTierId],
    orderId: [w.paidOrder.id, w.pendingOrder.id],
    deviceId: [w.deviceId],
  };
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...(known[name] ?? ["x"])) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: hostileText.map((s) => encodeHostile(s.slice(0, 200)).replace(/%2F/gi, "")) },
    { weight: 1, arbitrary: fc.constantFrom("%00", "%ED%A0%80", "%E0%A4%A", "..", "%2e%2e", "a%2Fb") },
  );
}

function credentials(w: World): fc.Arbitrary<Record<string, string>> {
  const { key, session } = w.organizer;
  return fc.constantFrom<Record<string, string>>(
    {},
    { Authorization: `Bearer ${key.apiKey}` },
    { Authorization: `Bearer ${key.apiKey}` },
    { Cookie: session.cookie!, "X-CSRF-Token": session.csrf! },
    { Cookie: session.cookie! },
    { Authorization: `Bearer ${w.paidOrder.token}` },
    { Authorization: `Bearer ${w.pendingOrder.token}` },
    { Authorization: `Bearer ${w.deviceToken}` },
    { Authorization: `Bearer ${w.deviceToken}` },
    { Authorization: "Bearer ak_live_forged" },
    { Authorization: "Basic Zm9vOmJhcg==" },
    { Authorization: `Bearer ${"x".repeat(5000)}` },
  );
}

/** Header values must be bytes: the hostile text that survives as Latin-1. */
const headerText = hostileText.map((s) => s.replace(/[^\x20-\x7e]/g, "").slice(0, 500));

function requestArbitrary(w: World, routes: { method: string; path: string }[]): fc.Arbitrary<FuzzRequest> {
  const bodies = templates(w);
  return fc.constantFrom(...routes).chain((route) => {
    const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const template = bodies[`${route.method} ${route.path}`];
    return fc
      .record({
        params: fc.tuple(...names.map((n) => paramValue(n, w, route.path))),
        method: fc.oneof({ weight: 12, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS") }),
        query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), hostileText), hostileText), { maxLength: 3 }),
        auth: credentials(w),
        contentType: fc.constantFrom("application/json", "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/vnd.api+json", ""),
        extra: fc.array(fc.tuple(fc.constantFrom("X-Queue-Access", "Idempotency-Key", "Origin", "CF-Connecting-IP", "X-Forwarded-For", "Accept", "Stripe-Signature", "X-Fuzz"), headerText), { maxLength: 2 }),
        body: bodyFor(template),
        signWebhook: fc.boolean(),
      })
      .map(({ params, method, query, auth, contentType, extra, body, signWebhook }) => {
        let path = route.path;
        names.forEach((name, i) => (path = path.replace(`:${name}`, params[i]!)));
        const search = query.map(([k, v]) => `${encodeHostile(k)}=${encodeHostile(v).replace(/%25(00|ED)/g, "%$1")}`).join("&");
        const headers: Record<string, string> = { ...auth, ...Object.fromEntries(extra) };
        if (body !== undefined && contentType) headers["Content-Type"] = contentType;
        return { method, path, query: search, headers, body, signWebhook: signWebhook && route.path.endsWith("/stripe/webhook") };
      });
  });
}

async function stripeSignature(payload: string): Promise<string> {
  const t = Math.floor(Date.now() / 1000);
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(env.STRIPE_WEBHOOK_SECRET), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${payload}`)));
  return `t=${t},v1=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

async function send(request: FuzzRequest): Promise<{ status: number; text: string; ms: number } | undefined> {
  const headers = new Headers();
  try {
    for (const [name, value] of Object.entries(request.headers)) headers.set(name, value);
  } catch {
    return undefined; // not a header a client could send
  }
  if (request.signWebhook && request.body !== undefined) headers.set("Stripe-Signature", await stripeSignature(request.body));
  const withBody = request.body !== undefined && !["GET", "HEAD"].includes(request.method);
  const url = `http://admit.test${request.path}${request.query ? `?${request.query}` : ""}`;
  if (!URL.canParse(url)) return undefined; // not a URL a client could send
  const started = Date.now();
  // Through the runtime tests' harness (the Worker's own fetch handler, as every runtime test calls
  // it); its background work (waitUntil) is awaited by backgroundSettled() before the invariants.
  const response = await fetchWorker(url, { method: request.method, headers, body: withBody ? request.body : undefined });
  return { status: response.status, text: await response.text(), ms: Date.now() - started };
}

// ---------------------------------------------------------------- the run

beforeAll(async () => {
  world = await setUpWorld();
}, 60_000);

describe("fuzzing every route", () => {
  it(`answers ${RUNS} hostile requests with no 5xx, and the ledger's invariants hold`, async () => {
    const routes = appRoutes();
    console.log(`fuzz seed ${seed} over ${routes.length} routes (replay: FUZZ_SEED=${seed} npx vitest run --project runtime test/runtime/fuzz.test.ts)`);
    const requests = fc.sample(requestArbitrary(world, routes), { seed, numRuns: RUNS });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const covered = new Set<string>();
    let sent = 0;
    let next = 0;
    const slowest: [number, string][] = [];
    const byRoute = new Map<string, [number, number]>();
    const started = Date.now();
    const worker = async () => {
      while (next < requests.length) {
        const index = next++;
        const request = requests[index]!;
        const answer = await Promise.race([send(request), new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), HUNG_MS))]);
        const shown = `#${index} ${request.method} ${request.path}?${request.query} ${JSON.stringify(request.headers).slice(0, 200)} body=${JSON.stringify(request.body)?.slice(0, 300)}`;
        if (answer === "hung") {
          failures.push(`${shown} → no answer within ${HUNG_MS} ms`);
          continue;
        }
        if (!answer) continue;
        sent++;
        if (sent % 200 === 0) console.log(`fuzz: ${sent} after ${Math.round((Date.now() - started) / 1000)} s`);
        slowest.push([answer.ms, `${request.method} ${request.path} → ${answer.status}`]);
        const routeKey = `${request.method} ${routes.find((r) => new RegExp(`^${r.path.replace(/:\w+/g, "[^/]*")}$`).test(request.path))?.path ?? "?"}`;
        byRoute.set(routeKey, [(byRoute.get(routeKey)?.[0] ?? 0) + answer.ms, (byRoute.get(routeKey)?.[1] ?? 0) + 1]);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        covered.add(routes.find((r) => new RegExp(`^${r.path.replace(/:\w+/g, "[^/]*")}$`).test(request.path))?.path ?? "?");
        if (answer.status >= 500) failures.push(`${shown} → ${answer.status} ${answer.text.slice(0, 200)}`);
      }
    };
    // A few in flight, as real clients are: the same requests for a seed, their interleaving may vary.
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(`fuzz: ${sent} sent in ${Math.round((Date.now() - started) / 1000)} s, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    console.log(`fuzz: slowest ${JSON.stringify(slowest.sort((a, b) => b[0] - a[0]).slice(0, 5))}`);
    console.log(`fuzz: most time by route ${JSON.stringify([...byRoute].sort((a, b) => b[1][0] - a[1][0]).slice(0, 5))}`);
    expect(failures, `seed ${seed}`).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(1000);
    expect(covered.size).toBeGreaterThanOrEqual(new Set(routes.map((r) => r.path)).size * 0.9);

    await backgroundSettled();
    await expectLedgerInvariants([world.eventId, world.draftId, world.doomedId]);
  }, 300_000);
});

async function expectLedgerInvariants(eventIds: string[]) {
  const ids = sql.join(eventIds.map((id) => sql`${id}::uuid`), sql`, `);
  const one = async (query: ReturnType<typeof sql>) => (await db().execute<Record<string, unknown>>(query)).rows;
  expect(await one(sql`SELECT id, sold_count, capacity FROM ticket_tiers WHERE event_id IN (${ids}) AND sold_count > capacity`), "tier sold past capacity").toEqual([]);
  expect(
    await one(sql`SELECT t.id FROM ticket_tiers t WHERE t.event_id IN (${ids}) AND (SELECT count(*) FROM tickets k WHERE k.tier_id = t.id AND k.status = 'valid') > t.capacity`),
    "more valid tickets than capacity",
  ).toEqual([]);
  expect(await one(sql`SELECT o.id FROM orders o WHERE o.event_id IN (${ids}) AND NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)`), "order without items").toEqual([]);
  expect(
    await one(sql`SELECT k.id FROM tickets k JOIN orders o ON o.id = k.order_id WHERE o.event_id IN (${ids}) AND k.status = 'valid' AND o.status IN ('cancelled', 'expired', 'pending')`),
    "valid ticket on an order that is not paid",
  ).toEqual([]);
  expect(
    await one(sql`SELECT o.id FROM orders o WHERE o.event_id IN (${ids}) AND o.amount < coalesce((SELECT sum(r.amount) FROM refunds r WHERE r.order_id = o.id AND r.status <> 'failed'), 0)`),
    "refunded more than paid",
  ).toEqual([]);
  expect(
    await one(sql`SELECT o.id FROM orders o WHERE o.event_id IN (${ids}) AND o.amount <> (SELECT sum(i.unit_price) FROM order_items i WHERE i.order_id = o.id)`),
    "order amount differs from its items",
  ).toEqual([]);
}
