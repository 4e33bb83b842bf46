/**
 * TierInventory's promo-code storage: the uses this tier counts (for the codes whose counting tier it
 * is) and the units codes keep for their holders here. The rules are in
 * workers/domain/promo-redemption.ts; a use of a hold in this tier follows its hold in the hold's own
 * step (InventoryStore marks it when the hold is sold or ends), and a use whose hold is in another
 * tier is claimed, confirmed and released here by its own calls.
 */
import type { TierState } from "../workers/domain/inventory";
import { free } from "../workers/domain/inventory";
import {
  canReserve,
  claimUse,
  counts,
  refundUse,
  settleUse,
  stillKept,
  tierFor,
  type PromoClaim,
  type PromoClaimOutcome,
  type PromoUse,
  type PromoUseStatus,
  type Reservation,
  type ReserveOutcome,
} from "../workers/domain/promo-redemption";

/** Appended to TierInventory's schema (tier-inventory-store.ts). */
export const PROMO_SCHEMA: readonly string[] = [
  `CREATE TABLE promo_uses (
     hold_id TEXT PRIMARY KEY, code_id TEXT NOT NULL, quantity INTEGER NOT NULL,
     status TEXT NOT NULL, expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE INDEX promo_uses_code ON promo_uses (code_id, status)`,
  `CREATE TABLE promo_reservations (code_id TEXT PRIMARY KEY, units INTEGER NOT NULL CHECK (units >= 0))`,
];

type UseRow = { hold_id: string; code_id: string; quantity: number; status: string; expires_at: number } & Record<string, SqlStorageValue>;

export class PromoStore {
  /** The reservations, remembered between steps: only reserve() writes them, and it forgets them first. */
  private kept: Reservation[] | undefined;

  constructor(private readonly sql: SqlStorage) {}

  use(holdId: string): PromoUse | undefined {
    const row = this.sql.exec<UseRow>("SELECT * FROM promo_uses WHERE hold_id = ?", holdId).toArray()[0];
    return row && { holdId: row.hold_id, codeId: row.code_id, quantity: row.quantity, status: row.status as PromoUseStatus, expiresAt: row.expires_at };
  }

  /** The code's uses that count now, leaving out the ones named. */
  counted(codeId: string, now: number, except: string[] = []): number {
    const rows = this.sql.exec<UseRow>("SELECT * FROM promo_uses WHERE code_id = ? AND status IN ('active', 'confirmed')", codeId).toArray();
    return rows.filter((r) => !except.includes(r.hold_id) && counts({ status: r.status as PromoUseStatus, expiresAt: r.expires_at }, now)).length;
  }

  private usedUnits(codeId: string, now: number): number {
    const rows = this.sql.exec<UseRow>("SELECT * FROM promo_uses WHERE code_id = ? AND status IN ('active', 'confirmed')", codeId).toArray();
    return rows.filter((r) => counts({ status: r.status as PromoUseStatus, expiresAt: r.expires_at }, now)).reduce((sum, r) => sum + r.quantity, 0);
  }

  private reservations(): Reservation[] {
    this.kept ??= this.sql.exec<{ code_id: string; units: number }>("SELECT code_id, units FROM promo_reservations WHERE units > 0").toArray().map((r) => ({ codeId: r.code_id, units: r.units }));
    return this.kept;
  }

  /** The tier as a buyer with this code (or none) may draw from (workers/domain/promo-redemption.ts). */
  tierFor(tier: TierState, codeId: string | undefined, now: number): { tier: TierState; keptByOwn: number } {
    const reservations = this.reservations();
    if (reservations.length === 0) return { tier, keptByOwn: 0 };
    return tierFor(tier, reservations, (id) => this.usedUnits(id, now), codeId);
  }

  /** Claims a use in a step of its own, for a hold in another of the code's tiers. */
  claimApart(claim: PromoClaim, hold: { holdId: string; quantity: number; expiresAt: number }, now: number): PromoClaimOutcome {
    const outcome = claimUse(this.use(hold.holdId), claim, hold, this.counted(claim.codeId, now, [hold.holdId]), now);
    if (outcome.ok && outcome.fresh) this.record(outcome.use, now);
    return outcome;
  }

  /**
   * Marks a use apart sold (only while it counts) or given back. Given back even once sold: the
   * caller does so only when the hold it paid for was not sold after all.
   */
  settleApart(holdId: string, to: "confirmed" | "released", now: number): { ok: boolean } {
    if (to === "released") {
      this.sql.exec("UPDATE promo_uses SET status = 'released' WHERE hold_id = ? AND status IN ('active', 'confirmed')", holdId);
      return { ok: true };
    }
    const use = this.use(holdId);
    const next = settleUse(use && (counts(use, now) ? use : { ...use, status: "expired" }), "confirmed");
    if (next) this.sql.exec("UPDATE promo_uses SET status = 'confirmed' WHERE hold_id = ?", holdId);
    return { ok: next?.status === "confirmed" || use?.status === "confirmed" };
  }

  /** Gives back the use of an order refunded in full; `returned` only the first time. */
  refund(holdId: string): { returned: boolean } {
    const next = refundUse(this.use(holdId));
    if (next) this.sql.exec("UPDATE promo_uses SET status = ? WHERE hold_id = ? AND status = 'confirmed'", next.status, holdId);
    return { returned: next !== undefined };
  }

  record(use: PromoUse, now: number): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO promo_uses (hold_id, code_id, quantity, status, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      use.holdId, use.codeId, use.quantity, use.status, use.expiresAt, now,
    );
  }

  /** Sets the units a code keeps in this (general-admission) tier; more only from what the public could buy now. */
  reserve(tier: TierState | undefined, codeId: string, units: number, waitingUnits: number, now: number): ReserveOutcome {
    if (!tier) return { ok: false, code: "not_configured" };
    if (tier.kind === "seated" && units > 0) return { ok: false, code: "seated" };
    const used = this.usedUnits(codeId, now);
    const current = this.reservations().find((r) => r.codeId === codeId);
    const keptNow = current ? stillKept(current, used) : 0;
    const outcome = canReserve(stillKept({ codeId, units }, used), keptNow, free(this.tierFor(tier, undefined, now).tier) - waitingUnits);
    if (outcome.ok) {
      this.kept = undefined;
      this.sql.exec("INSERT OR REPLACE INTO promo_reservations (code_id, units) VALUES (?, ?)", codeId, units);
    }
    return outcome;
  }
}
