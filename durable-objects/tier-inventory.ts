/**
 * TierInventory — one per ticket tier: the only place its units and seats are held and sold, its
 * waitlist is served and its tickets are let in at the door.
 *
 * Every method runs to completion without awaiting anything but its own SQLite storage, so calls
 * are serialized and each check-then-claim is atomic. Each one loads what its decision needs, asks
 * the pure rules in workers/domain/ (inventory.ts, waitlist.ts, checkin.ts), stores the changes they
 * return (tier-inventory-store.ts; what every step does around its decision is tier-inventory-steps.ts)
 * and answers with their outcome: a value (`{ok: false, code}`), never a thrown error (custom error
 * fields do not cross RPC). Every method is idempotent: a hold is named by its caller, so a retried
 * hold, confirm or release answers as the first one did.
 * Holds expire by one multiplexed alarm set to the earliest expiry; every method also expires
 * overdue holds first, so a late alarm never makes the tier look fuller than it is.
 *
 * The tier's waitlist lives here too, so that units freed by an expired hold, a declined payment, a
 * refund or a raised capacity go to the waitlist inside the same serialized step that frees them,
 * before any other buyer can ask (DESIGN invariant 5). What the rest of the platform must learn (an
 * offer was made, an entry ended) is written to a local notice table in that same step and published
 * to the Queue by the alarm afterwards: no outbound I/O inside a critical section, nothing lost if
 * the publish fails (the alarm retries).
 */
import { DurableObject } from "cloudflare:workers";
import type { EventLive } from "./event-live";
import * as checkin from "../workers/domain/checkin";
import type { AdmitOutcome, AdmitRequest, UndoOutcome, UndoRequest } from "../workers/domain/checkin";
import { closeTier, configureTier, confirmHold, holdUnits, presentSnapshot, releaseHold, returnSold } from "../workers/domain/inventory";
import type { ConfigureOutcome, ConfirmOutcome, EntryState, HoldOutcome, HoldRequest, HoldStatus, InventorySnapshot, ReleaseOutcome, ReturnOutcome, ReturnRequest, TierSetup } from "../workers/domain/inventory";
import { joinWaitlist, leaveWaitlist, presentEntry, type JoinOutcome, type WaitlistEntryView } from "../workers/domain/waitlist";
import type { WaitlistNotice } from "../workers/messages";
import { migrateStorage } from "./schema-migrations";
import { CheckinStore } from "./tier-inventory-checkins";
import { InventoryStore, SCHEMA } from "./tier-inventory-store";
import { PromoStore } from "./tier-inventory-promo";
import { InventorySteps } from "./tier-inventory-steps";
import { claimUse, keptCoversHold, useOfHold, type PromoClaim, type PromoClaimOutcome, type ReserveOutcome } from "../workers/domain/promo-redemption";

export type { Admission, AdmitOutcome, AdmitRequest, UndoOutcome, UndoRequest } from "../workers/domain/checkin";
export type { ConfigureOutcome, ConfirmOutcome, HeldUnits, HoldOutcome, HoldRequest, HoldStatus, InventorySnapshot } from "../workers/domain/inventory";
export type { ReleaseOutcome, ReturnOutcome, ReturnRequest, TierSetup, WaitlistStatus } from "../workers/domain/inventory";
export type { JoinOutcome, WaitlistEntryView } from "../workers/domain/waitlist";
export type { PromoClaim, PromoClaimOutcome, ReserveOutcome } from "../workers/domain/promo-redemption";
/** A hold that redeems a promo code counted in this tier (workers/domain/promo-redemption.ts). */
export type PromoHoldRequest = HoldRequest & { promo?: PromoClaim };

