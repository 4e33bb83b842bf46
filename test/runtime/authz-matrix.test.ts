/**
 * The authorization matrix (issue #15, done-when): every organizer endpoint, read from the app's
 * router, called as every role — with a member's session and with an API key of that role — and as
 * the owner of another organization. A role the table (workers/domain/roles.ts) allows gets past
 * the check (no 401/403/404); any other role gets 403 FORBIDDEN; the other organization gets 404
 * for anything of ours, or its own data, and never a byte of ours. No 5xx anywhere.
 *
 * A route the app answers that is in none of the lists below fails the first test: give it a
 * permission (requirePermission) and add it to GUARDED with the action it must carry, or list it
 * as PUBLIC / PERSONAL with a reason.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { app } from "../../workers/app";
import { can, ROLES, type Action, type Role } from "../../workers/domain/roles";
import { db, uniqueName } from "./fixtures";
import { call as callJson, eventBody, fetchWorker, type Answer, type Caller } from "./http";
import { pay, register, registration } from "./purchase-helpers";

const API = "/api/v1";

/** As http.ts's call, but a CSV export's body comes back as text. */
async function call<T = any>(method: string, path: string, body?: unknown, caller: Caller = {}): Promise<Answer<T>> {
  if (!path.endsWith(".csv")) return callJson<T>(method, path, body, caller);
  const headers: Record<string, string> = {};
  if (caller.apiKey) headers.Authorization = `Bearer ${caller.apiKey}`;
  if (caller.cookie) headers.Cookie = caller.cookie;
  const response = await fetchWorker(`http://127.0.0.1${path}`, { method, headers });
  const text = await response.text();
  const json = response.headers.get("Content-Type")?.includes("json");
  return { status: response.status, body: (json ? JSON.parse(text) : text) as T, headers: response.headers };
}

/** Each organizer route and the action it must be guarded by. */
const GUARDED: Record<string, Action> = {
  "GET /organizations/current": "organization.read",
  "GET /organizations/current/members": "member.read",
  "POST /organizations/current/invitations": "member.manage",
  "DELETE /organizations/current/invitations/:invitationId": "member.manage",
  "PATCH /organizations/current/members/:organizerId": "member.manage",
  "DELETE /organizations/current/members/:organizerId": "member.manage",
  "GET /organizations/current/audit-log": "audit.read",
  "GET /organizers/me/api-keys": "api_key.manage",
  "POST /organizers/me/api-keys": "api_key.manage",
  "DELETE /organizers/me/api-keys/:keyId": "api_key.manage",
  "GET /organizers/me/events": "event.read",
  "POST /events": "event.write",
  "PATCH /events/:eventId": "event.write",
  "POST /events/:eventId/publish": "event.write",
  "POST /events/:eventId/cancel": "event.cancel",
  "GET /events/:eventId/cancellation": "event.read",
  "GET /events/:eventId/stats": "stats.read",
  "GET /events/:eventId/reports/sales": "report.read",
  "GET /events/:eventId/reports/attendees.csv": "report.read",
  "GET /events/:eventId/reports/orders.csv": "report.read",
  "GET /events/:eventId/reports/checkins": "report.read",
  "GET /events/:eventId/reconciliation": "report.read",
  "GET /events/:eventId/orders": "order.read",
  "GET /events/:eventId/attendees": "order.read",
  "GET /events/:eventId/waitlist": "waitlist.read",
  "POST /events/:eventId/checkin-lists": "door.manage",
  "GET /events/:eventId/checkin-lists": "door.read",
  "POST /events/:eventId/devices": "door.manage",
  "GET /events/:eventId/devices": "door.read",
  "DELETE /events/:eventId/devices/:deviceId": "door.manage",
  // Promo codes (issue #15.2)
  "POST /events/:eventId/promo-codes": "promo_code.write",
  "GET /events/:eventId/promo-codes": "promo_code.read",
  "GET /events/:eventId/promo-codes.csv": "promo_code.read",
  "POST /events/:eventId/promo-codes/:promoCodeId/cancel": "promo_code.write",
  "GET /events/:eventId/reports/promo-codes": "report.read",
  // Webhooks out (issue #15.3)
  "POST /webhook-endpoints": "webhook.manage",
  "GET /webhook-endpoints": "webhook.manage",
  "GET /webhook-endpoints/:endpointId": "webhook.manage",
  "DELETE /webhook-endpoints/:endpointId": "webhook.manage",
  "GET /webhook-endpoints/:endpointId/deliveries": "webhook.manage",
  "POST /webhook-endpoints/:endpointId/deliveries/:deliveryId/resend": "webhook.manage",
  "POST /webhook-endpoints/:endpointId/rotate-secret": "webhook.manage",
};

