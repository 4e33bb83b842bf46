import { createServer } from "node:net";

// Linux hands out outgoing (ephemeral) ports from 32768 upwards, so choosing
// below that keeps us from racing every other process's client sockets.
const LOWEST = 16_384;
const HIGHEST = 32_767;
const ATTEMPTS = 50;

/**
 * Picks a random port below 32768 that is free on 127.0.0.1 right now.
 * Another process can still take it before the caller binds, so callers
 * must be ready to retry.
 */
export async function pickFreePort(host = "127.0.0.1"): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (HIGHEST - LOWEST + 1));
    if (await canBind(host, port)) return port;
  }
  throw new Error(`no free port found between ${LOWEST} and ${HIGHEST} after ${ATTEMPTS} attempts`);
}

function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
