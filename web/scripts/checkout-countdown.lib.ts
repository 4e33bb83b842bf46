/**
 * The hold's countdown: mm:ss to `hold_expires_at`, recomputed from the clock on every tick (a
 * throttled background tab catches up instead of drifting), a bar that empties, and a few spoken
 * warnings for screen readers instead of one announcement per second.
 */
const WARN_AT_SECONDS = [300, 120, 60, 30];

export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, "0")}`;
}

function spoken(seconds: number): string {
  return seconds >= 60 ? `${seconds / 60} minute${seconds === 60 ? "" : "s"} left to pay.` : `${seconds} seconds left to pay.`;
}

export interface Countdown {
  stop(): void;
}

export function startCountdown(options: {
  expiresAt: number;
  /** When the hold began, for the bar's full length. */
  startedAt: number;
  clock: HTMLElement;
  bar: HTMLElement;
  announcer: HTMLElement;
  onExpired: () => void;
}): Countdown {
  const { expiresAt, clock, bar, announcer } = options;
  const span = Math.max(1, expiresAt - options.startedAt);
  const warned = new Set(WARN_AT_SECONDS.filter((s) => expiresAt - Date.now() < s * 1000));
  let timer: number | undefined;
  const tick = () => {
    const left = expiresAt - Date.now();
    clock.textContent = formatRemaining(left);
    bar.style.width = `${Math.max(0, Math.min(100, (left / span) * 100))}%`;
    const urgent = left <= 60_000;
    clock.closest(".hold")?.classList.toggle("urgent", urgent);
    for (const seconds of WARN_AT_SECONDS) {
      if (left <= seconds * 1000 && !warned.has(seconds)) {
        warned.add(seconds);
        announcer.textContent = spoken(seconds);
      }
    }
    if (left <= 0) {
      stop();
      options.onExpired();
    }
  };
  const stop = () => {
    if (timer !== undefined) window.clearInterval(timer);
    timer = undefined;
  };
  tick();
  if (expiresAt > Date.now()) timer = window.setInterval(tick, 250);
  return { stop };
}
