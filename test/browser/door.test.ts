/**
 * The door scanner (/scan) in Chromium against the real Worker, with the network really cut
 * (`context.setOffline(true)`): a phone enrolled by its link keeps the offline bundle and picks up a
 * later refund, then on its own admits a valid ticket once, refuses the refunded and a forged one,
 * survives a reload with no network (served by its service worker), and
 * sends its scans when the network is back so the organizer's `checked_in` counts them. Two phones
 * that both admitted one ticket offline end with one admit and one conflict shown to staff. Online,
 * the server decides, undo takes back an admit, and a revoked phone stops scanning. The camera reads a
 * ticket from a fake capture device with the fallback decoder, since desktop Chromium has no BarcodeDetector.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium as playwright, type BrowserContext, type Page } from "playwright-core";
import QRCode from "qrcode";
import { describe, expect, inject, it } from "vitest";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./chromium";
import { organizerWithEvent, PHONE, postJson, unique, useChromium } from "./harness";

const base = inject("browserStack").worker;
const HOUR = 3_600_000;
const chromium = useChromium(base);
const post = <T>(path: string, body: unknown, token?: string) => postJson<T>(base, path, body, token);

async function getJson<T>(path: string, token: string): Promise<T> {
  const response = await fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

/** A published event starting in two hours (doors open six hours before by default: open now). */
async function doorEvent() {
  const { eventId, apiKey, tierIds } = await organizerWithEvent(
    base,
    {
      organizer: "Door Test",
      title: `Door Night ${unique("")}`,
      startsAt: new Date(Date.now() + 2 * HOUR),
      durationHours: 3,
      tiers: [{ name: "GA", price: 1500, capacity: 50, max_per_order: 4 }],
      extra: { description: "A night to test the door.", category: "concert", refund_policy: { schedule: [{ until_hours_before_start: 0, percent: 100 }] } },
    },
    chromium.cancelAfterwards,
  );
  return { eventId, tierId: tierIds.GA!, apiKey };
}

async function buyTicket(eventId: string, tierId: string, name: string) {
  const registered = await post<{ order_id: string; order_token: string }>(`/api/v1/events/${eventId}/register`, {
    tier_id: tierId,
    quantity: 1,
    idempotency_key: crypto.randomUUID(),
    attendee: { name, email: `${unique("guest")}@example.test` },
  });
  expect(registered.status).toBe(201);
  const paid = await post<{ tickets: { ticket_id: string; token: string }[] }>(
    `/api/v1/orders/${registered.body.order_id}/pay`,
    { payment_method: "pm_card_visa" },
    registered.body.order_token,
  );
  expect(paid.status).toBe(200);
  return { ...paid.body.tickets[0]!, orderId: registered.body.order_id, orderToken: registered.body.order_token };
}

