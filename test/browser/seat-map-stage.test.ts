/**
 * Where the stage is (issue #14 item 4), in Chromium at 1280×800 and 390×844 against the real
 * Worker: the organizer puts the Stalls stage at the bottom of its seat map in the editor, names it
 * (and, with a mouse, widens it by its corner and drags it lower) and saves; the attendee's picker draws it below every seat, inside the fitted (and zoomed) map,
 * with its name in the legend, and the seats' accessible names are as before. The Balcony map,
 * saved without a stage, still shows it above the front row.
 * UX_SCREENSHOTS=1 writes the pictures docs/ux.md shows.
 */
import { mkdir } from "node:fs/promises";
import type { Locator, Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { stageBeside } from "../../web/scripts/seat-map-stage.lib";
import { postJson, unique, useChromium } from "./harness";

const base = inject("browserStack").worker;
const chromium = useChromium(base);
const PASSWORD = "stage setter password";
const HOUR = 3_600_000;
const shots = process.env.UX_SCREENSHOTS === "1";

type Box = { x: number; y: number; width: number; height: number };
type TierView = { tier_id: string; name: string; stage?: { x: number; y: number; width: number; height: number; label: string } | null };

const grid = (prefix: string, section: string, rows: string[], perRow: number) =>
  rows.flatMap((row, r) => Array.from({ length: perRow }, (_, i) => ({ label: `${prefix}${row}${i + 1}`, section, row, number: i + 1, x: i * 30, y: r * 30, accessible: false })));

/** A draft with two seated tiers and no stage on either: Stalls (rows A–C of 8) and Balcony (rows A–B of 6). */
async function draftHall(): Promise<{ email: string; apiKey: string; eventId: string }> {
  const email = `${unique("stage")}@example.test`;
  const organizer = await postJson<{ api_key: string }>(base, "/api/v1/organizers", { name: "Stage Setters", email, password: PASSWORD });
  expect(organizer.status).toBe(201);
  const apiKey = organizer.body.api_key;
  const startsAt = new Date(Date.now() + 72 * HOUR);
  const created = await postJson<{ event_id: string }>(
    base,
    "/api/v1/events",
    {
      title: `Stage Night ${unique("")}`,
      description: "Where is the stage?",
      category: "theatre",
      venue: { name: "Round Hall", city: "Porto", address: "2 Rua das Flores" },
      starts_at: startsAt.toISOString(),
      ends_at: new Date(startsAt.getTime() + 2 * HOUR).toISOString(),
      timezone: "Europe/Lisbon",
      currency: "eur",
      tiers: [
        { name: "Stalls", price: 3000, seats: grid("", "Stalls", ["A", "B", "C"], 8), max_per_order: 6 },
        { name: "Balcony", price: 2000, seats: grid("BA-", "Balcony", ["A", "B"], 6), max_per_order: 6 },
      ],
    },
    apiKey,
  );
  expect(created.status).toBe(201);
  chromium.cancelAfterwards(created.body.event_id, apiKey);
  return { email, apiKey, eventId: created.body.event_id };
}

async function eventAs(apiKey: string, eventId: string): Promise<{ tiers: TierView[] }> {
  const response = await fetch(`${base}/api/v1/events/${eventId}`, { headers: { Authorization: `Bearer ${apiKey}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as { tiers: TierView[] };
}

async function boxes(locator: Locator): Promise<Box[]> {
  return locator.evaluateAll((elements) =>
    elements.map((el) => {
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    }),
  );
}

async function onlyBox(locator: Locator): Promise<Box> {
  const [box, ...more] = await boxes(locator);
  expect(more).toEqual([]);
  return box!;
}

/** Every seat's dot lies wholly above (side "above") or below the stage. */
async function expectStage(map: Locator, side: "above" | "below"): Promise<void> {
  const stage = await onlyBox(map.locator(".stage"));
  const dots = await boxes(map.locator("g.seat .dot"));
  expect(dots.length).toBeGreaterThan(0);
  for (const dot of dots) {
    if (side === "below") expect(stage.y).toBeGreaterThanOrEqual(dot.y + dot.height);
    else expect(stage.y + stage.height).toBeLessThanOrEqual(dot.y);
  }
}

/** The stage is inside the drawn map: the fitted view (and the zoomed one) includes it. */
async function expectInsideMap(map: Locator): Promise<void> {
  const svg = await onlyBox(map);
  const stage = await onlyBox(map.locator(".stage"));
  expect(stage.x).toBeGreaterThanOrEqual(svg.x - 0.5);
  expect(stage.y).toBeGreaterThanOrEqual(svg.y - 0.5);
  expect(stage.x + stage.width).toBeLessThanOrEqual(svg.x + svg.width + 0.5);
  expect(stage.y + stage.height).toBeLessThanOrEqual(svg.y + svg.height + 0.5);
}

async function shoot(page: Page, target: Locator, name: string): Promise<void> {
  if (!shots) return;
  await mkdir("docs/ux", { recursive: true });
  // The map and what is under it at the top of the screen, clear of the sticky bar at the bottom.
  await target.evaluate((el) => {
    el.scrollIntoView({ block: "start" });
    window.scrollBy(0, -12);
  });
  await page.screenshot({ path: `docs/ux/${name}.png` });
}

describe.each([
  { size: "phone", viewport: { width: 390, height: 844 }, touch: true },
  { size: "desktop", viewport: { width: 1280, height: 800 }, touch: false },
])("the stage at $size size", ({ size, viewport, touch }) => {
  it("the organizer puts the stage at the bottom; the attendee's map draws it below every seat; a map without one keeps it on top", async () => {
    const hall = await draftHall();
    const path = `/organizer/event?id=${hall.eventId}`;
    const organizer = await chromium.freshPage({ viewport });
    await organizer.goto(`${base}/organizer/login?next=${encodeURIComponent(path)}`);
    await organizer.fill("#email", hall.email);
    await organizer.fill("#password", PASSWORD);
    await organizer.click("#submit");
    await organizer.waitForURL((url) => url.pathname === "/organizer/event");
    const stalls = organizer.locator(".tier-card").nth(0);
    const editorMap = stalls.locator("svg.seatmap");
    await expect.poll(() => editorMap.locator("g.seat").count()).toBe(24);

    // Not set: the editor shows it where attendees see it today, above the front row.
    const tool = stalls.locator(".stage-tool");
    expect(await tool.locator(".stage-where").textContent()).toContain("Not set");
    expect(await tool.getByRole("button", { name: "Top" }).getAttribute("aria-pressed")).toBe("true");
    await expectStage(editorMap, "above");

    await tool.getByRole("button", { name: "Bottom" }).click();
    await tool.getByLabel("Stage name").fill("Main stage");
    await tool.getByLabel("Stage name").press("Enter");
    expect(await tool.getByRole("button", { name: "Bottom" }).getAttribute("aria-pressed")).toBe("true");
    await expect.poll(() => editorMap.locator(".stage-label").textContent()).toBe("MAIN STAGE");
    await expectStage(editorMap, "below");
    await expectInsideMap(editorMap);
    await shoot(organizer, stalls.locator(".seatmap-editor"), `seat-map-stage-editor-${size}`);
    if (!touch) {
      // With a mouse: drag the stage's corner to widen it, then the stage itself a little lower.
      const stageToSeats = async () => {
        const stage = await onlyBox(editorMap.locator(".stage"));
        const dots = await boxes(editorMap.locator("g.seat .dot"));
        return stage.width / (Math.max(...dots.map((d) => d.x + d.width)) - Math.min(...dots.map((d) => d.x)));
      };
      const before = await stageToSeats();
      const corner = await onlyBox(editorMap.locator(".stage-handle"));
      await organizer.mouse.move(corner.x + corner.width / 2, corner.y + corner.height / 2);
      await organizer.mouse.down();
      await organizer.mouse.move(corner.x + corner.width / 2 + 60, corner.y + corner.height / 2, { steps: 5 });
      await organizer.mouse.up();
      await expect.poll(stageToSeats).toBeGreaterThan(before);
      await expect.poll(() => tool.locator(".stage-where").textContent()).toContain("At the bottom. Drag");
      const widened = await onlyBox(editorMap.locator(".stage"));
      await organizer.mouse.move(widened.x + widened.width / 3, widened.y + widened.height / 2);
      await organizer.mouse.down();
      await organizer.mouse.move(widened.x + widened.width / 3, widened.y + widened.height / 2 + 20, { steps: 5 });
      await organizer.mouse.up();
      await expectStage(editorMap, "below");
    }

    await organizer.click("#save");
    await expect.poll(() => organizer.locator("#dirty").textContent()).toBe("All changes saved");
    const saved = await eventAs(hall.apiKey, hall.eventId);
    const [stallsTier, balconyTier] = saved.tiers;
    const bottom = stageBeside(grid("", "Stalls", ["A", "B", "C"], 8), "bottom", "Main stage");
    expect(bottom.y).toBeGreaterThan(60); // below row C (y = 60)
    if (touch) {
      expect(stallsTier!.stage).toEqual(bottom);
    } else {
      // Widened by its corner and dragged lower, still called Main stage.
      expect(stallsTier!.stage!.label).toBe("Main stage");
      expect(stallsTier!.stage!.width).toBeGreaterThan(bottom.width);
      expect(stallsTier!.stage!.y).toBeGreaterThan(bottom.y);
    }
    expect(balconyTier!.stage).toBeNull();

    expect((await postJson(base, `/api/v1/events/${hall.eventId}/publish`, undefined, hall.apiKey)).status).toBe(200);
    const attendee = await chromium.freshPage({ viewport, hasTouch: touch, isMobile: touch });
    await attendee.goto(`${base}/event?id=${hall.eventId}`);
    const stallsChoice = attendee.locator(".tier", { hasText: "Stalls" });
    await stallsChoice.locator("input[type=radio]").check();
    const picker = stallsChoice.locator("svg.seatmap.picker");
    await picker.locator('g.seat[data-label="C8"]').waitFor();
    await expectStage(picker, "below");
    await expectInsideMap(picker);
    expect(await picker.getAttribute("data-stage-side")).toBe("bottom");
    expect(await picker.locator(".stage-label").textContent()).toBe("MAIN STAGE");
    expect(await stallsChoice.locator(".picker-legend > span:not([hidden])").allTextContents()).toEqual(["Available", "Your seats", "On hold", "Sold", "Main stage"]);
    expect(await picker.locator('g.seat[data-label="A1"]').getAttribute("aria-label")).toBe("Seat A1, Stalls, available");
    // Said for those who cannot see the drawing (the map's decor and legend are hidden from them).
    expect(await stallsChoice.locator(".stage-note").textContent()).toBe("Main stage: below the seats.");
    const scroller = stallsChoice.locator(".seat-picker-map");
    expect(await scroller.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    await shoot(attendee, stallsChoice.locator(".seat-picker"), `seat-map-stage-picker-${size}`);

    // Zoomed in, the stage is still part of the map (scrolled to, not cut away).
    await stallsChoice.getByRole("button", { name: "Zoom in" }).click();
    await expectInsideMap(picker);
    await expectStage(picker, "below");

    // Balcony was saved without a stage: drawn above its front row, as before, and called Stage.
    const balconyChoice = attendee.locator(".tier", { hasText: "Balcony" });
    await balconyChoice.locator("input[type=radio]").check();
    const balcony = balconyChoice.locator("svg.seatmap.picker");
    await balcony.locator('g.seat[data-label="BA-B6"]').waitFor();
    await expectStage(balcony, "above");
    await expectInsideMap(balcony);
    expect(await balcony.locator(".stage-label").textContent()).toBe("STAGE");
    expect(await balconyChoice.locator(".stage-note").textContent()).toBe("Stage: above the seats.");
    expect(await balconyChoice.locator(".picker-legend > span:not([hidden])").allTextContents()).toEqual(["Available", "Your seats", "On hold", "Sold", "Stage"]);
  });
});
