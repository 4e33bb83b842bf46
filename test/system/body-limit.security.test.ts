/**
 * A chunked body past the size limit, over real HTTP against `wrangler dev`: it is refused with 413
 * PAYLOAD_TOO_LARGE, and the requests after it — on new connections and from other clients — are
 * answered by the Worker as usual (hono's bodyLimit left the rest unread, and the next POST got
 * 503 "Your worker restarted mid-request").
 */
import { describe, expect, inject, it } from "vitest";

const { worker } = inject("browserStack");
const LIMIT = 1024 * 1024;

/** A body with no Content-Length: Node's fetch sends a stream chunked. */
function chunkedBody(bytes: number, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      const size = Math.min(chunk, bytes - sent);
      controller.enqueue(new TextEncoder().encode(" ".repeat(size)));
      sent += size;
    },
  });
}

async function post(path: string, body: BodyInit, headers: Record<string, string> = {}) {
  const response = await fetch(`${worker}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body,
    duplex: "half",
  } as RequestInit);
  const text = await response.text();
  return { status: response.status, text };
}

const signUp = () =>
  post("/api/v1/organizers", JSON.stringify({ name: "Limit", email: `limit-${crypto.randomUUID()}@example.test`, password: "a long enough password" }));

describe("a body over the limit", () => {
  it("is refused with 413 and leaves the Worker answering the next POSTs", async () => {
    for (let round = 0; round < 3; round++) {
      const tooBig = await post("/api/v1/organizers", chunkedBody(LIMIT * 2));
      expect(tooBig.status).toBe(413);
      expect(JSON.parse(tooBig.text).error.code).toBe("PAYLOAD_TOO_LARGE");

      const next = await Promise.all([signUp(), signUp()]);
      for (const answer of next) expect(answer, answer.text.slice(0, 200)).toMatchObject({ status: 201 });
    }
  });

  it("declared by Content-Length is refused too, and a chunked body under the limit is read whole", async () => {
    const declared = await post("/api/v1/organizers", "x".repeat(LIMIT + 1));
    expect(declared.status).toBe(413);

    const json = JSON.stringify({ name: "Chunked", email: `chunked-${crypto.randomUUID()}@example.test`, password: "a long enough password" });
    const bytes = new TextEncoder().encode(json);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 7) controller.enqueue(bytes.slice(i, i + 7));
        controller.close();
      },
    });
    const chunked = await post("/api/v1/organizers", stream);
    expect(chunked.status, chunked.text).toBe(201);
    expect((await signUp()).status).toBe(201);
  });

  it("a small body no route reads (it is passed through unread) leaves the connections answering", async () => {
    // 405s and 404s answer without reading the body; fetch keeps its connections for the requests after.
    for (const bytes of [0, 1, 1024, 59 * 1024, 61 * 1024, 200 * 1024]) {
      const unread = await post("/healthz", "x".repeat(bytes));
      expect(unread.status, `${bytes} bytes: ${unread.text.slice(0, 200)}`).toBe(405);
      const missing = await post("/api/v1/no-such-route", "y".repeat(bytes));
      expect(missing.status, `${bytes} bytes: ${missing.text.slice(0, 200)}`).toBe(404);
      const next = await Promise.all([signUp(), fetch(`${worker}/healthz`).then(async (r) => ({ status: r.status, text: await r.text() }))]);
      expect(next.map((a) => a.status), next.map((a) => a.text.slice(0, 200)).join(" | ")).toEqual([201, 200]);
    }
  });
});