/** Allowed callers may get a 404 here: the fixture has no such thing to offer (a delivery needs a receiver). */
const ALLOWED_404 = new Set(["POST /webhook-endpoints/:endpointId/deliveries/:deliveryId/resend"]);

/** Routes that take an organizer or someone else, checking the role inside (authorizeOrganizer). */
const MIXED: Record<string, Action> = {
  "POST /orders/:orderId/refund": "order.refund", // or the attendee's order token
  "GET /events/:eventId/live": "stats.read", // a WebSocket: an allowed caller without Upgrade gets 426
};

/** The person's own account, not an organization's: any signed-in member. */
const PERSONAL = new Set([
  "GET /organizers/me",
  "GET /organizations",
  "PUT /sessions/current/organization",
  "POST /invitations/accept",
]);

/** Open to anyone: attendees, scanners (device tokens), Stripe, sign-up and sign-in. Exact keys. */
const PUBLIC = new Set<string>([
  "GET /config",
  "POST /organizers", // sign-up (optionally with an invitation token)
  "POST /sessions",
  "DELETE /sessions/current",
  "POST /invitations/lookup", // the token is the secret
  "POST /password-resets",
  "POST /password-resets/:token",
  "GET /categories",
  "POST /ticket-links",
  "GET /events",
  "GET /events/:eventId", // drafts only to members of the owning organization
  "GET /events/:eventId/tiers/:tierId/seats",
  "GET /events/:eventId/tiers/:tierId/best-available",
  "GET /events/:eventId/keys",
  "GET /events/:eventId/revocations",
  "POST /events/:eventId/queue",
  "GET /events/:eventId/queue/status",
  "GET /events/:eventId/queue/fairness",
  "POST /events/:eventId/queue/notify", // the queue token
  "POST /events/:eventId/register",
  "POST /events/:eventId/waitlist",
  "GET /waitlist/:entryId",
  "DELETE /waitlist/:entryId",
  "GET /waitlist/offers/:offerToken",
  "POST /waitlist/offers/:offerToken/accept",
  "GET /orders/:orderId", // the order token
  "POST /orders/:orderId/pay",
  "POST /orders/:orderId/cancel", // the order token
  "POST /stripe/webhook", // Stripe's signature
  "GET /checkin/bundle", // device tokens
  "POST /checkin/scan",
  "POST /checkin/sync",
  "POST /checkin/undo",
  "GET /dev/costs", // development only: the bench's cost meter
]);

function routeKey(method: string, path: string): string {
  return `${method} ${path.replace(/\/$/, "").replace(/^\/api\/v1/, "") || "/"}`;
}

/** Every route of the app with the permission its middleware carries, if any. */
function appRoutes(): { key: string; permission?: Action }[] {
  const routes = new Map<string, Action | undefined>();
  for (const r of app.routes) {
    if (r.method === "ALL" || !r.path.startsWith(API)) continue;
    const key = routeKey(r.method, r.path);
    const permission = (r.handler as { permission?: Action }).permission;
    routes.set(key, permission ?? routes.get(key));
  }
  return [...routes].map(([key, permission]) => ({ key, permission }));
}

const isPublic = (key: string) => PUBLIC.has(key);

// ---------------------------------------------------------------- the world

interface Person {
  organizerId: string;
  email: string;
  session: Caller;
  key: Caller;
}

let owner: Person;
const members = new Map<Role, Person>();
const roleKeys = new Map<Role, Caller>();
let outsider: Person;
let organizationId: string;
let eventId: string;
let cancelledEventId: string;
let orderId: string;
let tierId: string;
let sharedEndpointId: string | undefined;
/** Strings of ours an outsider must never see. */
let secrets: string[];

