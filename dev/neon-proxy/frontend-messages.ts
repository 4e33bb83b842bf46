const PROTOCOL_MAJOR_VERSION = 3;
const TERMINATE = "X".charCodeAt(0);
/** Length word + protocol code: StartupMessage, SSLRequest, GSSENCRequest, CancelRequest. */
const UNTYPED_HEADER_SIZE = 8;
/** Type byte + length word. */
const TYPED_HEADER_SIZE = 5;

/**
 * Follows the client→server half of the PostgreSQL wire protocol just far
 * enough to notice a Terminate message ('X', length 4).
 *
 * Why: real Postgres closes the connection after Terminate, but pglite-socket
 * does not, and node-pg's `Client.end()` waits for that close. So the tunnel
 * closes the backend socket itself once Terminate has been forwarded.
 *
 * Messages may be split across, or packed into, chunks in any way; only the
 * headers are looked at, bodies are skipped by length.
 */
export class FrontendMessageTracker {
  #beforeStartup = true;
  #header = new Uint8Array(UNTYPED_HEADER_SIZE);
  #headerBytes = 0;
  #bodyBytesLeft = 0;
  /** Set after a malformed length: from then on we cannot know where messages start. */
  #lost = false;

  /** Feeds the next chunk; returns the offset just past a Terminate message in it, or -1. */
  findTerminate(chunk: Uint8Array): number {
    let offset = 0;
    while (offset < chunk.length && !this.#lost) {
      if (this.#bodyBytesLeft > 0) {
        const skipped = Math.min(this.#bodyBytesLeft, chunk.length - offset);
        this.#bodyBytesLeft -= skipped;
        offset += skipped;
        continue;
      }

      const headerSize = this.#beforeStartup ? UNTYPED_HEADER_SIZE : TYPED_HEADER_SIZE;
      const taken = Math.min(headerSize - this.#headerBytes, chunk.length - offset);
      this.#header.set(chunk.subarray(offset, offset + taken), this.#headerBytes);
      this.#headerBytes += taken;
      offset += taken;
      if (this.#headerBytes < headerSize) break;
      this.#headerBytes = 0;

      const view = new DataView(this.#header.buffer);
      if (this.#beforeStartup) {
        const length = view.getInt32(0);
        const code = view.getInt32(4);
        if (length < UNTYPED_HEADER_SIZE) this.#lost = true;
        this.#bodyBytesLeft = length - UNTYPED_HEADER_SIZE;
        // SSL/GSS requests come before the StartupMessage and are untyped too;
        // only a StartupMessage (protocol 3.x) switches to typed messages.
        if (code >>> 16 === PROTOCOL_MAJOR_VERSION) this.#beforeStartup = false;
      } else {
        const type = view.getUint8(0);
        const length = view.getInt32(1);
        if (length < 4) this.#lost = true;
        this.#bodyBytesLeft = length - 4;
        if (type === TERMINATE && length === 4) return offset;
      }
    }
    return -1;
  }
}
