/**
 * The oversell test with real concurrency: 2,000 registrations from Node over HTTP against
 * `wrangler dev` for a 500-unit tier, 64 in flight at any moment (the benchmark's concurrency), then every winner pays.
 * (With hundreds of connections open at once the local workerd under `wrangler dev` starts
 * resetting them on this 2-core machine — a limit of the local server, not of the claim.) TierInventory (through the
 * organizer's stats), Postgres and the charges must agree: 500 held, 500 sold, never more.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const { worker, databaseUrl } = inject("browserStack");
const db = new pg.Client({ connectionString: databaseUrl });

async function callOnce(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${worker}${path}`, {
    method,
    headers: { ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  try {
    return { status: response.status, text, body: JSON.parse(text) as any };
  } catch {
    // Not our API's answer (e.g. the local runtime's own error page): keep it visible in the failure.
    return { status: response.status, text, body: { error: { code: `NON_JSON: ${text.slice(0, 120)}` } } as any };
  }
}

/**
 * wrangler dev's own answer when its proxy loses the workerd request it was forwarding (issue #12
 * item 10: local tooling, not the Worker). Only this 503 is retried and counted apart; every other
 * 5xx is returned as is and fails the test.
 */
const LOCAL_TOOLING_503 = "Your worker restarted mid-request";
const seen = { toolingRestarts: 0, droppedConnections: 0, otherServerErrors: [] as string[] };

/**
 * Like a real client: a dropped connection or wrangler dev's restart 503 is retried with the same
 * body (the same idempotency key), so a retry can never buy twice; both are counted and reported.
 */
async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await callOnce(method, path, body, headers);
      const toolingRestart = answer.status === 503 && answer.text.includes(LOCAL_TOOLING_503);
      if (!toolingRestart || attempt === 5) {
        if (answer.status >= 500) seen.otherServerErrors.push(`${method} ${path} → ${answer.status} ${answer.text.slice(0, 200)}`);
        return answer;
      }
      seen.toolingRestarts++;
    } catch (error) {
      if (attempt === 5) throw error;
      seen.droppedConnections++;
    }
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
}

async function inBatches<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  }));
  return results;
}

let apiKey = "";
let eventId = "";
let tierId = "";

beforeAll(async () => {
  await db.connect();
  const organizer = await call("POST", "/api/v1/organizers", { name: "Burst", email: `burst-${crypto.randomUUID()}@example.test`, password: "burst burst burst" });
  apiKey = organizer.body.api_key;
  const startsAt = Date.now() + 20 * 86_400_000;
  const created = await call(
    "POST",
    "/api/v1/events",
    {
      title: "Burst test",
      category: "test",
      venue: { name: "Arena", city: `Burstville-${crypto.randomUUID().slice(0, 6)}` },
      starts_at: new Date(startsAt).toISOString(),
      ends_at: new Date(startsAt + 3_600_000).toISOString(),
      timezone: "UTC",
      currency: "EUR",
      tiers: [{ name: "GA", price: 1500, capacity: 500, max_per_order: 1 }],
    },
    { Authorization: `Bearer ${apiKey}` },
  );
  eventId = created.body.event_id;
  tierId = created.body.tiers[0].tier_id;
  await call("POST", `/api/v1/events/${eventId}/publish`, undefined, { Authorization: `Bearer ${apiKey}` });
});

afterAll(async () => {
  // The next test file shares this wrangler dev and its one local Queue consumer: let the ~500
  // confirmation mails this burst queued go out first, so that file's own mail or webhook is not
  // waiting behind them. A wait, not a check: it gives up quietly after five minutes.
  const confirmedWithoutMail = async () =>
    Number(
      (
        await db.query<{ n: string }>(
          "SELECT count(*) AS n FROM orders o WHERE o.event_id = $1 AND o.status = 'confirmed' AND NOT EXISTS (SELECT 1 FROM sent_mail m WHERE m.dedupe_key = 'order-confirmed:' || o.id::text)",
          [eventId],
        )
      ).rows[0]!.n,
    );
  for (let waited = 0; waited < 300_000 && eventId && (await confirmedWithoutMail()) > 0; waited += 2_000) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
  await db.end();
}, 320_000);

describe("2,000 buyers, 500 tickets, 64 at a time", () => {
  it("holds exactly 500, sells exactly 500, and answers everyone else SOLD_OUT", async () => {
    const answers = await inBatches(
      Array.from({ length: 2000 }, (_, i) => i),
      64,
      (i) =>
        call("POST", `/api/v1/events/${eventId}/register`, {
          tier_id: tierId,
          quantity: 1,
          idempotency_key: `burst-${i}-${crypto.randomUUID()}`,
          attendee: { email: `buyer-${i}-${crypto.randomUUID().slice(0, 6)}@example.test`, name: `Buyer ${i}` },
        }),
    );
    expect(seen.otherServerErrors, "a 5xx other than wrangler dev's restart 503 is a bug").toEqual([]);
    const won = answers.filter((a) => a.status === 201);
    const statuses = new Map<string, number>();
    for (const a of answers) statuses.set(`${a.status} ${a.body.error?.code ?? ""}`, (statuses.get(`${a.status} ${a.body.error?.code ?? ""}`) ?? 0) + 1);
    expect(Object.fromEntries(statuses)).toEqual({ "201 ": 500, "409 SOLD_OUT": 1500 });

    const stats = async () => (await call("GET", `/api/v1/events/${eventId}/stats`, undefined, { Authorization: `Bearer ${apiKey}` })).body.tiers[0];
    expect(await stats()).toMatchObject({ capacity: 500, held: 500, sold: 0, available: 0 });
    const pending = await db.query("SELECT count(*)::int AS n FROM orders WHERE tier_id = $1 AND status = 'pending'", [tierId]);
    expect(pending.rows[0].n).toBe(500);

    const paid = await inBatches(won, 32, (a) =>
      call("POST", `/api/v1/orders/${a.body.order_id}/pay`, { payment_method: "pm_card_visa" }, { Authorization: `Bearer ${a.body.order_token}` }),
    );
    expect(seen.otherServerErrors, "a 5xx other than wrangler dev's restart 503 is a bug").toEqual([]);
    expect(paid.filter((p) => p.status === 200 && p.body.status === "confirmed")).toHaveLength(500);

    expect(await stats()).toMatchObject({ held: 0, sold: 500, available: 0, revenue: 500 * 1500 });
    const ledger = await db.query(
      `SELECT t.sold_count,
              (SELECT count(*)::int FROM tickets WHERE tier_id = t.id AND status = 'valid') AS tickets,
              (SELECT count(DISTINCT p.provider_payment_id)::int FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.tier_id = t.id AND p.status = 'succeeded') AS charges
       FROM ticket_tiers t WHERE t.id = $1`,
      [tierId],
    );
    expect(ledger.rows[0]).toEqual({ sold_count: 500, tickets: 500, charges: 500 });
    console.log(
      `purchase burst: ${seen.toolingRestarts} wrangler dev restart 503s and ${seen.droppedConnections} dropped connections retried (local tooling); ${seen.otherServerErrors.length} other 5xx`,
    );
    expect(seen.otherServerErrors, "a 5xx other than wrangler dev's restart 503 is a bug").toEqual([]);
  }, 600_000);
});
