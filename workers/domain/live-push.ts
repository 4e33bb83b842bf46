/**
 * When EventLive pushes: at most one message per PUSH_INTERVAL_MS per event, however many changes
 * arrive, and never later than that after a change — so a 500-a-second burst reaches each dashboard
 * as two messages a second, and a lone sale within half a second. Every message is a whole snapshot
 * with a sequence number: a dashboard that missed one (or reconnects) loses nothing by design.
 */
export const PUSH_INTERVAL_MS = 500;
/** While dashboards are open and nothing happens, rates and estimates still move: refresh this often. */
export const HEARTBEAT_MS = 10_000;

/**
 * The time of the next push after a change at `now`: as soon as the interval since the last push
 * allows, unless a push is already due sooner.
 */
export function nextPushAt(now: number, lastPushAt: number | null, scheduledAt: number | null): number {
  const earliest = lastPushAt === null ? now : Math.max(now, lastPushAt + PUSH_INTERVAL_MS);
  return scheduledAt !== null && scheduledAt <= earliest ? scheduledAt : earliest;
}