export class TierInventory extends DurableObject<Env> {
  private readonly store: InventoryStore;
  private readonly checkins: CheckinStore;
  private readonly promos: PromoStore;
  private readonly steps: InventorySteps;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new InventoryStore(ctx.storage.sql);
    this.checkins = new CheckinStore(ctx.storage.sql);
    this.promos = new PromoStore(ctx.storage.sql);
    this.steps = new InventorySteps(this.store, this.promos, ctx.storage);
    void ctx.blockConcurrencyWhile(async () => {
      migrateStorage(ctx.storage.sql, SCHEMA);
    });
  }

  /**
   * Creates the tier, or brings capacity, seats and waitlist settings up to date; capacity never
   * below what is sold or held. Units a raised capacity frees go to the waitlist first.
   */
  async configure(setup: TierSetup): Promise<ConfigureOutcome> {
    const now = Date.now();
    this.steps.expireOverdue(now);
    const seats = setup.kind === "seated" && setup.seats ? this.store.seatStatuses() : [];
    const decision = configureTier(this.store.tier(), setup, seats);
    if (!decision.outcome.ok) return decision.outcome;
    // Never empty when ok (the tier is created or its capacity set), so the waitlist is always offered.
    this.steps.applyAndPromote(decision.changes, now);
    return decision.outcome;
  }

  /** Holds units; with `promo`, also claims one use of the code in the same step, or neither. */
  async hold(request: PromoHoldRequest): Promise<HoldOutcome | Extract<PromoClaimOutcome, { ok: false }>> {
    const now = Date.now();
    this.steps.expireOverdue(now);
    const tier = this.store.tier();
    if (!tier) return { ok: false, code: "not_configured" };
    const chosen = request.seats?.length ? [...new Set(request.seats)] : undefined;
    const seats = tier.kind === "seated" ? this.store.seats(chosen) : [];
    const { previous, ...others } = this.store.holdAndActiveHoldsOf(request.holdId, request.buyer?.buyer, request.buyer?.client);
    const { promo } = request;
    // The buyer's holds this one replaces give their uses back in this step, so they do not count.
    const claim = promo && claimUse(this.promos.use(request.holdId), promo, request, this.promos.counted(promo.codeId, now, [request.holdId, ...others.buyerHolds.map((h) => h.holdId)]), now);
    if (claim && !claim.ok) return claim;
    const sellable = this.promos.tierFor(tier, promo?.codeId, now);
    const waiting = keptCoversHold(sellable.keptByOwn, request.quantity) ? 0 : this.store.waiting().entries;
    const decision = holdUnits(sellable.tier, previous, request, waiting, seats, now, others);
    const use = useOfHold(claim, decision);
    if (use) this.promos.record(use, now);
    if (decision.outcome.ok && decision.outcome.replaced) {
      // A smaller hold replacing a larger one frees units: the waitlist is offered them first.
      this.steps.applyAndPromote(decision.changes, now);
    } else {
      this.steps.apply(decision.changes);
    }
    return decision.outcome;
  }

  /**
   * Where a hold stands (`unknown`: never taken, or forgotten). Register no longer asks: it writes the
   * order before the hold (workers/use-cases/claim-from-inventory.ts). Tests and tools read it.
   */
  async holdStatus(holdId: string): Promise<HoldStatus | "unknown"> {
    this.steps.expireOverdue(Date.now());
    return this.store.hold(holdId)?.status ?? "unknown";
  }

  /** Turns a live hold into a sale. A hold that expired or was released cannot be sold. */
  async confirm(holdId: string): Promise<ConfirmOutcome> {
    const now = Date.now();
    this.steps.expireOverdue(now);
    const tier = this.store.tier();
    // A tier never configured has never held anything.
    if (!tier) return { ok: false, code: "unknown_hold" };
    const decision = confirmHold(tier, this.store.hold(holdId), this.store.offeredEntry(holdId), now);
    this.steps.apply(decision.changes);
    return decision.outcome;
  }

  /** Gives held units back (payment declined, order abandoned). Releasing twice is harmless. */
  async release(holdId: string): Promise<ReleaseOutcome> {
    const now = Date.now();
    this.steps.expireOverdue(now);
    const tier = this.store.tier();
    if (!tier) return { ok: true, released: false };
    const decision = releaseHold(tier, this.store.hold(holdId), this.store.offeredEntry(holdId), now);
    this.steps.applyAndPromote(decision.changes, now);
    return decision.outcome;
  }

  /** Sold units come back (a refund), and the waitlist is offered them first. Idempotent per `returnId`. */
  async returnSold(request: ReturnRequest): Promise<ReturnOutcome> {
    const now = Date.now();
    this.steps.expireOverdue(now);
    const tier = this.store.tier();
    if (!tier) return { ok: false, code: "invalid", message: "this tier has sold nothing" };
    const soldSeats = tier.kind === "seated" ? this.store.soldSeats([...new Set(request.seats ?? [])]) : [];
    const decision = returnSold(tier, this.store.hasReturn(request.returnId), request, soldSeats, now);
    this.steps.applyAndPromote(decision.changes, now);
    return decision.outcome;
  }

  /** Joins the waitlist under the caller's entry id; joining again answers with the same entry. */
  async joinWaitlist(request: { entryId: string; quantity: number; client?: string | null; maxUnitsPerClient?: number }): Promise<JoinOutcome> {
    const now = Date.now();
    this.steps.expireOverdue(now);
    const tier = this.store.tier();
    if (!tier) return { ok: false, code: "not_configured" };
    const decision = joinWaitlist(tier, this.store.entry(request.entryId), request, this.store.lastSeq(), now, this.store.waitlistUnitsOfClient(request.client));
    if (!decision.outcome.ok) return decision.outcome;
    this.steps.applyAndPromote(decision.changes, now);
    return { ok: true, entry: this.presentEntry(this.store.entry(request.entryId)!) };
  }

  async waitlistEntry(entryId: string): Promise<WaitlistEntryView | undefined> {
    this.steps.expireOverdue(Date.now());
    const entry = this.store.entry(entryId);
    return entry && this.presentEntry(entry);
  }

  /** Leaves the waitlist; an open offer is given back and passes to the next entry. */
  async leaveWaitlist(entryId: string): Promise<{ ok: true; entry: WaitlistEntryView } | { ok: false; code: "unknown_entry" }> {
    const now = Date.now();
    this.steps.expireOverdue(now);
    const tier = this.store.tier();
    const entry = this.store.entry(entryId);
    if (!tier || !entry) return { ok: false, code: "unknown_entry" };
    const decision = leaveWaitlist(tier, entry, entry.offerHoldId ? this.store.hold(entry.offerHoldId) : undefined, now);
    this.steps.applyAndPromote(decision.changes, now);
    return { ok: true, entry: this.presentEntry(this.store.entry(entryId)!) };
  }

  /**
   * Stops selling for good (the event was cancelled): no new holds or entries, waiting entries end,
   * open offers are withdrawn. Holds already taken stay until their orders are settled.
   */
  async close(): Promise<{ ok: true }> {
    const now = Date.now();
    this.steps.expireOverdue(now);
    const tier = this.store.tier();
    if (!tier) return { ok: true };
    const open = this.store.openEntries().map((entry) => ({ entry, offer: entry.offerHoldId ? this.store.hold(entry.offerHoldId) : undefined }));
    this.steps.apply(closeTier(tier, open, now));
    return { ok: true };
  }

  async snapshot(): Promise<InventorySnapshot> {
    const now = Date.now();
    this.steps.expireOverdue(now);
    const tier = this.store.tier();
    return presentSnapshot(tier, this.store.waiting(), this.checkins.countsByList(), tier && this.promos.tierFor(tier, undefined, now).tier);
  }

  /** Claims a use of a code counted here for a hold in another tier; the caller gives it back if that hold fails. */
  async claimPromoUse(claim: PromoClaim, hold: { holdId: string; quantity: number; expiresAt: number }): Promise<PromoClaimOutcome> {
    return this.promos.claimApart(claim, hold, Date.now());
  }

  /** Sells (only while it counts) or gives back a use claimed by claimPromoUse. */
  async settlePromoUse(holdId: string, to: "confirmed" | "released"): Promise<{ ok: boolean }> {
    return this.promos.settleApart(holdId, to, Date.now());
  }

  /** Gives back the use (counted here) of an order refunded in full; once, however often asked. */
  async refundPromoUse(holdId: string): Promise<{ returned: boolean }> {
    return this.promos.refund(holdId);
  }

  /** Keeps `units` of this tier for a code's holders (0 stops keeping them). */
  async reservePromoUnits(codeId: string, units: number): Promise<ReserveOutcome> {
    const now = Date.now();
    this.steps.expireOverdue(now);
    return this.promos.reserve(this.store.tier(), codeId, units, this.store.waiting().units, now);
  }

  async seatStatuses(): Promise<Record<string, "available" | "held" | "sold">> {
    this.steps.expireOverdue(Date.now());
    return Object.fromEntries(this.store.seatStatuses().map((r) => [r.label, r.status]));
  }

  /** Admits a ticket through a check-in list once: the first scan wins (workers/domain/checkin.ts). */
  async admitTicket(request: AdmitRequest): Promise<AdmitOutcome> {
    const decision = checkin.admitTicket(request, this.checkins.ofScan(request), this.checkins.live(request.listId, request.ticketId), Date.now());
    if (decision.record) this.checkins.insert(decision.record);
    return decision.outcome;
  }

  /** Takes back an admission just made by the same scan (the wrong person was let in). */
  async undoAdmission(request: UndoRequest): Promise<UndoOutcome> {
    const decision = checkin.undoAdmission(this.checkins.ofScan(request), Date.now());
    if (decision.undoneAt !== undefined) this.checkins.markUndone(request, decision.undoneAt);
    return decision.outcome;
  }

  async checkedIn(): Promise<Record<string, number>> {
    return this.checkins.countsByList();
  }

  async describe(): Promise<{ kind: "TierInventory"; schema_version: number }> {
    return { kind: "TierInventory", schema_version: this.store.schemaVersion() };
  }

  /** Expires what is due, offers freed units, then publishes pending notices to the Queue. */
  override async alarm(): Promise<void> {
    // The alarm reads everything again (its own time, the expiry floor, the tier): what the object
    // remembers is re-checked against its rows at least at every expiry.
    this.steps.alarmFired();
    this.store.forget();
    const now = Date.now();
    const expired = this.steps.expireOverdue(now);
    this.steps.promote(now);
    const pending = this.store.pendingNotices(100);
    const tier = this.store.tier();
    if (tier && (expired > 0 || pending.length > 0)) {
      // Holds ran out or offers moved with no request behind them: tell the organizer's dashboard.
      // Best effort — EventLive's heartbeat repairs a lost ping — and never the alarm's failure.
      await (this.env.EVENT_LIVE as unknown as DurableObjectNamespace<EventLive>)
        .getByName(tier.eventId)
        .changed(tier.eventId)
        .catch(() => undefined);
    }
    if (pending.length > 0) {
      // Outbound, so outside any check-then-claim: a call that runs meanwhile only adds notices
      // with higher numbers, and only the ones sent here are deleted. A failed send throws, and
      // the runtime retries the alarm; the consumer ignores a notice it has already applied.
      await this.env.EVENTS_QUEUE.sendBatch(pending.map((n) => ({ body: JSON.parse(n.body) as WaitlistNotice, contentType: "json" as const })));
      this.store.deleteNoticesUpTo(pending.at(-1)!.seq);
    }
    this.steps.scheduleAlarm();
  }

  private presentEntry(entry: EntryState): WaitlistEntryView {
    const waitingUpTo = entry.status === "waiting" ? this.store.waitingUpTo(entry.seq) : 0;
    return presentEntry(entry, waitingUpTo, entry.offerHoldId ? this.store.hold(entry.offerHoldId) : undefined);
  }
}
