import { describe, expect, it } from "vitest";
import {
  admissionsDue,
  drawPreQueue,
  estimatedWaitSeconds,
  pollAfterSeconds,
  positionOf,
  positionsOfEntries,
  roomGuardsRegistration,
  roomPhase,
  standingOf,
  type RoomSettings,
  type RoomView,
} from "../../workers/domain/admission";

const SEED_A = "9f3c2233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const SEED_B = "a".repeat(64);
const MINUTE = 60_000;

describe("the pre-queue draw", () => {
  it("is a permutation that the same seed always reproduces", () => {
    const first = drawPreQueue(SEED_A, 1000);
    expect([...drawPreQueue(SEED_A, 1000)]).toEqual([...first]);
    expect([...first].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect([...drawPreQueue(SEED_B, 1000)]).not.toEqual([...first]);
  });

  it("pins the algorithm: a verifier re-running it from the published seed gets the same order", () => {
    // Changing the generator or the shuffle changes these numbers; publish a new algorithm name then.
    expect([...drawPreQueue(SEED_A, 10)]).toEqual([1, 7, 8, 10, 5, 2, 9, 3, 6, 4]);
  });

  it("gives every entry the position the draw put it in", () => {
    const order = drawPreQueue(SEED_A, 50);
    const positions = positionsOfEntries(SEED_A, 50);
    order.forEach((entry, k) => expect(positions[entry - 1]).toBe(k + 1));
  });

  it("mixes: no entry keeps its arrival place far more often than chance", () => {
    const size = 200;
    let kept = 0;
    for (let s = 0; s < 50; s++) {
      const seed = s.toString(16).padStart(2, "0").repeat(32);
      kept += [...drawPreQueue(seed, size)].filter((entry, k) => entry === k + 1).length;
    }
    // Expected about one fixed point per draw.
    expect(kept).toBeLessThan(150);
  });

  it("refuses a seed that is not 256 bits of hex", () => {
    expect(() => drawPreQueue("abc", 3)).toThrow();
  });
});

const settings: RoomSettings = {
  enabled: true,
  preQueueFrom: 1_000 * MINUTE - 30 * MINUTE,
  opensAt: 1_000 * MINUTE,
  closesAt: 2_000 * MINUTE,
  admitPerMinute: 60,
  maxActiveShoppers: 10,
  sessionMinutes: 10,
};

describe("the room's phases", () => {
  it("takes a pre-queue before the opening, admits after it, and closes with the sale", () => {
    expect(roomPhase(settings, settings.preQueueFrom - 1)).toBe("not_yet");
    expect(roomPhase(settings, settings.preQueueFrom)).toBe("pre_queue");
    expect(roomPhase(settings, settings.opensAt)).toBe("open");
    expect(roomPhase(settings, 2_000 * MINUTE)).toBe("closed");
    expect(roomPhase({ ...settings, enabled: false }, settings.opensAt)).toBe("off");
  });

  it("guards registration only while the room takes people", () => {
    expect(roomGuardsRegistration(settings, settings.preQueueFrom - 1)).toBe(false);
    expect(roomGuardsRegistration(settings, settings.preQueueFrom)).toBe(true);
    expect(roomGuardsRegistration(settings, settings.opensAt + MINUTE)).toBe(true);
    expect(roomGuardsRegistration({ ...settings, enabled: false }, settings.opensAt)).toBe(false);
  });
});

describe("admission", () => {
  const base = { admitPerMinute: 60, maxActiveShoppers: 1000, active: 0, waiting: 1000, soldOut: false };

  it("lets people in at the configured rate, whatever the tick frequency", () => {
    for (const tickMs of [250, 1000, 3000]) {
      let state = { credit: 0, lastTickAt: 0 };
      let released = 0;
      for (let now = tickMs; now <= 10 * MINUTE; now += tickMs) {
        const decision = admissionsDue({ ...base, ...state, now, active: 0, waiting: 1000 - released });
        released += decision.release;
        state = { credit: decision.credit, lastTickAt: decision.lastTickAt };
      }
      expect(released).toBe(600);
    }
  });

  it("never lets in more than five seconds' worth after an idle spell", () => {
    expect(admissionsDue({ ...base, credit: 0, lastTickAt: 0, now: 60 * MINUTE }).release).toBe(5);
    expect(admissionsDue({ ...base, admitPerMinute: 6, credit: 0, lastTickAt: 0, now: 60 * MINUTE }).release).toBe(1);
  });

  it("respects the active-shopper cap, the queue's length and a sell-out", () => {
    const at = { ...base, credit: 0, lastTickAt: 0, now: 60 * MINUTE };
    expect(admissionsDue({ ...at, maxActiveShoppers: 10, active: 8 }).release).toBe(2);
    expect(admissionsDue({ ...at, maxActiveShoppers: 10, active: 10 }).release).toBe(0);
    expect(admissionsDue({ ...at, waiting: 3 }).release).toBe(3);
    expect(admissionsDue({ ...at, soldOut: true }).release).toBe(0);
  });

  it("lets no one extra in when a tick runs twice or the clock steps back", () => {
    const first = admissionsDue({ ...base, credit: 0, lastTickAt: 0, now: 3_000 });
    expect(first.release).toBe(3);
    const again = admissionsDue({ ...base, credit: first.credit, lastTickAt: first.lastTickAt, now: 3_000 });
    expect(again.release).toBe(0);
    const back = admissionsDue({ ...base, credit: first.credit, lastTickAt: first.lastTickAt, now: 1_000 });
    expect(back.release).toBe(0);
    expect(back.lastTickAt).toBe(3_000);
  });
});

describe("what a person in the queue is told", () => {
  const view: RoomView = {
    opened: true,
    closed: false,
    opensAt: settings.opensAt,
    releasedUpTo: 100,
    lastPosition: 500,
    preQueueSize: 50,
    seed: SEED_A,
    ticketsLeft: 40,
    soldOut: false,
    admitPerMinute: 60,
    preQueueOffsets: [0, 20, 20, 45],
    holes: [],
    nextAdmissionAt: null,
  };

  it("counts people ahead and the wait from the watermark", () => {
    expect(standingOf(101, view, 0)).toEqual({ state: "waiting", position: 101, ahead: 0, estimatedWaitSeconds: 1, pollAfterSeconds: 2 });
    expect(standingOf(400, view, 0)).toMatchObject({ state: "waiting", ahead: 299, estimatedWaitSeconds: 300, pollAfterSeconds: 30 });
    expect(standingOf(100, view, 0)).toMatchObject({ state: "admitted", ahead: 0 });
  });

  it("tells the queue at once when everything is sold, and a closed room as closed", () => {
    expect(standingOf(400, { ...view, soldOut: true }, 0).state).toBe("sold_out");
    expect(standingOf(400, { ...view, closed: true }, 0).state).toBe("closed");
  });

  it("keeps a pre-queue entry without a position until the draw, then gives it the drawn one", () => {
    // Entry 7 of shard 2: shards 0 and 1 gave out 20 and 0 entries, so it is drawn as entry 27.
    const ticket = { kind: "pre" as const, entry: 7, shard: 2 };
    const drawn = (entry: number) => positionsOfEntries(SEED_A, 50)[entry - 1]!;
    expect(positionOf(ticket, { opened: false, preQueueSize: 0, preQueueOffsets: null }, drawn)).toBeNull();
    expect(positionOf(ticket, view, drawn)).toBe(drawn(27));
    // An entry its shard never gave out has no position (shard 2 gave out 25).
    expect(positionOf({ ...ticket, entry: 26 }, view, drawn)).toBeNull();
    const before = standingOf(null, { ...view, opened: false }, settings.opensAt - 90_000);
    expect(before).toMatchObject({ state: "pre_queue", estimatedWaitSeconds: 90, pollAfterSeconds: 9 });
  });

  it("asks far-back pollers to wait longer", () => {
    expect(estimatedWaitSeconds(600, 600)).toBe(60);
    expect(pollAfterSeconds(5)).toBe(2);
    expect(pollAfterSeconds(120)).toBe(12);
    expect(pollAfterSeconds(3600)).toBe(30);
  });
});
