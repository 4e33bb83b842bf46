/**
 * What the browser tests that build their own events share: one Chromium per file, a fresh phone-sized
 * context per page, JSON calls to the worker, and cancelling the test's events afterwards so the
 * public catalog is left as it was found.
 */
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
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
      contexts.push(context);
      return context.newPage();
    },
    cancelAfterwards(eventId: string, apiKey: string): void {
      events.push({ eventId, apiKey });
    },
  };
}
