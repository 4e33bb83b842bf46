/**
 * What the Stripe emulator's test files share: one emulator per file (faults cleared after each
 * test), a client on a fresh account, Stripe's fixture shapes, a webhook receiver, polling.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, expect } from "vitest";
import { type StripeEmulator, type StripeEmulatorOptions, startStripeEmulator } from "../../dev/stripe-emulator";

// Stripe's own object shapes (from stripe-mock's fixtures, copied from ../shared/reference).
const FIXTURES_PATH = new URL("./fixtures/stripe-fixtures.json", import.meta.url);
export const FIXTURES = (JSON.parse(readFileSync(FIXTURES_PATH, "utf8")) as { resources: Record<string, unknown> }).resources;

/** The file's emulator, started by useEmulator() (a live binding: read it inside tests). */
export let emulator: StripeEmulator;

/** Registers the file's emulator; call at the top level of a test file. */
export function useEmulator(): void {
  beforeAll(async () => {
    emulator = await startStripeEmulator({ host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await emulator.stop();
  });
  afterEach(() => {
    emulator.faults.clear();
  });
}

/** A client on a fresh account (its own secret key), so tests never see each other's objects. */
export function client(on: StripeEmulator = emulator, config: Stripe.StripeConfig = {}, key = `sk_test_${randomUUID().replace(/-/g, "")}`) {
  return new Stripe(key, { host: "127.0.0.1", port: on.port, protocol: "http", maxNetworkRetries: 2, ...config });
}

export const CARD_ONLY = { payment_method_types: ["card"] } as const;

export async function until<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 5_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function failure(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await promise;
  } catch (error) {
    return error as Stripe.errors.StripeError;
  }
  throw new Error("expected the request to fail");
}

/**
 * Every key of Stripe's fixture is present with the same type, and no key is
 * invented. Nested objects are compared too, unless one side is null (a
 * nullable field) or the object is a free-form hash (metadata, or empty in the fixture).
 */
export function expectStripeShape(actual: unknown, fixture: unknown, path = "$"): void {
  if (fixture === null || actual === null || Array.isArray(fixture) || path.endsWith(".metadata")) return;
  if (typeof fixture !== "object") {
    expect(typeof actual, path).toBe(typeof fixture);
    return;
  }
  expect(typeof actual, path).toBe("object");
  const fixtureKeys = Object.keys(fixture as object);
  if (fixtureKeys.length === 0) return;
  expect(Object.keys(actual as object).sort(), path).toEqual(fixtureKeys.sort());
  for (const key of fixtureKeys) {
    expectStripeShape((actual as Record<string, unknown>)[key], (fixture as Record<string, unknown>)[key], `${path}.${key}`);
  }
}

export interface Receiver {
  url: string;
  received: { body: string; signature: string }[];
  close(): Promise<void>;
}

/** A webhook endpoint that answers `statusFor(n)` to its n-th request (1-based). */
export async function startReceiver(statusFor: (call: number) => number = () => 200): Promise<Receiver> {
  const received: Receiver["received"] = [];
  let calls = 0;
  const server: Server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    calls += 1;
    const status = statusFor(calls);
    if (status >= 200 && status < 300) received.push({ body, signature: String(req.headers["stripe-signature"]) });
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/stripe`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export async function withEmulator(options: StripeEmulatorOptions, run: (emulator: StripeEmulator) => Promise<void>) {
  const instance = await startStripeEmulator({ host: "127.0.0.1", port: 0, ...options });
  try {
    await run(instance);
  } finally {
    await instance.stop();
  }
}