async function signUpPerson(extra: Record<string, unknown> = {}): Promise<Person> {
  const email = `${uniqueName("member")}@example.test`;
  const created = await call("POST", `${API}/organizers`, { name: "Member", email, password: "a long enough password", ...extra });
  if (created.status !== 201) throw new Error(`sign-up failed: ${JSON.stringify(created.body)}`);
  const cookie = created.headers.get("Set-Cookie")!.split(";")[0]!;
  return { organizerId: created.body.organizer_id, email, session: { cookie, csrf: created.body.csrf_token }, key: { apiKey: created.body.api_key } };
}

/** The invitation token, as the mail in the outbox carries it. */
async function mailedToken(email: string): Promise<string> {
  const rows = await db().select().from(schema.outbox).where(eq(schema.outbox.topic, "mail"));
  const mail = rows.map((r) => r.payload as { to: string; text: string }).find((p) => p.to === email);
  const token = /#token=(ao_invite_[\w-]+)/.exec(mail?.text ?? "")?.[1];
  if (!token) throw new Error(`no invitation mailed to ${email}`);
  return token;
}

async function ok<T = any>(answer: Promise<Answer<T>>, status = 200): Promise<Answer<T>> {
  const settled = await answer;
  if (settled.status !== status) throw new Error(`expected ${status}, got ${settled.status}: ${JSON.stringify(settled.body)}`);
  return settled;
}

beforeAll(async () => {
  owner = await signUpPerson({ organization_name: uniqueName("Festival") });
  organizationId = (await ok(call("GET", `${API}/organizations/current`, undefined, owner.key))).body.organization_id;
  for (const role of ROLES.filter((r) => r !== "owner")) {
    const email = `${uniqueName(role)}@example.test`;
    await ok(call("POST", `${API}/organizations/current/invitations`, { email, role }, owner.session), 201);
    const token = await mailedToken(email);
    const created = await call("POST", `${API}/organizers`, { name: role, email, password: "a long enough password", invitation_token: token });
    if (created.status !== 201) throw new Error(`invited sign-up failed: ${JSON.stringify(created.body)}`);
    expect(created.body.role).toBe(role);
    const cookie = created.headers.get("Set-Cookie")!.split(";")[0]!;
    members.set(role, { organizerId: created.body.organizer_id, email, session: { cookie, csrf: created.body.csrf_token }, key: { apiKey: created.body.api_key } });
  }
  members.set("owner", owner);
  for (const role of ROLES) {
    const key = await ok(call("POST", `${API}/organizers/me/api-keys`, { name: `${role} key`, role }, owner.key), 201);
    roleKeys.set(role, { apiKey: key.body.api_key });
  }
  outsider = await signUpPerson();

  const created = await ok(call("POST", `${API}/events`, eventBody({ tiers: [{ name: "GA", price: 2500, capacity: 50, max_per_order: 4 }] }), owner.key), 201);
  eventId = created.body.event_id;
  tierId = (await ok(call("POST", `${API}/events/${eventId}/publish`, undefined, owner.key))).body.tiers[0].tier_id;
  const order = await ok(register(eventId, registration(tierId)), 201);
  await ok(pay(order.body.order_id, order.body.order_token));
  orderId = order.body.order_id;
  const other = await ok(call("POST", `${API}/events`, eventBody(), owner.key), 201);
  cancelledEventId = other.body.event_id;
  await ok(call("POST", `${API}/events/${cancelledEventId}/publish`, undefined, owner.key));
  await ok(call("POST", `${API}/events/${cancelledEventId}/cancel`, undefined, owner.key));
  secrets = [organizationId, owner.email, ...[...members.values()].map((m) => m.email), orderId, tierId];
}, 120_000);

// ---------------------------------------------------------------- one request per route

