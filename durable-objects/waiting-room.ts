/**
 * WaitingRoom — the coordinator of one event's waiting room: lends blocks of positions to Worker
 * isolates and join shards, draws the pre-queue at opening, moves the released-up-to watermark at
 * the organizer's rate, and mails the places that asked when it admits them. It sees one call per
 * block, about one view a second per edge location, one claim per admitted person
 * (docs/waiting-room.md). Decisions: workers/domain/queue-room.ts; passes: waiting-room-passes.ts.
 */
import { DurableObject } from "cloudflare:workers";
import { positionOf, positionsOfEntries, roomPhase, type QueueTicket, type RoomView } from "../workers/domain/admission";
import type { TurnMailAsk } from "../workers/domain/queue-turn-mail";
import { TurnMailer } from "./waiting-room-notify";
import type { PassUse } from "../workers/domain/queue-pass";
import { fairnessOf, nextTickAt, releaseStep, roomViewOf, type RoomFacts, type RoomState } from "../workers/domain/queue-room";
import { BLOCK_MAX_AGE_MS, MAX_BLOCK_SIZE, blockSizeFor, preQueueOffsets, waitingAfter, type Block, type WatermarkMove } from "../workers/domain/queue-shards";
import { EDGE_REPORT_GRACE_MS, EDGE_SHARD } from "../workers/domain/queue-edge";
import * as passes from "./waiting-room-passes";
import type { BlockReport } from "./waiting-room-shard";
import { closePreQueues, refreshInventory, sealShards } from "./waiting-room-calls";
import { RoomStore, SCHEMA } from "./waiting-room-store";
import type { ClaimOutcome, Fairness, RoomConfig, RoomStats } from "./waiting-room-types";
export type { ClaimOutcome, Fairness, JoinOutcome, RoomConfig, RoomStats } from "./waiting-room-types";
import { migrateStorage } from "./schema-migrations";

export { JOINS_PER_IP_PER_MINUTE } from "../workers/domain/queue-shards";

