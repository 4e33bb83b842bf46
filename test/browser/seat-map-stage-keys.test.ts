/**
 * The seat-map editor's stage on the keyboard, and taken away again, in Chromium at 390×844 and
 * 1280×800 against the real Worker: the organizer puts the stage at the bottom, tabs from the map to
 * the stage (outlined while it has the focus), moves it with the arrow keys one grid step (the seats'
 * spacing) at a time and resizes it with shift, each step said in the editor's live region; saving
 * stores exactly that rectangle. "Remove stage" then saves the map with none (the API answers
 * `stage: null`), and after a reload the editor shows it as not set.
 * UX_SCREENSHOTS=1 writes the pictures docs/ux.md shows.
 */
import { mkdir } from "node:fs/promises";
import { describe, expect, inject, it } from "vitest";
import { typicalSpacing, type Seat } from "../../web/scripts/seat-map.lib";
import { stageBeside } from "../../web/scripts/seat-map-stage.lib";
import { organizerWithEvent, requestJson, signInToEvent, useChromium } from "./harness";

const base = inject("browserStack").worker;
const chromium = useChromium(base);
const shots = process.env.UX_SCREENSHOTS === "1";

/** Rows A–C of 8 seats, 30 apart. */
const seats: Seat[] = ["A", "B", "C"].flatMap((row, r) =>
  Array.from({ length: 8 }, (_, i) => ({ label: `${row}${i + 1}`, section: "Stalls", row, number: i + 1, x: i * 30, y: r * 30, accessible: false })),
);

async function savedStage(eventId: string, apiKey: string): Promise<unknown> {
  const event = await requestJson(base, "GET", `/api/v1/events/${eventId}`, undefined, { Authorization: `Bearer ${apiKey}` });
  expect(event.status).toBe(200);
  return (event.body as { tiers: { stage: unknown }[] }).tiers[0]!.stage;
}

describe.each([
  { size: "phone", viewport: { width: 390, height: 844 } },
  { size: "desktop", viewport: { width: 1280, height: 800 } },
])("the stage by keyboard at $size size", ({ size, viewport }) => {
  it("arrow keys move it a grid step, shift and arrows resize it, and that is saved; Remove stage saves none", async () => {
    const hall = await organizerWithEvent(base, { tiers: [{ name: "Stalls", price: 3000, seats, max_per_order: 6 }] }, chromium.cancelAfterwards);
    const page = await chromium.freshPage({ viewport });
    await signInToEvent(base, page, hall, hall.eventId);
    const card = page.locator(".tier-card").nth(0);
    const map = card.locator("svg.seatmap");
    await expect.poll(() => map.locator("g.seat").count()).toBe(24);
    const tool = card.locator(".stage-tool");
    const said = card.locator(".seatmap-message");
    // Not set yet: nothing to remove.
    expect(await tool.getByRole("button", { name: "Remove stage" }).isHidden()).toBe(true);
    await tool.getByRole("button", { name: "Bottom" }).click();
    const bottom = stageBeside(seats, "bottom");
    const step = Math.round(typicalSpacing(seats));
    expect(step).toBe(30);

    // From the map, Tab reaches the stage: named for what its keys do, and outlined while it has the focus.
    await map.focus();
    await page.keyboard.press("Tab");
    const stage = map.getByRole("button", { name: "Stage: the arrow keys move it, shift and the arrow keys resize it" });
    await expect.poll(() => stage.evaluate((el) => el === document.activeElement && el.matches(":focus-visible"))).toBe(true);
    expect(await stage.locator("rect.stage").evaluate((el) => getComputedStyle(el).strokeWidth)).toBe("3px");

    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    await expect.poll(() => said.textContent()).toBe(`Stage moved right to ${bottom.x + 2 * step}, ${bottom.y}.`);
    await page.keyboard.press("ArrowDown");
    await expect.poll(() => said.textContent()).toBe(`Stage moved down to ${bottom.x + 2 * step}, ${bottom.y + step}.`);
    await page.keyboard.press("Shift+ArrowRight");
    await page.keyboard.press("Shift+ArrowDown");
    await expect.poll(() => said.textContent()).toBe(`Stage resized to ${bottom.width + step} × ${bottom.height + step}.`);
    expect(await said.getAttribute("aria-live")).toBe("polite");
    // The keys went to the stage, not to the page (no scroll) or the seats (none moved), and it keeps the focus.
    expect(await stage.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await map.locator('g.seat[data-label="A1"]').getAttribute("transform")).toBe("translate(0 0)");
    expect(await tool.locator(".stage-where").textContent()).toContain("At the bottom.");
    if (shots) {
      await mkdir("docs/ux", { recursive: true });
      await card.locator(".seatmap-editor").evaluate((el) => el.scrollIntoView({ block: "start" }));
      await page.screenshot({ path: `docs/ux/seat-map-stage-keys-${size}.png` });
    }

    await page.click("#save");
    const moved = { x: bottom.x + 2 * step, y: bottom.y + step, width: bottom.width + step, height: bottom.height + step, label: "Stage" };
    await expect.poll(() => savedStage(hall.eventId, hall.apiKey)).toEqual(moved);
    await expect.poll(() => page.locator("#dirty").textContent()).toBe("All changes saved");

    // Taken away: saved as none, and after a reload the editor has none to remove.
    await tool.getByRole("button", { name: "Remove stage" }).click();
    await expect.poll(() => said.textContent()).toBe("Stage removed: attendees see it above the front row until you place it again.");
    expect(await tool.getByRole("button", { name: "Top" }).evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await tool.locator(".stage-where").textContent()).toContain("Not set");
    await page.click("#save");
    await expect.poll(() => savedStage(hall.eventId, hall.apiKey)).toBeNull();
    await expect.poll(() => page.locator("#dirty").textContent()).toBe("All changes saved");
    await page.reload();
    await expect.poll(() => map.locator("g.seat").count()).toBe(24);
    expect(await tool.locator(".stage-where").textContent()).toContain("Not set");
    expect(await tool.getByRole("button", { name: "Remove stage" }).isHidden()).toBe(true);
    expect(await tool.getByLabel("Stage name").inputValue()).toBe("Stage");
  });
});