/** Path parameters and body for a call; destructive routes get a fresh target each time. */
async function requestFor(key: string): Promise<{ path: string; body?: unknown }> {
  const [method, template] = key.split(" ") as [string, string];
  const params: Record<string, string> = { eventId, orderId };
  if (template.includes(":deviceId")) {
    params.deviceId = (await ok(call("POST", `${API}/events/${eventId}/devices`, { name: "Gate" }, owner.key), 201)).body.device_id;
  }
  if (template.includes(":keyId")) {
    params.keyId = (await ok(call("POST", `${API}/organizers/me/api-keys`, { name: "spare", role: "door" }, owner.key), 201)).body.api_key_id;
  }
  if (template.includes(":invitationId")) {
    const email = `${uniqueName("invitee")}@example.test`;
    params.invitationId = (await ok(call("POST", `${API}/organizations/current/invitations`, { email, role: "door" }, owner.key), 201)).body.invitation_id;
  }
  if (template.includes(":organizerId")) {
    const [person] = await db().insert(schema.organizers).values({ name: "Spare", email: `${uniqueName("spare")}@example.test`, passwordHash: "x" }).returning();
    await db().insert(schema.organizationMembers).values({ organizationId, organizerId: person!.id, role: "door" });
    params.organizerId = person!.id;
  }
  if (template.includes(":promoCodeId")) {
    const made = await ok(call("POST", `${API}/events/${eventId}/promo-codes`, { code: uniqueName("MATRIX").toUpperCase(), percent_off: 10, max_uses: 5 }, owner.key), 201);
    params.promoCodeId = made.body.promo_codes[0].promo_code_id;
  }
  if (template.includes(":endpointId")) {
    // One shared endpoint (an organization has only so many); a fresh one for each deletion.
    const fresh = method === "DELETE" || !sharedEndpointId;
    const made = fresh ? (await ok(call("POST", `${API}/webhook-endpoints`, { url: "https://hooks.example.com/admit-one", events: ["order.paid"] }, owner.key), 201)).body.endpoint_id : sharedEndpointId;
    if (method !== "DELETE") sharedEndpointId ??= made;
    params.endpointId = made;
  }
  if (template.includes(":deliveryId")) params.deliveryId = crypto.randomUUID();
  if (key === "GET /events/:eventId/cancellation") params.eventId = cancelledEventId;
  if (key === "POST /events/:eventId/cancel") params.eventId = (await ok(call("POST", `${API}/events`, eventBody(), owner.key), 201)).body.event_id;
  const path = API + template.replace(/:(\w+)/g, (_, name: string) => params[name] ?? `missing-${name}`);
  const bodies: Record<string, unknown> = {
    "POST /organizations/current/invitations": { email: `${uniqueName("invitee")}@example.test`, role: "finance" },
    "PATCH /organizations/current/members/:organizerId": { role: "finance" },
    "POST /organizers/me/api-keys": { name: "made in the matrix", role: "door" },
    "POST /events": eventBody(),
    "PATCH /events/:eventId": { title: "Renamed in the matrix" },
    "POST /events/:eventId/checkin-lists": { name: "VIP gate" },
    "POST /events/:eventId/devices": { name: "Side door" },
    "POST /orders/:orderId/refund": { reason: "matrix" },
    "POST /events/:eventId/promo-codes": { count: 2, prefix: "MX", percent_off: 15, max_uses: 3 },
    "POST /webhook-endpoints": { url: "https://crm.example.com/admit-one", events: ["order.paid", "order.refunded"] },
  };
  return { path, body: method === "GET" || method === "DELETE" ? undefined : (bodies[key] ?? {}) };
}

function callers(): { label: string; role: Role; caller: Caller }[] {
  return ROLES.flatMap((role) => [
    { label: `${role} (session)`, role, caller: members.get(role)!.session },
    { label: `${role} (API key)`, role, caller: roleKeys.get(role)! },
  ]);
}

const PASSED_CHECK = (status: number) => status < 500 && ![401, 403, 404, 405].includes(status);

// ---------------------------------------------------------------- the tests

