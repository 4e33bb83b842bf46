/**
 * Malformed requests to the catalog and unknown routes: always a 4xx with a stable code, the field
 * at fault named, a request id, and nothing of the server's insides.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

interface ErrorBody {
  error: { code: string; message: string; request_id: string };
  details?: { field: string; message: string }[];
}

async function get(path: string) {
  const response = await SELF.fetch(`http://admit.test${path}`);
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
  ];

  it.each(cases)("%s → 400 VALIDATION_FAILED naming %s", async (path, field) => {
    const { status, body, requestId } = await get(path);
    expect(status).toBe(400);
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.request_id).toBe(requestId);
    expect(body.error.message).toContain(field);
    expect(body.details?.map((d) => d.field)).toContain(field);
  });

  it("answers unknown routes and methods with a JSON 404, not an HTML page", async () => {
    for (const [method, path] of [["GET", "/api/v1/nope"], ["DELETE", "/api/v1/events"], ["POST", "/api/v2/events"]] as const) {
      const response = await SELF.fetch(`http://admit.test${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(((await response.json()) as ErrorBody).error.code).toBe("NOT_FOUND");
    }
  });

  it("keeps SQL-looking search text as plain words", async () => {
    const response = await SELF.fetch(`http://admit.test/api/v1/events?q=${encodeURIComponent("'; DROP TABLE events; --")}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { events: unknown[] }).events).toEqual([]);
  });
});
