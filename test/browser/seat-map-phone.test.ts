/**
 * The seat map on a phone (390×844) and a desktop (1280×800), issue #14 item 4: the whole hall is
 * shown fitted, with the stage above the front row, section and row names and a legend; every seat
 * of a 14-seat row can be tapped with a target of at least 44 px once zoomed; a finger on a map too
 * small to tap zooms in instead of choosing; best available shows and lists its seats before
 * anything is held, asks for no details until then, and holding takes exactly those seats.
 * UX_SCREENSHOTS=1 writes the pictures docs/ux.md shows.
 */
import { mkdir } from "node:fs/promises";
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { organizerWithEvent, unique, useChromium } from "./harness";

const base = inject("browserStack").worker;
const chromium = useChromium(base);
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const HOUR = 3_600_000;
const TOUCH_TARGET = 44;
const shots = process.env.UX_SCREENSHOTS === "1";

/** Stalls: rows A–C of 14 seats, 30 units apart; A1 and A14 wheelchair accessible. */
async function hallEvent(): Promise<{ eventId: string; tierId: string }> {
  const seats = ["A", "B", "C"].flatMap((row, r) =>
    Array.from({ length: 14 }, (_, i) => ({ label: `${row}${i + 1}`, section: "Stalls", row, number: i + 1, x: i * 30, y: r * 30, accessible: row === "A" && (i === 0 || i === 13) })),
  );
  const { eventId, tierIds } = await organizerWithEvent(
    base,
    {
      organizer: "Seat Map Hall",
      title: `Seat Map Night ${unique("")}`,
      startsAt: new Date(Date.now() + 48 * HOUR),
      durationHours: 2,
      tiers: [{ name: "Stalls", price: 2000, seats, max_per_order: 14 }],
      extra: { description: "Fourteen seats a row.", category: "concert", refund_policy: { schedule: [{ until_hours_before_start: 0, percent: 100 }] } },
    },
    chromium.cancelAfterwards,
  );
  return { eventId, tierId: tierIds.Stalls! };
}

const seat = (page: Page, label: string) => page.locator(`svg.seatmap.picker g.seat[data-label="${label}"]`);

async function openHall(viewport: { width: number; height: number }, touch: boolean) {
  const hall = await hallEvent();
  const page = await chromium.freshPage({ viewport, hasTouch: touch, isMobile: touch });
  await page.goto(`${base}/event?id=${hall.eventId}`);
  await page.locator(".tier", { hasText: "Stalls" }).locator("input[type=radio]").check();
  await seat(page, "A14").waitFor();
  return { ...hall, page };
}

async function shoot(page: Page, name: string): Promise<void> {
  if (!shots) return;
  await mkdir("docs/ux", { recursive: true });
  await page.locator(".seat-picker").scrollIntoViewIfNeeded();
  await page.screenshot({ path: `docs/ux/${name}.png` });
}

