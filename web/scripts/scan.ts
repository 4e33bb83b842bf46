/**
 * The door scanner (/scan). `/scan#device_token=…` enrols this phone: the token is kept in IndexedDB
 * and taken out of the address bar, the offline bundle is fetched and stored, and the page's root
 * element gets `data-offline-ready`. From then on a code (camera, hardware scanner typing into the
 * code field, or typed by hand) gets a verdict from the server when it answers within 1.5 s, and from
 * this phone otherwise (scan-door.lib.ts); offline scans are sent when the network is back
 * (scan-sync.lib.ts).
 */
import { DeviceRefused, fetchBundle, Unreachable } from "./scan-api.lib";
import { CameraScanner } from "./scan-camera.lib";
import { Door } from "./scan-door.lib";
import { signal, unlockSound } from "./scan-feedback.lib";
import { ScannerStore } from "./scan-store.lib";
import { DoorSync } from "./scan-sync.lib";
import type { DoorBundle } from "./scan-verdict.lib";
import { clearVerdict, settleVerdict, showConflicts, showCounts, showDoor, showMode, showNotice, showStopped, showSync, showUndone, showVerdict } from "./scan-view.lib";

const ENROL_RETRY_MS = 5_000;
const SETTLE_ADMIT_MS = 2_500;
const SETTLE_REJECT_MS = 5_000;

const root = document.documentElement;
const form = document.getElementById("code-form") as HTMLFormElement;
const input = form.elements.namedItem("code") as HTMLInputElement;
const checkButton = document.getElementById("check") as HTMLButtonElement;

let door: Door | undefined;
let seq = 0;
let settleTimer: ReturnType<typeof setTimeout> | undefined;
let undoTimer: ReturnType<typeof setInterval> | undefined;

/** The token from an enrolment link, removed from the address bar so it is not bookmarked or shared. */
function takeTokenFromLink(): string | undefined {
  const token = new URLSearchParams(location.hash.slice(1)).get("device_token")?.trim();
  if (location.hash) history.replaceState(null, "", `${location.pathname}${location.search}`);
  return token || undefined;
}

function stopFor(error: DeviceRefused): void {
  root.dataset.deviceRevoked = error.code === "DEVICE_REVOKED" ? "true" : "false";
  camera?.stop();
  if (error.code === "DEVICE_REVOKED") showStopped("This scanner was revoked", "The organizer removed this phone from the door. Scanning is stopped: ask the organizer for a new scanner link.");
  else showStopped("This scanner link is not valid", `${error.message} Ask the organizer for the scanner link or QR code of this event.`);
}