async function newDevice(eventId: string, apiKey: string, name: string) {
  const device = await post<{ device_id: string; device_token: string; enroll_url: string }>(`/api/v1/events/${eventId}/devices`, { name }, apiKey);
  expect(device.status).toBe(201);
  expect(device.body.enroll_url).toMatch(/\/scan#device_token=/);
  return device.body;
}

/** A phone that opened its enrolment link and stored the bundle. */
async function enrolledPhone(deviceToken: string): Promise<Page> {
  const page = await chromium.freshPage();
  await page.goto(`${base}/scan#device_token=${encodeURIComponent(deviceToken)}`);
  await page.locator("html[data-offline-ready]").waitFor();
  expect(new URL(page.url()).hash).toBe("");
  await page.locator("input[name=code]:enabled").waitFor();
  return page;
}

/** Submits a code as a hardware scanner does (type, Enter) and returns the scan's verdict element. */
async function scan(page: Page, code: string, seq: number) {
  await page.locator("input[name=code]").fill(code);
  await page.locator("input[name=code]").press("Enter");
  const verdict = page.locator(`[data-verdict][data-seq="${seq}"]`);
  await verdict.waitFor();
  return {
    verdict: await verdict.getAttribute("data-verdict"),
    reason: await verdict.getAttribute("data-reason"),
    offline: (await verdict.getAttribute("data-offline")) === "true",
    text: await verdict.textContent(),
    ms: Number(await page.locator(`[data-verdict][data-seq="${seq}"][data-verdict-ms]`).getAttribute("data-verdict-ms")),
  };
}

function flipSignature(token: string): string {
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const first = signature[0] === "A" ? "B" : "A";
  return `${header}.${payload}.${first}${signature.slice(1)}`;
}

/**
 * A camera that films the ticket's QR code: one Y4M frame (640×480, 4:2:0) that Chromium's fake
 * capture device loops, the code as large as fits with its 4-module quiet zone.
 */
function qrVideo(text: string): Buffer {
  const width = 640;
  const height = 480;
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
  const scale = Math.floor(height / (modules.size + 8));
  const left = Math.floor((width - modules.size * scale) / 2);
  const top = Math.floor((height - modules.size * scale) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let y = 0; y < modules.size * scale; y += 1) {
    for (let x = 0; x < modules.size * scale; x += 1) {
      if (modules.get(Math.floor(y / scale), Math.floor(x / scale))) luma[(top + y) * width + left + x] = 16;
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\nFRAME\n`), luma, chroma]);
}

const stats = (eventId: string, apiKey: string) => getJson<{ checked_in: number }>(`/api/v1/events/${eventId}/stats`, apiKey);

/**
 * Cuts the phone's network, or gives it back. `setOffline` alone is not a cut cable in Chromium: a
 * request from a page its service worker controls that goes through the worker's fetch handler can
 * still reach the server (two full runs saw a check-in recorded while "offline", the second with the
 * API also refused at the context). The scanner's worker now routes `/api/` past itself (static
 * routing, asserted in the first test), so the API calls are plain page requests; the context still refuses them too.
 */
async function network(context: BrowserContext, on: boolean): Promise<void> {
  if (on) await context.unroute(API_ROUTES);
  else await context.route(API_ROUTES, (route) => route.abort("internetdisconnected"));
  await context.setOffline(!on);
}
const API_ROUTES = "**/api/v1/**";

describe("door scanner", () => {
  it("enrols by link, learns of a refund, then with the network cut admits once, refuses the refunded and a forged ticket, reloads, and syncs when back", async () => {
    const { eventId, tierId, apiKey } = await doorEvent();
    const valid = await buyTicket(eventId, tierId, "Vera Valid");
    const refunded = await buyTicket(eventId, tierId, "Rui Refunded");
    const device = await newDevice(eventId, apiKey, "North gate");

    const page = await enrolledPhone(device.device_token);
    expect(await page.locator("#door-gate").textContent()).toBe("Main entrance · North gate");
    expect(await page.locator("html").getAttribute("data-revocations")).toBe("0");
    await page.locator("html[data-sw-ready]").waitFor();

    // Refunded after the phone enrolled, before the network drops: the phone's refresh picks it up.
    expect((await post(`/api/v1/orders/${refunded.orderId}/refund`, {}, refunded.orderToken)).status).toBe(200);
    await page.locator("html[data-revocations='1']").waitFor({ timeout: 30_000 });
    // The refresh went by the service worker's static route straight to the network (not through its
    // fetch handler), so the network cut below applies to the scanner's API calls as to any page's.
    const apiCalls = await page.evaluate(() =>
      performance.getEntriesByType("resource").filter((entry) => entry.name.includes("/api/v1/checkin/")).map((entry) => (entry as PerformanceResourceTiming & { workerMatchedSourceType?: string }).workerMatchedSourceType ?? ""),
    );
    expect(apiCalls.at(-1)).toBe("network");

    await network(page.context(), false);
    const admitted = await scan(page, valid.token, 1);
    expect(admitted).toMatchObject({ verdict: "admit", reason: null, offline: true });
    expect(admitted.text).toContain("Vera Valid");
    expect(admitted.text).toContain("GA");
    expect(Number.isFinite(admitted.ms) && admitted.ms > 0).toBe(true);
    expect(await page.locator("#mode").textContent()).toBe("Offline — scans are checked on this phone and sent when the network is back");
    expect(await page.locator("#admitted-count").textContent()).toBe("1");

    const again = await scan(page, valid.token, 2);
    expect(again).toMatchObject({ verdict: "reject", reason: "already_used", offline: true });
    expect(again.text).toContain("North gate");
    expect(await scan(page, refunded.token, 3)).toMatchObject({ verdict: "reject", reason: "revoked" });
    expect(await scan(page, flipSignature(valid.token), 4)).toMatchObject({ verdict: "reject", reason: "bad_signature" });
    // How fast the verdict paints is measured by `npm run bench:door`, not asserted here (rule 5).
    expect(await page.locator("#queued-count").textContent()).toBe("4");

    // No network, new page load: the service worker serves the page, IndexedDB the bundle and queue.
    const reloaded = await page.reload();
    expect(reloaded?.fromServiceWorker()).toBe(true);
    await page.locator("html[data-offline-ready]").waitFor();
    await page.locator("input[name=code]:enabled").waitFor();
    expect(await page.locator("#queued-count").textContent()).toBe("4");
    expect(await page.locator("#admitted-count").textContent()).toBe("1");
    expect(await scan(page, valid.token, 1)).toMatchObject({ verdict: "reject", reason: "already_used", offline: true });

    expect((await stats(eventId, apiKey)).checked_in).toBe(0);
    await network(page.context(), true);
    await page.locator("#sync-status[data-sent='5']").waitFor({ timeout: 30_000 });
    expect(await page.locator("#sync-status").getAttribute("data-conflicts")).toBe("0");
    expect(await page.locator("#queued-count").textContent()).toBe("0");
    expect(await page.locator("#mode").textContent()).toBe("Online");
    expect((await stats(eventId, apiKey)).checked_in).toBe(1);
    const { devices } = await getJson<{ devices: { device_id: string; scans: number; admitted: number; conflicts: number }[] }>(`/api/v1/events/${eventId}/devices`, apiKey);
    expect(devices.find((d) => d.device_id === device.device_id)).toMatchObject({ scans: 5, admitted: 1, conflicts: 0 });
  });

  it("admits a ticket scanned offline on two phones once, and shows the second phone the conflict", async () => {
    const { eventId, tierId, apiKey } = await doorEvent();
    const ticket = await buyTicket(eventId, tierId, "Dora Double");
    const gateA = await newDevice(eventId, apiKey, "Gate A");
    const gateB = await newDevice(eventId, apiKey, "Gate B");
    const phoneA = await enrolledPhone(gateA.device_token);
    const phoneB = await enrolledPhone(gateB.device_token);

    await network(phoneA.context(), false);
    await network(phoneB.context(), false);
    expect(await scan(phoneA, ticket.token, 1)).toMatchObject({ verdict: "admit", offline: true });
    expect(await scan(phoneB, ticket.token, 1)).toMatchObject({ verdict: "admit", offline: true });

    await network(phoneA.context(), true);
    await phoneA.locator("#sync-status[data-sent='1']").waitFor({ timeout: 30_000 });
    expect(await phoneA.locator("#sync-status").getAttribute("data-conflicts")).toBe("0");
    await network(phoneB.context(), true);
    await phoneB.locator("#sync-status[data-sent='1']").waitFor({ timeout: 30_000 });
    expect(await phoneB.locator("#sync-status").getAttribute("data-conflicts")).toBe("1");
    expect(await phoneB.locator("#conflict-count").textContent()).toBe("1");
    expect(await phoneB.locator("#conflicts li").textContent()).toContain("Dora Double");
    expect(await phoneB.locator("#conflicts li").textContent()).toContain("Gate A");
    expect(await phoneA.locator("#conflicts-box").isHidden()).toBe(true);

    // Kept, not dropped: the conflict is still listed after a reload.
    await phoneB.reload();
    await phoneB.locator("#conflicts li").waitFor();
    expect(await phoneB.locator("#conflict-count").textContent()).toBe("1");

    expect((await stats(eventId, apiKey)).checked_in).toBe(1);
    const { devices } = await getJson<{ devices: { name: string; admitted: number; conflicts: number }[] }>(`/api/v1/events/${eventId}/devices`, apiKey);
    expect(devices.find((d) => d.name === "Gate A")).toMatchObject({ admitted: 1, conflicts: 0 });
    expect(devices.find((d) => d.name === "Gate B")).toMatchObject({ conflicts: 1 });
  });

  it("online: the server decides, undo takes an admit back, and a revoked phone stops scanning", async () => {
    const { eventId, tierId, apiKey } = await doorEvent();
    const ticket = await buyTicket(eventId, tierId, "Otto Online");
    const device = await newDevice(eventId, apiKey, "South gate");
    const page = await enrolledPhone(device.device_token);

    expect(await scan(page, ticket.token, 1)).toMatchObject({ verdict: "admit", offline: false });
    await page.locator("[data-seq='1'] [data-action=undo]").click();
    await page.locator("[data-seq='1'][data-undone]").waitFor();
    expect(await page.locator("#admitted-count").textContent()).toBe("0");
    expect((await stats(eventId, apiKey)).checked_in).toBe(0);

    expect(await scan(page, ticket.token, 2)).toMatchObject({ verdict: "admit", offline: false });
    const again = await scan(page, ticket.token, 3);
    expect(again).toMatchObject({ verdict: "reject", reason: "already_used", offline: false });
    expect(again.text).toContain("South gate");
    expect((await stats(eventId, apiKey)).checked_in).toBe(1);

    // A hardware scanner types into whatever has focus, then Enter: the page takes it as a code.
    await page.locator("[data-seq='3'] [data-action=next]").click();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.type(ticket.token);
    await page.keyboard.press("Enter");
    expect(await page.locator("[data-verdict][data-seq='4']").getAttribute("data-reason")).toBe("already_used");

    const revoke = await fetch(`${base}/api/v1/events/${eventId}/devices/${device.device_id}`, { method: "DELETE", headers: { Authorization: `Bearer ${apiKey}` } });
    expect(revoke.status).toBe(200);
    await page.locator("input[name=code]").fill(ticket.token);
    await page.locator("input[name=code]").press("Enter");
    await page.locator("html[data-device-revoked='true']").waitFor();
    expect(await page.locator("#stopped-title").textContent()).toBe("This scanner was revoked");
    expect(await page.locator("#scanner").isHidden()).toBe(true);
  });

  // Was flaky (passed in one full run, timed out at 60 s in the next) and ran only with DOOR_CAMERA_TEST=1:
  // the fake device loops ONE perfect frame of a fresh ticket, and zxing alone could not read some symbols
  // at all (16 of 200 signed tickets at 4 px a module), so for those every frame failed. The fallback
  // decoder now also tries jsQR and rescaled frames (docs/door.md, test/browser/door-decoder.test.ts).
  it("reads a ticket with the camera (the fallback decoder, where the browser has no BarcodeDetector)", async () => {
    const { eventId, tierId, apiKey } = await doorEvent();
    const ticket = await buyTicket(eventId, tierId, "Cam Camera");
    const device = await newDevice(eventId, apiKey, "Camera gate");
    const dir = await mkdtemp(join(tmpdir(), "door-camera-"));
    const video = join(dir, "ticket.y4m");
    await writeFile(video, qrVideo(ticket.token));
    const browser = await playwright.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        ...CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        `--use-file-for-fake-video-capture=${video}`,
      ],
    });
    try {
      const context = await browser.newContext({ viewport: PHONE, permissions: ["camera"] });
      const page = await context.newPage();
      await page.goto(`${base}/scan#device_token=${encodeURIComponent(device.device_token)}`);
      await page.locator("html[data-offline-ready]").waitFor();
      await page.locator("#camera-toggle").click();
      const verdict = page.locator("[data-verdict][data-seq='1']");
      // The fallback decoder reads frames in the page: on a loaded 2-core machine the first read can take a while.
      await verdict.waitFor({ timeout: 60_000 });
      expect(await verdict.getAttribute("data-verdict")).toBe("admit");
      expect(await verdict.textContent()).toContain("Cam Camera");
      expect(await page.locator("#camera-toggle").textContent()).toBe("Stop camera");
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