describe.each([
  { size: "phone", viewport: PHONE, touch: true },
  { size: "desktop", viewport: DESKTOP, touch: false },
])("the seat map at $size size", ({ size, viewport, touch }) => {
  it("fits the hall with the stage above the front row, names and a legend, and every seat of a 14-seat row is a 44 px target once zoomed", async () => {
    const { page, eventId, tierId } = await openHall(viewport, touch);
    const map = page.locator(".seat-picker-map");
    // Fitted: nothing of the row is cut off.
    expect(await map.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    const stage = (await page.locator("svg.seatmap.picker .stage").boundingBox())!;
    const front = (await seat(page, "A7").locator(".dot").boundingBox())!;
    expect(stage.y + stage.height).toBeLessThan(front.y);
    expect(await page.locator("svg.seatmap.picker .section-label").allTextContents()).toEqual(["Stalls"]);
    expect(await page.locator("svg.seatmap.picker .row-label").allTextContents()).toEqual(["A", "B", "C"]);
    expect(await page.locator(".picker-legend > span:not([hidden])").allTextContents()).toEqual(["Available", "Your seats", "On hold", "Sold", "Wheelchair accessible", "Stage"]);
    await shoot(page, `seat-map-${size}`);
    // The way back to lost tickets is on every event page.
    expect(await page.locator("footer").getByRole("link", { name: "Lost your tickets? Get your ticket links again" }).getAttribute("href")).toBe("/tickets");

    if (touch) {
      // Too small to aim at: the first touch zooms in where it landed and chooses nothing.
      expect(await page.locator("svg.seatmap.picker").getAttribute("data-comfortable")).toBe("false");
      await seat(page, "A7").tap();
      expect(await page.locator("svg.seatmap.picker").getAttribute("data-comfortable")).toBe("true");
      expect(await seat(page, "A7").getAttribute("aria-checked")).toBe("false");
    }
    while ((await page.locator("svg.seatmap.picker").getAttribute("data-comfortable")) !== "true") {
      await page.getByRole("button", { name: "Zoom in" }).click();
    }
    for (let n = 1; n <= 14; n++) {
      const target = seat(page, `A${n}`);
      // As a thumb would: pan the map (and the page) until the seat is in the middle of the screen.
      await target.evaluate((el) => el.scrollIntoView({ block: "center", inline: "center" }));
      const box = (await target.locator(".hit").boundingBox())!;
      expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(TOUCH_TARGET);
      // The target is on screen and nothing covers it: what is at its centre is that seat.
      const hitLabel = await page.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.closest("g.seat")?.getAttribute("data-label"), [box.x + box.width / 2, box.y + box.height / 2]);
      expect(hitLabel).toBe(`A${n}`);
      if (touch) await target.tap();
      else await target.click();
      expect(await target.getAttribute("aria-checked")).toBe("true");
    }
    expect(await page.locator("#summary-line").textContent()).toBe(`14 × Stalls · ${Array.from({ length: 14 }, (_, i) => `A${i + 1}`).join(", ")}`);
    await shoot(page, `seat-map-zoomed-${size}`);
    // Choosing held nothing.
    const seats = await (await fetch(`${base}/api/v1/events/${eventId}/tiers/${tierId}/seats`)).json() as { seats: { label: string; status: string }[] };
    expect(seats.seats.filter((s) => s.status !== "available")).toEqual([]);
  });

  it("shows and lists best available's seats before holding, asks for details only then, and holds exactly those seats", async () => {
    const { page, eventId, tierId } = await openHall(viewport, touch);
    const stalls = page.locator(".tier", { hasText: "Stalls" });
    await stalls.locator("select").selectOption("3");
    await stalls.getByRole("button", { name: "Find best seats" }).click();
    const proposal = page.locator(".best-proposal");
    await proposal.waitFor();
    const chosen = await page.locator('svg.seatmap.picker g.seat[aria-checked="true"]').evaluateAll((groups) => groups.map((g) => g.getAttribute("data-label")));
    expect(chosen).toHaveLength(3);
    expect(chosen.every((label) => /^A\d+$/.test(label!))).toBe(true);
    const listed = /Best available now: (.+)\. They are shown/.exec((await proposal.locator(".best-seats").textContent())!)![1]!;
    expect(listed).toBe(`${chosen[0]}, ${chosen[1]} and ${chosen[2]}`);
    // Nothing asked of the attendee yet, and nothing held.
    expect(await page.locator(".field-error").count()).toBe(0);
    const before = await (await fetch(`${base}/api/v1/events/${eventId}/tiers/${tierId}/seats`)).json() as { seats: { label: string; status: string }[] };
    expect(before.seats.filter((s) => s.status !== "available")).toEqual([]);
    await shoot(page, `seat-best-${size}`);

    await proposal.getByRole("button", { name: "Hold these 3 seats" }).click();
    expect(await page.locator(".field-error").count()).toBeGreaterThan(0);
    await page.fill("#attendee-name", "Bea Best");
    await page.fill("#attendee-email", "bea.best@example.test");
    await proposal.getByRole("button", { name: "Hold these 3 seats" }).click();
    await page.waitForURL(/\/checkout\?order=/);
    await expect.poll(() => page.locator("#summary-seats").textContent()).toBe(listed);
    const after = await (await fetch(`${base}/api/v1/events/${eventId}/tiers/${tierId}/seats`)).json() as { seats: { label: string; status: string }[] };
    expect(after.seats.filter((s) => s.status === "held").map((s) => s.label).sort()).toEqual([...chosen].sort());
  });
});