describe("authorization matrix", () => {
  it("knows every route the app answers: each organizer route carries the permission listed for it", () => {
    const unclassified: string[] = [];
    const mismatched: string[] = [];
    for (const { key, permission } of appRoutes()) {
      if (GUARDED[key]) {
        if (permission !== GUARDED[key]) mismatched.push(`${key}: carries ${permission ?? "no permission"}, expected ${GUARDED[key]}`);
      } else if (permission) {
        unclassified.push(`${key} (carries ${permission}: add it to GUARDED)`);
      } else if (!MIXED[key] && !PERSONAL.has(key) && !isPublic(key)) {
        unclassified.push(key);
      }
    }
    expect(unclassified, "routes with no rule in this test").toEqual([]);
    expect(mismatched).toEqual([]);
    for (const key of [...Object.keys(GUARDED), ...Object.keys(MIXED)]) {
      expect(appRoutes().some((r) => r.key === key), `${key} is listed but the app has no such route`).toBe(true);
    }
  });

  const matrix = () => ({ ...GUARDED, ...MIXED });

  it("lets each role do what the table allows and refuses the rest with 403 FORBIDDEN", async () => {
    const wrong: string[] = [];
    for (const [key, action] of Object.entries(matrix())) {
      const method = key.split(" ")[0]!;
      for (const { label, role, caller } of callers()) {
        const { path, body } = await requestFor(key);
        const answer = await call(method, path, body, caller);
        expect(answer.status, `${label} ${key}: ${JSON.stringify(answer.body)}`).toBeLessThan(500);
        if (can(role, action)) {
          if (!PASSED_CHECK(answer.status) && !(ALLOWED_404.has(key) && answer.status === 404)) wrong.push(`${label} ${key} → ${answer.status} ${answer.body?.error?.code}, expected allowed`);
        } else if (answer.status !== 403 || answer.body?.error?.code !== "FORBIDDEN" || answer.body?.required_permission !== action) {
          wrong.push(`${label} ${key} → ${answer.status} ${answer.body?.error?.code}, expected 403 FORBIDDEN (${action})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 600_000);

  it("answers the owner of another organization 404 for anything of ours, or its own data, and leaks nothing", async () => {
    const wrong: string[] = [];
    for (const via of ["session", "key"] as const) {
      for (const key of Object.keys(matrix())) {
        const method = key.split(" ")[0]!;
        const { path, body } = await requestFor(key);
        const answer = await call(method, path, body, outsider[via]);
        const text = JSON.stringify(answer.body ?? "");
        const ours = /:(eventId|orderId|deviceId|keyId|invitationId|organizerId|endpointId|promoCodeId)/.test(key);
        if (answer.status >= 500) wrong.push(`${via} ${key} → ${answer.status}`);
        if (ours && answer.status !== 404) wrong.push(`${via} ${key} → ${answer.status}, expected 404`);
        if (!ours && !PASSED_CHECK(answer.status)) wrong.push(`${via} ${key} → ${answer.status}, expected its own organization's answer`);
        const leaked = secrets.filter((s) => text.includes(s));
        if (leaked.length > 0) wrong.push(`${via} ${key} leaked ${leaked.join(", ")}`);
      }
    }
    expect(wrong).toEqual([]);
    // And nothing of ours changed under its hands.
    const event = await ok(call("GET", `${API}/events/${eventId}`, undefined, owner.key));
    expect(event.body.status).toBe("published");
    const members = await ok(call("GET", `${API}/organizations/current/members`, undefined, owner.key));
    expect(members.body.members.map((m: { email: string }) => m.email)).toEqual(expect.arrayContaining([owner.email]));
  }, 600_000);

  it("lets every member reach their own account whatever the role, and nobody without credentials", async () => {
    for (const role of ROLES) {
      const me = await ok(call("GET", `${API}/organizers/me`, undefined, members.get(role)!.session));
      expect(me.body).toMatchObject({ role, organization: { organization_id: organizationId } });
      const mine = await ok(call("GET", `${API}/organizations`, undefined, members.get(role)!.session));
      expect(mine.body.organizations).toEqual([expect.objectContaining({ organization_id: organizationId, role, current: true })]);
    }
    for (const key of [...Object.keys(matrix()), ...PERSONAL]) {
      const method = key.split(" ")[0]!;
      const { path, body } = await requestFor(key);
      const answer = await call(method, path, body);
      expect(answer.status, key).toBe(401);
    }
  }, 120_000);
});
