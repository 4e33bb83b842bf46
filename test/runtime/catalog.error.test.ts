/**
 * Malformed requests to the catalog and unknown routes: always a 4xx with a stable code, the field
 * at fault named, a request id, and nothing of the server's insides.
 */
import { describe, expect, it } from "vitest";
import { fetchWorker } from "./http";

interface ErrorBody {
  error: { code: string; message: string; request_id: string };
  details?: { field: string; message: string }[];
}

async function get(path: string) {
  const response = await fetchWorker(`http://admit.test${path}`);
  return { status: response.status, body: (await response.json()) as ErrorBody, requestId: response.headers.get("X-Request-Id") };
}

describe("catalog input validation", () => {
  const cases: [string, string][] = [
    ["/api/v1/events?limit=0", "limit"],
    ["/api/v1/events?limit=1000", "limit"],
    ["/api/v1/events?limit=ten", "limit"],
    ["/api/v1/events?from=yesterday", "from"],
    ["/api/v1/events?to=2026-13-45", "to"],
    ["/api/v1/events?from=2027-02-01&to=2027-01-01", "to"],
    ["/api/v1/events?cursor=not-a-cursor", "cursor"],
    [`/api/v1/events?cursor=${btoa(JSON.stringify(["2027-01-01T00:00:00.000Z", "x"]))}`, "cursor"],
    [`/api/v1/events?q=${"a".repeat(201)}`, "q"],
    ["/api/v1/events?sort=price", "sort"],
    ["/api/v1/events?from=2027-01-01T00:00:00", "from"],
    [`/api/v1/events?city=${"x".repeat(101)}`, "city"],
    ["/api/v1/events?limit=1&limit=2", "limit"],
    [`/api/v1/events/${crypto.randomUUID()}?promo_code=${"A".repeat(201)}`, "promo_code"],
    [`/api/v1/events/${crypto.randomUUID()}?promo_code=A&promo_code=B`, "promo_code"],
  ];

  it.each(cases)("%s → 400 VALIDATION_FAILED naming %s", async (path, field) => {
    const { status, body, requestId } = await get(path);
    expect(status).toBe(400);
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.request_id).toBe(requestId);
    expect(body.error.message).toContain(field);
    expect(body.details?.map((d) => d.field)).toContain(field);
  });

  it("answers unknown routes with a JSON 404, not an HTML page", async () => {
    for (const [method, path] of [["GET", "/api/v1/nope"], ["POST", "/api/v2/events"], ["DELETE", "/api/v1/events/a/b/c/d"]] as const) {
      const response = await fetchWorker(`http://admit.test${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(((await response.json()) as ErrorBody).error.code).toBe("NOT_FOUND");
    }
  });

  it("answers a known path asked with a method it does not take with 405 and the methods it does take", async () => {
    const cases = [
      ["DELETE", "/api/v1/events", "GET, HEAD, POST"],
      ["PUT", `/api/v1/events/${crypto.randomUUID()}`, "GET, HEAD, PATCH"],
      ["GET", `/api/v1/orders/${crypto.randomUUID()}/pay`, "POST"],
      ["POST", `/api/v1/events/${crypto.randomUUID()}/keys`, "GET, HEAD"],
      ["PATCH", "/api/v1/stripe/webhook", "POST"],
    ] as const;
    for (const [method, path, allow] of cases) {
      const response = await fetchWorker(`http://admit.test${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get("Allow"), `${method} ${path}`).toBe(allow);
      expect(((await response.json()) as ErrorBody).error.code).toBe("METHOD_NOT_ALLOWED");
    }
  });

  it.each([
    ["/api/v1/events?to=0000-01-01", "to"],
    ["/api/v1/events?from=1999-12-31", "from"],
    ["/api/v1/events?to=2201-01-01T00:00:00Z", "to"],
    [`/api/v1/events/${crypto.randomUUID()}/revocations?since=0000-01-01T00:00:00Z`, "since"],
    ["/api/v1/events?cursor=" + btoa(JSON.stringify(["0000-01-01T00:00:00.000Z", crypto.randomUUID()])).replace(/=+$/, ""), "cursor"],
  ])("bounds dates to the years 2000–2200: %s → 400 naming %s", async (path, field) => {
    const response = await fetchWorker(`http://admit.test${path}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody & { details: { field: string }[] };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.details.map((d) => d.field)).toContain(field);
  });

  it.each([
    ["/api/v1/events?q=a%00b", "q"],
    ["/api/v1/events?city=%ED%A0%80", "city"],
    ["/api/v1/events?q=%F0%9F%8E%AB&category=x%00", "category"],
    ["/api/v1/events/%00", "path"],
    [`/api/v1/events/${crypto.randomUUID()}/keys%00`, "path"],
    ["/api/v1/waitlist/offers/abc%00def", "path"],
  ])("refuses NUL and broken UTF-8 in query strings and paths before any route: %s → 400 naming %s", async (path, field) => {
    const response = await fetchWorker(`http://admit.test${path}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody & { details: { field: string }[] };
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.details).toEqual([{ field, message: expect.any(String) }]);
  });

  it("keeps SQL-looking search text as plain words", async () => {
    const response = await fetchWorker(`http://admit.test/api/v1/events?q=${encodeURIComponent("'; DROP TABLE events; --")}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { events: unknown[] }).events).toEqual([]);
  });
});
