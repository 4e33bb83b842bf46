/**
 * What the browser tests that build their own events share: one Chromium per file, a fresh phone-sized
 * context per page, JSON calls to the worker, and cancelling the test's events afterwards so the
 * public catalog is left as it was found.
 */
import pg from "pg";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { launchChromium } from "./chromium";

export const PHONE = { width: 390, height: 844 };

export function unique(prefix: string): string {
  return `${prefix}${crypto.randomUUID().slice(0, 8)}`;
}

/**
 * wrangler dev's own answer when its proxy loses a request it was forwarding to workerd (issue #12
 * item 10, docs/local-tooling.md): local tooling, not the Worker. Only this exact 503 is retried,
 * with the same body, and each retry is reported; any other 5xx comes back as it is and fails the test.
 */
export const LOCAL_TOOLING_503 = "Your worker restarted mid-request";

export async function postJson<T>(base: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: T }> {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status === 503 && text.includes(LOCAL_TOOLING_503) && attempt < 4) {
      console.log(`local tooling: wrangler dev's proxy answered "${LOCAL_TOOLING_503}" to POST ${path}; retried with the same body (attempt ${attempt + 1})`);
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      continue;
    }
    return { status: response.status, body: JSON.parse(text) as T };
  }
}

/** Registers the file's beforeAll/afterAll; call at the top level of a test file. */
export function useChromium(base: string) {
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const events: { eventId: string; apiKey: string }[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    for (const { eventId, apiKey } of events) {
      await fetch(`${base}/api/v1/events/${eventId}/cancel`, { method: "POST", headers: { Authorization: `Bearer ${apiKey}` } });
    }
    await browser?.close();
  });
  return {
    /** A fresh profile, phone-sized unless told otherwise (e.g. `{ viewport, hasTouch: true }`). */
    async freshPage(options: BrowserContextOptions = {}): Promise<Page> {
      const context = await browser.newContext({ viewport: PHONE, ...options });
      // A page load waits for every asset through wrangler dev's proxy, which the system tests' purchase
      // burst shares: on a loaded machine that has exceeded Playwright's 30 s default. Still inside the
      // browser project's 60 s test timeout.
      context.setDefaultNavigationTimeout(55_000);
      contexts.push(context);
      return context.newPage();
    },
    cancelAfterwards(eventId: string, apiKey: string): void {
      events.push({ eventId, apiKey });
    },
  };
}

export interface TierSpec {
  name: string;
  price: number;
  capacity?: number;
  max_per_order?: number;
  seats?: unknown[];
}

export interface EventSpec {
  /** The organizer's name, and the password their account signs in with. */
  organizer?: string;
  password?: string;
  title?: string;
  startsAt?: Date;
  durationHours?: number;
  /** Two general-admission tiers unless told otherwise: Standing (€15, 100) and VIP (€60, 20). */
  tiers?: TierSpec[];
  /** Anything else the event takes (venue, refund_policy, waitlist, …). */
  extra?: Record<string, unknown>;
}

export interface OrganizerEvent {
  eventId: string;
  apiKey: string;
  email: string;
  password: string;
  startsAt: Date;
  /** The tiers' ids by name. */
  tierIds: Record<string, string>;
}

/**
 * A new organizer (with an organization of their own) and a published event of theirs, in Lisbon's
 * time zone a month from now unless told otherwise. `cancelAfterwards` (useChromium's) takes it off
 * the public catalog when the file ends.
 */
export async function organizerWithEvent(base: string, spec: EventSpec = {}, cancelAfterwards?: (eventId: string, apiKey: string) => void): Promise<OrganizerEvent> {
  const email = `${unique("organizer")}@example.test`;
  const password = spec.password ?? "organizer test password";
  const organizer = await postJson<{ api_key: string }>(base, "/api/v1/organizers", { name: spec.organizer ?? "Two Tier Presents", email, password });
  expect(organizer.status, JSON.stringify(organizer.body)).toBe(201);
  const apiKey = organizer.body.api_key;
  const startsAt = spec.startsAt ?? new Date(Date.now() + 30 * 86_400_000);
  const tiers = spec.tiers ?? [
    { name: "Standing", price: 1500, capacity: 100, max_per_order: 4 },
    { name: "VIP", price: 6000, capacity: 20, max_per_order: 2 },
  ];
  const created = await postJson<{ event_id: string; tiers: { tier_id: string; name: string }[] }>(
    base,
    "/api/v1/events",
    {
      title: spec.title ?? `Quay Night ${unique("")}`,
      description: "Music on the quay.",
      category: "music",
      venue: { name: "Quay Hall", city: "Porto", address: "1 Cais da Ribeira" },
      starts_at: startsAt.toISOString(),
      ends_at: new Date(startsAt.getTime() + (spec.durationHours ?? 4) * 3_600_000).toISOString(),
      timezone: "Europe/Lisbon",
      currency: "eur",
      tiers,
      ...spec.extra,
    },
    apiKey,
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const eventId = created.body.event_id;
  const published = await postJson(base, `/api/v1/events/${eventId}/publish`, undefined, apiKey);
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  cancelAfterwards?.(eventId, apiKey);
  return { eventId, apiKey, email, password, startsAt, tierIds: Object.fromEntries(created.body.tiers.map((t) => [t.name, t.tier_id])) };
}

/** Signs in through the organizer's login page, sent on to the event's page, and waits for it. */
export async function signInToEvent(base: string, page: Page, login: { email: string; password: string }, eventId: string): Promise<void> {
  await page.goto(`${base}/organizer/login?next=${encodeURIComponent(`/organizer/event?id=${eventId}`)}`);
  await page.fill("#email", login.email);
  await page.fill("#password", login.password);
  await page.click("#submit");
  await page.waitForURL((url) => url.pathname === "/organizer/event");
}

/** The invitation token in the mail queued for `email` (read from the ledger's outbox). */
export async function mailedInvitationToken(databaseUrl: string, email: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows = await client.query<{ payload: { text: string } }>("SELECT payload FROM outbox WHERE topic = 'mail' AND payload->>'to' = $1", [email]);
    const token = /#token=(ao_invite_[\w-]+)/.exec(rows.rows[0]?.payload.text ?? "")?.[1];
    if (!token) throw new Error(`no invitation mailed to ${email}`);
    return token;
  } finally {
    await client.end();
  }
}

export interface OutboxMail {
  id: string;
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; content_type: string; content_id: string | null }[];
}

/** The mails the dev outbox holds for `to`. */
export async function mailsIn(outbox: string, to: string): Promise<OutboxMail[]> {
  const response = await fetch(`${outbox}/api/emails?to=${encodeURIComponent(to)}`);
  return ((await response.json()) as { data: OutboxMail[] }).data;
}

/** Any method, any headers, JSON both ways; the answer as it came. */
export async function requestJson(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

