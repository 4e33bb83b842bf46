/**
 * What every TierInventory step does around its decision: overdue holds expire before it, its changes
 * are stored after it, units it freed are offered to the waitlist in the same step, and the one alarm
 * is moved to what is due next. Only storage is touched here (SQLite and the alarm), so a step stays
 * one serialized check-then-claim; the rules are the domain's (inventory.ts, waitlist.ts,
 * inventory-alarm.ts).
 */
import { expireHolds, free, type InventoryChange } from "../workers/domain/inventory";
import { alarmStillCovers, mayBeOverdue, nextAlarmAt } from "../workers/domain/inventory-alarm";
import { planPromotion, queueNeeded } from "../workers/domain/waitlist";
import type { InventoryStore } from "./tier-inventory-store";
import type { PromoStore } from "./tier-inventory-promo";

export class InventorySteps {
  /**
   * The alarm time last set (null: none; undefined: not known, as after a restart or once it fired),
   * so a hold that does not move the earliest expiry writes nothing. Memory only: an evicted or
   * restarted object starts from undefined and reads before it trusts anything.
   */
  private alarmAt: number | null | undefined;

  constructor(
    private readonly store: InventoryStore,
    private readonly promos: PromoStore,
    private readonly storage: DurableObjectStorage,
  ) {}

  /** Stores a decision that frees nothing, and moves the alarm. */
  apply(changes: InventoryChange[]): void {
    this.store.apply(changes);
    this.scheduleAlarm();
  }

  /** Stores a decision that may have freed units, then offers them to the waitlist in the same step. */
  applyAndPromote(changes: InventoryChange[], now: number): void {
    this.store.apply(changes);
    if (changes.length > 0) this.promote(now);
    this.scheduleAlarm();
  }

  /**
   * Ends the holds past their expiry and offers what they freed; answers how many ended. Before the
   * known floor under every active expiry nothing can be overdue, and nothing is read.
   */
  expireOverdue(now: number): number {
    if (!mayBeOverdue(this.store.expiryFloor(), now)) return 0;
    // The floor may be stale (its hold was sold or released since): read the earliest expiry itself.
    if (!mayBeOverdue(this.store.nextExpiry(), now)) return 0;
    const tier = this.store.tier();
    const overdue = tier ? this.store.overdueHolds(now) : [];
    if (!tier || overdue.length === 0) return 0;
    this.store.apply(expireHolds(tier, overdue, this.store.offeredEntries(overdue.map((h) => h.holdId)), now));
    this.store.forgetExpiryFloor();
    this.promote(now);
    return overdue.length;
  }

  /** Offers free units to the waitlist (workers/domain/waitlist.ts), loading only what that needs. */
  promote(now: number): void {
    const stored = this.store.tier();
    // Units a promo code keeps for its holders are never offered to the waitlist.
    const tier = stored && this.promos.tierFor(stored, undefined, now).tier;
    if (!tier || tier.closed || free(tier) <= 0) return;
    const queue = this.store.waitingQueue(queueNeeded(free(tier)));
    if (queue.length === 0) return;
    this.store.apply(planPromotion(tier, queue, tier.kind === "seated" ? this.store.seats() : [], now));
  }

  /** The alarm that fired is no longer set: forget it, so the next one is always written. */
  alarmFired(): void {
    this.alarmAt = undefined;
  }

  scheduleAlarm(): void {
    // Most steps (a hold expiring after the earliest one, a sale) leave the alarm as it is, unread.
    if (alarmStillCovers(this.alarmAt, this.store.expiryFloor(), this.store.knownNoticesPending())) return;
    const next = nextAlarmAt(this.store.nextExpiry(), this.store.hasPendingNotices(), this.alarmAt, Date.now());
    if (next === this.alarmAt) return;
    this.alarmAt = next;
    if (next === null) void this.storage.deleteAlarm();
    else void this.storage.setAlarm(next);
  }
}
