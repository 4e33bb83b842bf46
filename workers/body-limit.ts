/**
 * Request bodies up to a size. Replaces hono's bodyLimit, which answers 413 as soon as a chunked
 * body passes the limit and leaves the rest of it unread: under `wrangler dev` the next POST then
 * got 503 "Your worker restarted mid-request" (cancelling the rest did the same, and the client
 * saw its upload reset instead of the 413). So the rest is read and dropped before the answer —
 * up to a bound, past which the connection is cut: nobody needs a polite 413 for 64 MB of junk.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";

const MAX_DRAINED_BYTES = 64 * 1024 * 1024;
/**
 * A body declared this small is left to the route as it came: its length is all it can be (HTTP's
 * framing ends it there), and one a route never reads is drained by the runtime's HTTP server
 * before the connection's next request (KJ reads up to 64 KiB of an unread upload). Every join,
 * register and pay takes this path, without the read loop and the copied Request below, which a
 * waiting-room join profile put at ~7 % of the Worker's thread.
 */
const PASS_THROUGH_BYTES = 60 * 1024;

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let drained = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      drained += value.byteLength;
      if (drained > MAX_DRAINED_BYTES) {
        await reader.cancel();
        return;
      }
    }
  } catch {
    // The client went away: nothing left to drain.
  }
}

export function limitBody(maxSize: number, tooLarge: () => Error) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const declared = c.req.raw.headers.has("transfer-encoding") ? null : c.req.raw.headers.get("content-length");
    const bodyless = c.req.method === "GET" || c.req.method === "HEAD";
    if (!bodyless && declared !== null && /^\d{1,6}$/.test(declared) && Number(declared) <= Math.min(maxSize, PASS_THROUGH_BYTES)) return next();
    const reader = body.getReader();
    if (bodyless) {
      // No route reads one, and a Request with GET cannot carry one: dropped, like any unread rest.
      await drain(reader);
      c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers: c.req.raw.headers });
      return next();
    }
    if (declared !== null && Number(declared) > maxSize) {
      await drain(reader);
      throw tooLarge();
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxSize) {
        await drain(reader);
        throw tooLarge();
      }
      chunks.push(value);
    }
    const whole = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      whole.set(chunk, offset);
      offset += chunk.byteLength;
    }
    c.req.raw = new Request(c.req.raw, { body: whole });
    return next();
  });
}
