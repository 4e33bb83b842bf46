/**
 * An attendee opens the platform in Chromium: the demo events are listed, the draft is not, a
 * search narrows the list, and an event page shows its tiers.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEMO_EVENTS } from "../../dev/demo-data";
import { launchChromium } from "./chromium";

const base = inject("browserStack").worker;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 390, height: 844 } });
});

afterAll(async () => {
  await browser?.close();
});

const cardTitles = () => page.locator("#events .card h2").allTextContents();

describe("event list page", () => {
  it("shows every published demo event and hides the draft", async () => {
    await page.goto(`${base}/`);
    await page.locator("#events .card").first().waitFor();
    const titles = await cardTitles();
    const published = DEMO_EVENTS.filter((e) => e.status === "published").map((e) => e.title);
    // Other browser tests publish events of their own; the demo ones must all be there.
    expect(titles).toEqual(expect.arrayContaining(published));
    expect(titles).not.toContain("Secret Draft Gala");
  });

  it("searches by a word of the description and keeps the search in the URL", async () => {
    await page.goto(`${base}/`);
    await page.fill("input[name=q]", "pizza");
    await page.click("#filters button[type=submit]");
    await expect.poll(cardTitles).toEqual(["Open Source Meetup: Postgres Internals"]);
    expect(new URL(page.url()).searchParams.get("q")).toBe("pizza");
    await page.reload();
    await expect.poll(cardTitles).toEqual(["Open Source Meetup: Postgres Internals"]);
  });

  it("says so when nothing matches", async () => {
    await page.goto(`${base}/?q=zzzqqqxxx`);
    await expect.poll(() => page.locator("#status").textContent()).toContain("No events match");
  });

  it("opens an event page with its tiers and prices", async () => {
    await page.goto(`${base}/?city=Porto&category=music`);
    await page.locator("#events .card", { hasText: "Riverside Jazz Night" }).click();
    await page.locator("#event:not([hidden])").waitFor();
    expect(await page.locator("#title").textContent()).toBe("Riverside Jazz Night");
    const tiers = await page.locator("#tiers li strong").allTextContents();
    expect(tiers).toEqual(["Stalls", "Balcony"]);
    // Other browser tests buy Stalls seats, so the exact count depends on what ran before.
    expect(await page.locator("#tiers li").first().textContent()).toMatch(/\d+ left/);
  });

  it("explains a broken or unknown event link instead of showing a blank page", async () => {
    await page.goto(`${base}/event?id=00000000-0000-4000-8000-000000000000`);
    await expect.poll(() => page.locator("#status").textContent()).toContain("could not find this event");
  });
});
