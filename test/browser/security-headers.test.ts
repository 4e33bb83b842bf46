/**
 * The static pages carry their security headers (web/pages/_headers: static assets are served before
 * the Worker, so hono's secureHeaders never sees them) and work under that policy in Chromium: no
 * Content-Security-Policy violation while the catalog, an event, the organizer's pages and the
 * scanner load; the organizer's same-origin WebSocket and Stripe.js stay allowed; only /scan may use
 * the camera.
 */
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { postJson, unique, useChromium } from "./harness";

const base = inject("browserStack").worker;
const chromium = useChromium(base);

/** Records every CSP violation the page reports, from its first script on. */
async function watchedPage(): Promise<{ page: Page; violations: string[] }> {
  const page = await chromium.freshPage();
  const violations: string[] = [];
  await page.exposeFunction("__cspViolation", (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      (window as unknown as { __cspViolation(t: string): void }).__cspViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return { page, violations };
}

describe("static pages", () => {
  it("carry CSP with frame-ancestors 'none' and the other security headers", async () => {
    for (const path of ["/", "/event", "/organizer/", "/scan", "/checkout"]) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      const csp = response.headers.get("Content-Security-Policy") ?? "";
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("default-src 'self'");
      expect(response.headers.get("X-Frame-Options"), path).toBe("DENY");
      expect(response.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
      expect(response.headers.get("Referrer-Policy"), path).toBe("strict-origin-when-cross-origin");
      const permissions = response.headers.get("Permissions-Policy") ?? "";
      expect(permissions, path).toContain(path === "/scan" ? "camera=(self)" : "camera=()");
      expect(permissions.match(/camera=/g), path).toHaveLength(1);
    }
  });

  it("load without a CSP violation: catalog, an event, the organizer's pages and the scanner", async () => {
    const { page, violations } = await watchedPage();
    await page.goto(`${base}/`);
    await page.locator("#events .card").first().waitFor();
    await page.locator("#events .card").first().click();
    await page.locator("#event:not([hidden])").waitFor();

    // The organizer signs up in this browser; the dashboard and an event's page load under the policy.
    const signUp = await page.request.post(`${base}/api/v1/organizers`, {
      data: { name: "CSP", email: `${unique("csp-")}@example.test`, password: "a long enough password" },
    });
    expect(signUp.status()).toBe(201);
    await page.goto(`${base}/organizer/`);
    await page.waitForLoadState("networkidle");

    await page.goto(`${base}/scan`);
    await page.waitForLoadState("networkidle");
    expect(violations).toEqual([]);
  });

  it("allow the same-origin WebSocket and Stripe.js, and block anyone else's script", async () => {
    const { page, violations } = await watchedPage();
    await page.route("https://js.stripe.com/**", (route) => route.fulfill({ contentType: "text/javascript", body: "window.__stripeLoaded = true;" }));
    await page.route("https://elsewhere.test/**", (route) => route.fulfill({ contentType: "text/javascript", body: "window.__elsewhere = true;" }));
    await page.goto(`${base}/`);
    await page.waitForLoadState("networkidle");
    const outcome = await page.evaluate(async () => {
      const load = (src: string) =>
        new Promise<boolean>((resolve) => {
          const script = document.createElement("script");
          script.src = src;
          script.onload = () => resolve(true);
          script.onerror = () => resolve(false);
          document.head.append(script);
        });
      const socket = await new Promise<string>((resolve) => {
        try {
          // Refused by the Worker (no such event), but the browser must be allowed to try.
          const ws = new WebSocket(`${location.origin.replace(/^http/, "ws")}/api/v1/events/00000000-0000-4000-8000-000000000000/live`);
          ws.onerror = () => resolve("tried");
          ws.onopen = () => resolve("open");
        } catch (error) {
          resolve(`blocked: ${String(error)}`);
        }
      });
      return { stripe: await load("https://js.stripe.com/v3/"), elsewhere: await load("https://elsewhere.test/x.js"), socket };
    });
    expect(outcome).toEqual({ stripe: true, elsewhere: false, socket: "tried" });
    expect(violations.filter((v) => !v.includes("elsewhere.test"))).toEqual([]);
    expect(violations.some((v) => v.includes("elsewhere.test"))).toBe(true);
  });
});
