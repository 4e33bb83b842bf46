import { describe, expect, it } from "vitest";
import { nextAdmissionText, progressPercent, untilText } from "../../web/scripts/queue-progress.lib";

describe("the waiting-room page's progress and words", () => {
  it("measures progress as people ahead gone since joining, full only when admitted, none when sold out", () => {
    expect(progressPercent("waiting", 10, 10)).toBe(0);
    expect(progressPercent("waiting", 10, 5)).toBe(45);
    expect(progressPercent("waiting", 10, 0)).toBe(91);
    expect(progressPercent("admitted", 10, 0)).toBe(100);
    expect(progressPercent("sold_out", 10, 3)).toBeNull();
    expect(progressPercent("pre_queue", null, null)).toBeNull();
    // More ahead than at the start (a view a second old at joining) never shows a negative bar.
    expect(progressPercent("waiting", 3, 5)).toBe(0);
  });

  it("says when the next person goes in", () => {
    const now = Date.parse("2026-12-03T08:00:00Z");
    const at = (seconds: number) => new Date(now + seconds * 1000).toISOString();
    expect(untilText(at(38), now)).toBe("in ~40 s");
    expect(untilText(at(2), now)).toBe("any moment now");
    expect(untilText(at(600), now)).toBe("in about 10 min");
    expect(nextAdmissionText({ state: "waiting", ahead: 0, next_admission_at: at(38) }, now)).toBe("You're next: the next person goes in ~40 s.");
    expect(nextAdmissionText({ state: "waiting", ahead: 1, next_admission_at: at(38) }, now)).toBe("1 person is ahead of you; the next person goes in ~40 s.");
    expect(nextAdmissionText({ state: "waiting", ahead: 0, next_admission_at: null }, now)).toBe("You're next.");
    expect(nextAdmissionText({ state: "sold_out", ahead: 3, next_admission_at: null }, now)).toBe("");
  });
});
