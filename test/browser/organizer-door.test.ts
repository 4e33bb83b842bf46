/**
 * The door on the organizer's event page, in Chromium against the real Worker: the organizer adds a
 * scanner device and sees it listed with the QR code of its enrolment link (the very link, drawn
 * large enough for a phone camera) and a working copy button; adds a check-in list that admits one
 * tier only and binds a second device to it; then revokes the first device, which the page marks
 * revoked and the API reports revoked, with no link left to enrol with.
 */
import QRCode from "qrcode";
import { describe, expect, inject, it } from "vitest";
import { organizerWithEvent, signInToEvent, useChromium } from "./harness";

/** The answers this test reads (the page's own types come through hc, which this Node program does not compile). */
interface Device {
  device_id: string;
  name: string;
  checkin_list_name: string;
  revoked_at: string | null;
  scans: number;
  enroll_url?: string;
  device_token?: string;
}
interface CheckinList {
  checkin_list_id: string;
  name: string;
  tier_ids: string[] | null;
  main: boolean;
  checked_in: number;
}

const base = inject("browserStack").worker;
const PASSWORD = "door keeper password";
const chromium = useChromium(base);

async function getAs<T>(apiKey: string, path: string): Promise<{ status: number; body: T; text: string }> {
  const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${apiKey}` } });
  const text = await response.text();
  return { status: response.status, body: (text.startsWith("{") ? JSON.parse(text) : undefined) as T, text };
}

/** A published event by a new organizer with two tiers, Standing and VIP, a month from now. */
async function publishedEvent() {
  const event = await organizerWithEvent(base, { organizer: "Door Keepers", password: PASSWORD }, chromium.cancelAfterwards);
  return { ...event, standingId: event.tierIds.Standing!, vipId: event.tierIds.VIP! };
}

describe("the door on the organizer's event page", () => {
  it("adds a device with its enrolment QR and link, a list for one tier, and revokes the device", async () => {
    const { eventId, apiKey, email, vipId } = await publishedEvent();
    const page = await chromium.freshPage();
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    await signInToEvent(base, page, { email, password: PASSWORD }, eventId);
    const failed: string[] = [];
    page.on("response", (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    await page.locator("#door:not([hidden])").waitFor();

    // Attendance and the attendee report, whose CSV carries the check-in time.
    await expect.poll(() => page.locator("#door-checked-in").textContent()).toBe("0");
    expect(await page.locator("#door-checked-in-of").textContent()).toBe("of 0 tickets sold checked in");
    const csvHref = await page.locator("#door-attendees-csv").getAttribute("href");
    expect(csvHref).toBe(`/api/v1/events/${eventId}/reports/attendees.csv`);
    expect((await getAs(apiKey, csvHref!)).text.split(/\r?\n/)[0]).toContain("checked_in_at");

    // Every event starts with its main entrance, admitting every tier.
    const lists = page.locator("#checkin-lists .checkin-list-row");
    await expect.poll(() => lists.count()).toBe(1);
    expect(await lists.first().textContent()).toContain("Main entrance");
    expect(await lists.first().locator(".list-tiers").textContent()).toBe("All tiers");

    // A device, with no list chosen: the main entrance.
    await page.fill("#device-name", "Front door phone");
    await page.locator("#new-device").getByRole("button", { name: "Add device" }).click();
    const front = page.locator("#devices .device-row", { hasText: "Front door phone" });
    await front.waitFor();
    expect(await page.locator("#door-status .notice.success").textContent()).toContain("Added “Front door phone”");
    const listed = await getAs<{ devices: Device[] }>(apiKey, `/api/v1/events/${eventId}/devices`);
    const frontDevice = listed.body.devices.find((d) => d.name === "Front door phone")!;
    expect(frontDevice).toMatchObject({ revoked_at: null, scans: 0, checkin_list_name: "Main entrance" });
    expect(frontDevice.enroll_url).toMatch(/\/scan#device_token=/);
    expect(await front.getAttribute("data-device-id")).toBe(frontDevice.device_id);
    expect(await front.locator(".device-list").textContent()).toBe("Scans for Main entrance");
    expect(await front.locator(".device-seen").textContent()).toBe("Not used yet");
    expect(await front.locator(".device-counts").textContent()).toBe("0 scans · 0 admitted · 0 rejected · 0 conflicts");

    // The link, and a QR that encodes exactly it, drawn at 4 CSS px a module or more.
    expect(await front.locator("a.device-link").getAttribute("href")).toBe(frontDevice.enroll_url);
    const qr = front.locator(".device-qr svg");
    expect(await qr.count()).toBe(1);
    const expected = await QRCode.toString(frontDevice.enroll_url!, { type: "svg", errorCorrectionLevel: "M", margin: 4 });
    const expectedPath = /<path[^>]*stroke="#000000"[^>]*d="([^"]+)"/.exec(expected)![1];
    expect(await qr.locator("path[stroke]").getAttribute("d")).toBe(expectedPath);
    const modules = Number(/viewBox="0 0 (\d+)/.exec(expected)![1]);
    const box = (await qr.boundingBox())!;
    expect(box.width / modules).toBeGreaterThanOrEqual(4);

    await front.getByRole("button", { name: "Copy link" }).click();
    await expect.poll(() => front.locator("[role=status]").textContent()).toBe("Copied.");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(frontDevice.enroll_url);

    // A list for the VIP tier only.
    await page.fill("#list-name", "VIP gate");
    await page.locator("#list-tiers").getByLabel("VIP").check();
    await page.locator("#new-list").getByRole("button", { name: "Add list" }).click();
    const vipRow = page.locator("#checkin-lists .checkin-list-row", { hasText: "VIP gate" });
    await vipRow.waitFor();
    expect(await vipRow.locator(".list-tiers").textContent()).toBe("VIP");
    expect(await vipRow.locator(".list-count").textContent()).toBe("0 checked in");
    const { body: listBody } = await getAs<{ checkin_lists: CheckinList[] }>(apiKey, `/api/v1/events/${eventId}/checkin-lists`);
    const vipList = listBody.checkin_lists.find((l) => l.name === "VIP gate")!;
    expect(vipList).toMatchObject({ tier_ids: [vipId], main: false, checked_in: 0 });

    // A second device scanning for the VIP gate.
    await page.fill("#device-name", "VIP phone");
    await page.selectOption("#device-list", vipList.checkin_list_id);
    await page.locator("#new-device").getByRole("button", { name: "Add device" }).click();
    const vipPhone = page.locator("#devices .device-row", { hasText: "VIP phone" });
    await vipPhone.waitFor();
    expect(await vipPhone.locator(".device-list").textContent()).toBe("Scans for VIP gate");

    // Revoking asks first; backing out changes nothing.
    await front.getByRole("button", { name: "Revoke" }).click();
    await page.locator("dialog.confirm").getByRole("button", { name: "Keep it" }).click();
    expect(await front.locator(".device-qr svg").count()).toBe(1);
    await front.getByRole("button", { name: "Revoke" }).click();
    await page.locator("dialog.confirm").getByRole("button", { name: "Revoke device" }).click();
    await page.locator("#devices .device-row.revoked", { hasText: "Front door phone" }).waitFor();
    expect(await front.locator(".device-revoked").textContent()).toMatch(/^Revoked /);
    expect(await front.locator(".device-qr").count()).toBe(0);
    expect(await front.getByRole("button", { name: "Revoke" }).count()).toBe(0);
    expect(await vipPhone.locator(".device-qr svg").count()).toBe(1);

    const after = await getAs<{ devices: Device[] }>(apiKey, `/api/v1/events/${eventId}/devices`);
    const revoked = after.body.devices.find((d) => d.device_id === frontDevice.device_id)!;
    expect(revoked.revoked_at).toEqual(expect.any(String));
    expect(revoked.enroll_url).toBeUndefined();
    expect(revoked.device_token).toBeUndefined();
    expect(after.body.devices.find((d) => d.name === "VIP phone")).toMatchObject({ revoked_at: null, checkin_list_id: vipList.checkin_list_id });
    expect(failed).toEqual([]);
  });
});