/** The bundle this phone needs before it can scan; fetched again and again until the network allows. */
async function loadBundle(store: ScannerStore, token: string, enrolling: boolean) {
  const stored = enrolling ? undefined : await store.bundle(token);
  if (stored) return stored;
  for (;;) {
    try {
      const askedAt = Date.now();
      const bundle = await fetchBundle(token);
      const offset = Date.parse(bundle.server_time) - (askedAt + Date.now()) / 2;
      const fresh = { bundle, clockOffsetMs: Number.isFinite(offset) ? offset : 0 };
      await store.saveBundle(token, fresh);
      showNotice("");
      return fresh;
    } catch (error) {
      if (error instanceof DeviceRefused) throw error;
      showNotice(error instanceof Unreachable ? "Connect to the network once to load this event's tickets; scanning then works offline." : `Could not load the event: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, ENROL_RETRY_MS));
    }
  }
}

async function check(code: string): Promise<void> {
  if (!door || door.stopped || !code.trim()) return;
  const startedAt = performance.now();
  let outcome;
  try {
    outcome = await door.scan(code);
  } catch (error) {
    if (!(error instanceof DeviceRefused)) showNotice(`That scan failed: ${(error as Error).message}`);
    return;
  }
  const element = showVerdict({ verdict: outcome.verdict, nonce: outcome.nonce, offline: outcome.offline, seq: ++seq }, door.bundle);
  signal(outcome.verdict.valid);
  afterPaint(() => {
    element.dataset.verdictMs = (performance.now() - startedAt).toFixed(1);
    void outcome.persist().catch((error: unknown) => showNotice(`This phone could not save the scan: ${(error as Error).message}`));
  });
  clearTimeout(settleTimer);
  settleTimer = setTimeout(() => settleVerdict(element), outcome.verdict.valid ? SETTLE_ADMIT_MS : SETTLE_REJECT_MS);
  if (outcome.verdict.valid) offerUndo(element, outcome.nonce);
}

/** Runs after the frame that shows the change has been painted. */
function afterPaint(run: () => void): void {
  if (document.visibilityState !== "visible") return run();
  requestAnimationFrame(() => setTimeout(run, 0));
}

function offerUndo(element: HTMLElement, nonce: string): void {
  clearInterval(undoTimer);
  const button = element.querySelector<HTMLButtonElement>("[data-action=undo]");
  if (!button || !door) return;
  const current = door;
  const tick = () => {
    const left = current.undoable(nonce);
    if (left <= 0) {
      clearInterval(undoTimer);
      button.remove();
    } else button.textContent = `Undo · ${Math.ceil(left / 1000)} s`;
  };
  tick();
  undoTimer = setInterval(tick, 250);
  button.addEventListener("click", async () => {
    button.disabled = true;
    const result = await current.undo(nonce);
    clearInterval(undoTimer);
    if (result.ok) showUndone(element);
    else {
      button.remove();
      showNotice(result.message);
    }
    input.focus();
  });
}

// A hardware scanner is a keyboard: whatever has focus, its characters belong in the code field.
document.addEventListener("keydown", (event) => {
  unlockSound();
  if (event.target === input || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key.length === 1 || (event.key === "Enter" && input.value)) input.focus();
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const code = input.value;
  input.value = "";
  input.focus();
  void check(code);
});

document.getElementById("verdict")!.addEventListener("click", (event) => {
  const target = event.target as HTMLElement;
  const verdict = target.closest<HTMLElement>(".verdict");
  if (target.closest("[data-action=next]")) clearVerdict();
  else if (verdict && !target.closest("[data-action=undo]")) settleVerdict(verdict);
  if (!target.closest("[data-action=undo]")) input.focus();
});

document.addEventListener("pointerdown", unlockSound, { once: true });

const cameraButton = document.getElementById("camera-toggle") as HTMLButtonElement;
const camera = CameraScanner.available() ? new CameraScanner(document.getElementById("camera") as HTMLVideoElement, (code) => void check(code)) : undefined;
if (!camera) cameraButton.hidden = true;
cameraButton.addEventListener("click", async () => {
  if (!camera) return;
  if (camera.active) {
    camera.stop();
    cameraButton.textContent = "Scan with camera";
  } else {
    try {
      await camera.start();
      cameraButton.textContent = "Stop camera";
      showNotice("");
    } catch (error) {
      showNotice(`The camera is not available (${(error as Error).message}). Type the code or use a hardware scanner.`);
    }
  }
  input.focus();
});

function showBundle(bundle: DoorBundle): void {
  showDoor(bundle);
  // How many revoked tickets this phone knows of: staff (and tests) can see a refresh arrive.
  root.dataset.revocations = String(bundle.revocations.length);
}

function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/scan-sw.js", { scope: "/scan" }).catch(() => undefined);
  void navigator.serviceWorker.ready.then(() => (root.dataset.swReady = "true"));
}

async function start(): Promise<void> {
  showMode(navigator.onLine ? "online" : "offline");
  registerServiceWorker();
  const store = await ScannerStore.open();
  const fromLink = takeTokenFromLink();
  if (fromLink) await store.saveDeviceToken(fromLink);
  const token = fromLink ?? (await store.deviceToken());
  if (!token) {
    showStopped("This phone is not a scanner yet", "Open the scanner link, or point the camera at its QR code, from the organizer's dashboard (Door devices).");
    return;
  }
  let stored;
  try {
    stored = await loadBundle(store, token, Boolean(fromLink));
  } catch (error) {
    if (error instanceof DeviceRefused) return stopFor(error);
    throw error;
  }
  root.dataset.offlineReady = "true";
  showBundle(stored.bundle);
  door = await Door.open(store, token, stored, {
    mode: showMode,
    counts: showCounts,
    refused: stopFor,
    bundle: ({ bundle }) => showBundle(bundle),
  });
  showMode(door.mode);
  const sync = new DoorSync(door, {
    synced: (summary) => showSync(summary),
    conflicts: (all) => showConflicts(all, door!.bundle),
  });
  sync.start();
  input.disabled = false;
  checkButton.disabled = false;
  input.focus();
}

start().catch((error: unknown) => showNotice(`The scanner could not start: ${(error as Error).message}`));