export class WaitingRoom extends DurableObject<Env> {
  private readonly store: RoomStore;
  private schemaVersion = 0;
  private state!: RoomState;
  private alarmAt: number | null = null;
  private opening: Promise<void> | null = null;
  private readonly mailer: TurnMailer;
  private drawn: Int32Array | null = null;
  /** Since this instance started: what reached the object, for the load test's figures. */
  private readonly counters = { views: 0, claims: 0, lends: 0, seals: 0 };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new RoomStore(ctx.storage.sql);
    this.mailer = new TurnMailer(ctx.storage.sql, env, {
      eventId: () => this.state.config?.eventId ?? null,
      sessionMinutes: () => this.state.config?.settings.sessionMinutes ?? 0,
      releasedAt: (position) => this.store.releaseOf(position)?.released_at,
    });
    void ctx.blockConcurrencyWhile(async () => {
      this.schemaVersion = migrateStorage(ctx.storage.sql, SCHEMA);
      this.state = await this.store.loadRoomState();
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  /**
   * A join shard or a Worker isolate (`EDGE_SHARD`, workers/domain/queue-edge.ts) needs positions:
   * takes its reports of the blocks it stopped using and lends the next block of at least `want`
   * positions. Unless the isolate fetches it ahead (`taking` false), the asking join takes its first
   * position at once. Opens the room first if the caller's clock says the sale has opened before
   * this object's did.
   */
  async lend(config: RoomConfig, shard: number, reports: BlockReport[], want = 1, taking = true): Promise<{ start: number; size: number; lentAt: number }> {
    const now = Date.now();
    await this.configure(config, now);
    if (!this.state.opened) await this.open(now);
    this.counters.lends++;
    this.store.seal(reports);
    const size = Math.max(blockSizeFor(this.store.lentSince(now - 1_000)), Math.min(MAX_BLOCK_SIZE, Math.max(1, Math.floor(want))));
    const start = this.state.lastPosition + 1;
    this.state.lastPosition += size;
    this.store.lend(start, size, shard, now, taking ? 1 : 0);
    this.release(now);
    this.save();
    this.scheduleTick(now);
    return { start, size, lentAt: now };
  }

  /** A Worker isolate says how many positions of its finished blocks it gave out (a report seen twice changes nothing). */
  async report(reports: BlockReport[]): Promise<void> {
    const now = Date.now();
    this.counters.seals++;
    this.store.seal(reports);
    this.release(now);
    this.save();
    this.scheduleTick(now);
  }

  /** What the edge caches for a second and answers every status poll from. */
  async view(config: RoomConfig): Promise<RoomView & { commitment: string }> {
    const now = Date.now();
    this.counters.views++;
    await this.configure(config, now);
    return this.present(now);
  }

  async fairness(config: RoomConfig): Promise<Fairness> {
    await this.configure(config, Date.now());
    return fairnessOf(this.state);
  }

  /** An admitted position asks for its access (waiting-room-passes.ts). */
  async claimAccess(position: number): Promise<ClaimOutcome> {
    const claim = passes.claimAccess(this.passRoom(), position, Date.now());
    if (claim.ok) this.counters.claims++;
    return claim;
  }

  /**
   * "Tell me by mail when it's my turn" for a place (its join id and ticket, from a genuine queue
   * token): kept with the place until the watermark admits it (workers/domain/queue-turn-mail.ts).
   */
  async askTurnMail(config: RoomConfig, place: { joinId: string; ticket: QueueTicket }, email: string, token: string): Promise<TurnMailAsk> {
    const now = Date.now();
    await this.configure(config, now);
    const position = this.positionOf(place.ticket);
    const released = position !== null && this.isReleased(position);
    const asked = this.mailer.ask({ configured: this.state.config !== null, position, released, ...place, email, token, now });
    this.scheduleTick(now);
    return asked;
  }

  /** Register's check of a pass, in the same serialized step that marks it. */
  async usePass(position: number, holdId: string): Promise<PassUse> {
    return passes.usePass(this.passRoom(), position, holdId, Date.now());
  }

  async holdsPass(position: number, holdId: string): Promise<boolean> {
    return passes.holdsPass(this.passRoom(), position, holdId);
  }

  async settlePass(holdId: string, outcome: "paid" | "unpaid"): Promise<{ ok: true; settled: boolean }> {
    return passes.settlePass(this.passRoom(), holdId, outcome);
  }

  /** A purchase went through with this position's access: its shopping slot is free again. */
  async finish(position: number): Promise<{ ok: true; freed: boolean }> {
    if (!this.isReleased(position)) return { ok: true, freed: false };
    const now = Date.now();
    if (this.store.admission(position)?.finished_at) return { ok: true, freed: false };
    this.store.finish(position, now);
    this.release(now);
    this.save();
    this.scheduleTick(now);
    return { ok: true, freed: true };
  }

  /**
   * One step of the room at `now`: draw the pre-queue if the opening has come, refresh what is
   * left to sell, let in whoever the rate, the free slots and the inventory allow — sealing the
   * shards' open blocks first if one stands in the way. The alarm runs it with the clock; tests
   * run it with an explicit `now` to move time without waiting.
   */
  async tick(now: number): Promise<RoomStats> {
    await refreshInventory(this.env, this.state, now);
    if (this.state.config && !this.state.opened && now >= this.state.config.settings.opensAt) await this.open(now);
    if (this.state.opened) {
      // Blocks a shard stopped using by age (no join came to close them) are sealed, and so is any
      // open block that stands in the watermark's way. An isolate's block it never reported counts
      // as fully given out (workers/domain/queue-edge.ts).
      this.store.sealUnreported(EDGE_SHARD, now - BLOCK_MAX_AGE_MS - EDGE_REPORT_GRACE_MS);
      const stale = this.store.shardsWithOpenBlocks(now - BLOCK_MAX_AGE_MS);
      if (stale.length > 0) await this.sealShards(stale);
      if (this.release(now).blockedAt !== null) {
        await this.sealShards(this.store.shardsWithOpenBlocks());
        this.release(now);
      }
    }
    this.save();
    await this.mailer.send();
    this.scheduleTick(now, true);
    return this.stats(now);
  }

  override async alarm(): Promise<void> {
    this.alarmAt = null;
    await this.tick(Date.now());
  }

  async stats(now = Date.now()): Promise<RoomStats> {
    return { ...this.counters, ...this.store.roomStats(this.state, now), waiting: this.waiting(), active: this.activeNow(now).active };
  }

  async describe(): Promise<{ kind: "WaitingRoom"; schema_version: number }> {
    return { kind: "WaitingRoom", schema_version: this.schemaVersion };
  }

  private async configure(config: RoomConfig, now: number): Promise<void> {
    if (JSON.stringify(config) !== JSON.stringify(this.state.config)) {
      this.state.config = config;
      if (!this.state.opened) this.state.lastTickAt = Math.max(this.state.lastTickAt, config.settings.opensAt);
      this.save();
    }
    if (!this.state.opened && now >= config.settings.opensAt) await this.open(now);
    this.scheduleTick(now);
  }

  /**
   * The draw: every shard closes its pre-queue and says how many entries it gave out; entries are
   * numbered shard by shard and take positions 1..N in the order of drawPreQueue(seed, N). Nothing
   * else runs in this object meanwhile, so no block is lent before the pre-queue's size is known.
   */
  private open(now: number): Promise<void> {
    this.opening ??= this.ctx.blockConcurrencyWhile(async () => {
      if (this.state.opened || !this.state.config) return;
      const entries = await closePreQueues(this.env, this.state.config.eventId);
      this.state.preQueueOffsets = preQueueOffsets(entries);
      this.state.preQueueSize = entries.reduce((a, b) => a + b, 0);
      this.state.lastPosition = this.state.preQueueSize;
      this.state.opened = true;
      const opensAt = this.state.config.settings.opensAt;
      this.state.lastTickAt = Math.max(opensAt, Math.min(now, this.state.lastTickAt || now));
      this.state.credit = 0;
      this.mailer.placeDrawn((ticket) => this.positionOf(ticket));
      this.release(now);
      this.save();
    }).finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  /** Asks every shard with an open block to stop using it and say how far it got. */
  private async sealShards(shards: number[]): Promise<void> {
    this.counters.seals += shards.length;
    for (const r of await sealShards(this.env, this.state.config!.eventId, shards)) this.store.seal(r);
  }

  private passRoom(): passes.PassRoom {
    return { store: this.store, state: this.state, isReleased: (p) => this.isReleased(p), finish: (p) => this.finish(p) };
  }

  private isReleased(position: number): boolean {
    return Number.isInteger(position) && position >= 1 && position <= this.state.releasedUpTo;
  }

  private blocks(): Block[] {
    return this.store.blocksAfter(this.state.releasedUpTo);
  }

  /** Lets in whoever is due (workers/domain/queue-room.ts decides). */
  private release(now: number): WatermarkMove {
    const step = releaseStep(this.state, this.facts(now), now);
    this.state.credit = step.credit;
    this.state.lastTickAt = step.lastTickAt;
    if (step.move.releasedUpTo > this.state.releasedUpTo) {
      this.state.releasedUpTo = step.move.releasedUpTo;
      this.store.addRelease(step.move.releasedUpTo, step.move.released, now);
      this.mailer.released(step.move.releasedUpTo, now);
    }
    return step.move;
  }

  private facts(now: number): RoomFacts {
    const { active, firstEndsAt } = this.activeNow(now);
    return { blocks: this.blocks(), active, firstSessionEndsAt: firstEndsAt };
  }

  private waiting(): number {
    return waitingAfter(this.state.releasedUpTo, this.state.preQueueSize, this.blocks());
  }

  private activeNow(now: number): { active: number; firstEndsAt: number | null } {
    return this.store.active(now, (this.state.config?.settings.sessionMinutes ?? 0) * 60_000);
  }

  private present(now: number): RoomView & { commitment: string } {
    return roomViewOf(this.state, this.facts(now), roomPhase(this.state.config!.settings, now) === "closed", now);
  }

  /** Keeps one alarm (workers/domain/queue-room.ts says when). Writes only when the time moves. */
  private scheduleTick(now: number, fromTick = false): void {
    const config = this.state.config;
    const next = nextTickAt({
      configured: config !== null, opened: this.state.opened, opensAt: config?.settings.opensAt ?? 0,
      waiting: this.state.opened ? this.waiting() : 0, soldOut: this.state.soldOut, mailOwed: this.mailer.owed(), now,
    });
    if (next === null) return;
    // An alarm already due sooner serves; a tick always books the following one.
    if (!fromTick && this.alarmAt !== null && this.alarmAt <= next) return;
    this.alarmAt = next;
    void this.ctx.storage.setAlarm(next);
  }

  /** A ticket's position: its own, or a pre-queue entry's drawn one (null before the draw). */
  private positionOf(ticket: QueueTicket): number | null {
    const { opened, preQueueSize, preQueueOffsets, seed } = this.state;
    return positionOf(ticket, { opened, preQueueSize, preQueueOffsets }, (entry) => {
      this.drawn ??= positionsOfEntries(seed, preQueueSize);
      return this.drawn[entry - 1]!;
    });
  }

  private save(): void {
    this.store.saveState(this.state);
  }
}
