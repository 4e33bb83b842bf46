/**
 * Organizations (issue #15 item 1) beyond the authz matrix: invitations are single-use and for
 * their address only; an organization never loses its last owner, even when its owners demote and
 * remove each other all at once; a removed member loses access on the next call; and the audit
 * log says who refunded, cancelled, changed prices and capacity, roles and keys.
 */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../db/schema";
import { db, uniqueName } from "./fixtures";
import { call, eventBody, type Caller } from "./http";
import { pay, register, registration } from "./purchase-helpers";

const API = "/api/v1";
const password = "a long enough password";

async function signUpWith(extra: Record<string, unknown> = {}, email = `${uniqueName("person")}@example.test`) {
  const created = await call("POST", `${API}/organizers`, { name: "Person", email, password, ...extra });
  const cookie = created.headers.get("Set-Cookie")?.split(";")[0];
  return { answer: created, email, session: { cookie, csrf: created.body?.csrf_token } as Caller, key: { apiKey: created.body?.api_key } as Caller };
}

async function invite(owner: Caller, email: string, role: string): Promise<string> {
  const sent = await call("POST", `${API}/organizations/current/invitations`, { email, role }, owner);
  expect(sent.status).toBe(201);
  const rows = await db().select().from(schema.outbox).where(eq(schema.outbox.dedupeKey, `invitation:${sent.body.invitation_id}`));
  return /#token=(ao_invite_[\w-]+)/.exec((rows[0]!.payload as { text: string }).text)![1]!;
}

describe("organizations", () => {
  it("accepts an invitation once, for its own address only, and inviting again replaces it", async () => {
    const owner = await signUpWith();
    const email = `${uniqueName("invitee")}@example.test`;
    const first = await invite(owner.key, email, "box_office");
    const second = await invite(owner.key, email, "finance");
    expect((await call("POST", `${API}/invitations/lookup`, { token: first })).status).toBe(404);
    expect((await call("POST", `${API}/invitations/lookup`, { token: second })).body).toMatchObject({ email, role: "finance" });

    const stranger = await signUpWith();
    const wrong = await call("POST", `${API}/invitations/accept`, { token: second }, stranger.session);
    expect(wrong.status).toBe(403);
    expect((await signUpWith({ invitation_token: second })).answer.status).toBe(403);

    const joined = await signUpWith({ invitation_token: second }, email);
    expect(joined.answer.status).toBe(201);
    expect(joined.answer.body).toMatchObject({ role: "finance", organization: { name: "Person" } });
    expect((await call("POST", `${API}/invitations/accept`, { token: second }, joined.session)).status).toBe(404);
    const team = await call("GET", `${API}/organizations/current/members`, undefined, owner.key);
    expect(team.body.members.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
      [owner.email, "owner"],
      [email, "finance"],
    ]);
    expect(team.body.invitations).toEqual([]);
  });

  it("keeps an owner when two owners demote and remove each other at the same moment", async () => {
    const first = await signUpWith();
    const second = await signUpWith({ invitation_token: await invite(first.key, `${uniqueName("co")}@example.test`, "owner") }, undefined);
    expect(second.answer.status).toBe(403); // the invitation is for another address
    const coEmail = `${uniqueName("co")}@example.test`;
    const co = await signUpWith({ invitation_token: await invite(first.key, coEmail, "owner") }, coEmail);
    expect(co.answer.body.role).toBe("owner");
    const ids = { first: first.answer.body.organizer_id as string, co: co.answer.body.organizer_id as string };

    const answers = await Promise.all([
      call("PATCH", `${API}/organizations/current/members/${ids.co}`, { role: "admin" }, first.session),
      call("PATCH", `${API}/organizations/current/members/${ids.first}`, { role: "admin" }, co.session),
      call("DELETE", `${API}/organizations/current/members/${ids.co}`, undefined, first.session),
      call("DELETE", `${API}/organizations/current/members/${ids.first}`, undefined, co.session),
    ]);
    for (const a of answers) expect(a.status).toBeLessThan(500);
    const members = await db().select().from(schema.organizationMembers).where(eq(schema.organizationMembers.organizationId, first.answer.body.organization.organization_id));
    expect(members.filter((m) => m.role === "owner")).toHaveLength(1);
    const refused = answers.filter((a) => a.status === 409);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of refused) expect(a.body).toMatchObject({ error: { code: "CONFLICT" }, reason: "last_owner" });
  });

  it("shuts a removed member out on the next call, session and all", async () => {
    const owner = await signUpWith();
    const email = `${uniqueName("door")}@example.test`;
    const member = await signUpWith({ invitation_token: await invite(owner.key, email, "admin") }, email);
    expect((await call("GET", `${API}/organizers/me/events`, undefined, member.session)).status).toBe(200);
    expect((await call("DELETE", `${API}/organizations/current/members/${member.answer.body.organizer_id}`, undefined, owner.key)).status).toBe(204);
    const after = await call("GET", `${API}/organizers/me/events`, undefined, member.session);
    expect(after.status).toBe(403);
    expect(after.body.error.code).toBe("FORBIDDEN");
    // The key made with their account belonged to the organization: it keeps its own role until revoked.
    expect((await call("GET", `${API}/organizers/me/events`, undefined, member.key)).status).toBe(200);
  });

  it("records who refunded, cancelled, changed prices and capacity, roles and keys", async () => {
    const owner = await signUpWith();
    const created = await call("POST", `${API}/events`, eventBody({ tiers: [{ name: "GA", price: 2500, capacity: 50, max_per_order: 4 }] }), owner.key);
    const eventId = created.body.event_id as string;
    const tier = created.body.tiers[0];
    await call("PATCH", `${API}/events/${eventId}`, { tiers: [{ tier_id: tier.tier_id, name: "GA", price: 3000, capacity: 40, max_per_order: 4 }] }, owner.session);
    await call("POST", `${API}/events/${eventId}/publish`, undefined, owner.key);
    const order = await register(eventId, registration(tier.tier_id));
    await pay(order.body.order_id, order.body.order_token);
    expect((await call("POST", `${API}/orders/${order.body.order_id}/refund`, { reason: "asked" }, owner.key)).status).toBe(200);
    const key = await call("POST", `${API}/organizers/me/api-keys`, { name: "accounting", role: "finance" }, owner.session);
    await call("POST", `${API}/events/${eventId}/cancel`, undefined, owner.key);

    const log = await call("GET", `${API}/organizations/current/audit-log`, undefined, key.body.api_key ? { apiKey: key.body.api_key } : owner.key);
    expect(log.status).toBe(200);
    const byAction = new Map(log.body.entries.map((e: { action: string }) => [e.action, e]));
    expect(byAction.get("event.updated")).toMatchObject({
      event_id: eventId,
      actor: { type: "member" },
      details: { tiers: [{ tier_id: tier.tier_id, change: "updated", price: { from: 2500, to: 3000 }, capacity: { from: 50, to: 40 } }] },
    });
    expect(byAction.get("order.refunded")).toMatchObject({ target: { type: "order", id: order.body.order_id }, actor: { type: "api_key", name: 'API key "default"' }, details: { amount: 3000, reason: "asked" } });
    expect(byAction.get("api_key.created")).toMatchObject({ details: { name: "accounting", role: "finance" } });
    expect(byAction.get("event.cancelled")).toMatchObject({ event_id: eventId });
    // Newest first, and the finance key may read it but not change anything.
    expect(log.body.entries[0].action).toBe("event.cancelled");
    expect((await call("POST", `${API}/events/${eventId}/publish`, undefined, { apiKey: key.body.api_key })).status).toBe(403);
  });
});
