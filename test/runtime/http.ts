/**
 * Calling the Worker as a client would: JSON in and out, with an API key or a session cookie.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../workers/index";
import { uniqueName } from "./fixtures";

const background = new Set<Promise<void>>();

/**
 * One request into the Worker's own fetch handler, with the test's bindings (the same app, Durable
 * Objects and Queue, all in workerd), instead of through `SELF`: in vitest-pool-workers 0.15 every
 * `SELF.fetch` makes the next one slower, so a file's later tests crawled (test/runtime/fuzz.test.ts
 * measured 4 ms growing to 1.8 s). As through `SELF`, the answer comes back before the request's
 * background work (`waitUntil`) is done; that work goes on, and `backgroundSettled()` waits for it. A
 * failure in it is logged, as the runtime would, not thrown into whichever test runs then.
 */
export async function fetchWorker(url: string, init: RequestInit = {}): Promise<Response> {
  const context = createExecutionContext();
  try {
    return await worker.fetch!(new Request(url, init) as Parameters<NonNullable<typeof worker.fetch>>[0], env as Env, context);
  } finally {
    const settled = waitOnExecutionContext(context).catch((error: unknown) => console.warn(`background work of ${init.method ?? "GET"} ${url} failed: ${String(error)}`));
    background.add(settled);
    void settled.finally(() => background.delete(settled));
  }
}

/** Waits until the background work (`waitUntil`) of every request made so far has finished. */
export async function backgroundSettled(): Promise<void> {
  while (background.size > 0) await Promise.all([...background]);
}

export interface Caller {
  apiKey?: string;
  cookie?: string;
  csrf?: string;
}

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(method: string, path: string, body?: unknown, caller: Caller = {}, extraHeaders: Record<string, string> = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...extraHeaders };
  if (body !== undefined) headers["Content-Type"] ??= "application/json";
  if (caller.apiKey) headers.Authorization = `Bearer ${caller.apiKey}`;
  if (caller.cookie) headers.Cookie = caller.cookie;
  if (caller.csrf) headers["X-CSRF-Token"] = caller.csrf;
  const response = await fetchWorker(`http://127.0.0.1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T, headers: response.headers };
}

/** A new organizer with an API key and a signed-in session. */
export async function signUp(): Promise<{ organizerId: string; email: string; password: string; key: Caller; session: Caller }> {
  const email = `${uniqueName("organizer")}@example.test`;
  const password = "a long enough password";
  const created = await call("POST", "/api/v1/organizers", { name: "Org", email, password });
  if (created.status !== 201) throw new Error(`sign-up failed: ${JSON.stringify(created.body)}`);
  const cookie = created.headers.get("Set-Cookie")!.split(";")[0]!;
  return { organizerId: created.body.organizer_id, email, password, key: { apiKey: created.body.api_key }, session: { cookie, csrf: created.body.csrf_token } };
}

const DAY = 86_400_000;

export function eventBody(overrides: Record<string, unknown> = {}) {
  const startsAt = new Date(Date.now() + 30 * DAY);
  return {
    title: "Organizer test event",
    description: "An event made through the API",
    category: "Conference",
    venue: { name: "Main Hall", city: uniqueName("City"), address: "1 Main Street" },
    starts_at: startsAt.toISOString(),
    ends_at: new Date(startsAt.getTime() + 8 * 3_600_000).toISOString(),
    timezone: "Europe/Lisbon",
    currency: "eur",
    refund_policy: { schedule: [{ until_hours_before_start: 168, percent: 50 }, { until_hours_before_start: 720, percent: 100 }] },
    tiers: [
      { name: "General", price: 2500, capacity: 100 },
      {
        name: "Reserved",
        price: 4000,
        max_per_order: 4,
        seats: [
          { label: "A1", section: "Stalls", row: "A", number: 1, x: 0, y: 0, accessible: true },
          { label: "A2", section: "Stalls", row: "A", number: 2, x: 30, y: 0 },
          { label: "A3", section: "Stalls", row: "A", number: 3, x: 60, y: 0 },
        ],
      },
    ],
    ...overrides,
  };
}
