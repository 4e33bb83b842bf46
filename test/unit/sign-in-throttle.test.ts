import { describe, expect, it } from "vitest";
import { FREE_SIGN_IN_ATTEMPTS, LONGEST_WAIT_SECONDS, waitAfterAttempts, waitSchedule } from "../../workers/domain/sign-in-throttle";

describe("sign-in back-off", () => {
  it("lets the first attempts through at once, then doubles the wait up to an hour", () => {
    expect(Array.from({ length: FREE_SIGN_IN_ATTEMPTS - 1 }, (_, i) => waitAfterAttempts(i + 1))).toEqual([0, 0, 0, 0]);
    expect([5, 6, 7, 8].map(waitAfterAttempts)).toEqual([30, 60, 120, 240]);
    expect(waitAfterAttempts(40)).toBe(LONGEST_WAIT_SECONDS);
  });

  it("is tabulated for the database up to the first longest wait", () => {
    const schedule = waitSchedule();
    expect(schedule.at(-1)).toBe(LONGEST_WAIT_SECONDS);
    expect(schedule.slice(0, -1)).not.toContain(LONGEST_WAIT_SECONDS);
    schedule.forEach((wait, i) => expect(wait).toBe(waitAfterAttempts(i + 1)));
  });

  it("never locks for good: a guesser gets a few dozen attempts a day per address, the owner elsewhere is untouched", () => {
    let elapsed = 0;
    let attempts = 0;
    while (elapsed < 24 * 3_600) elapsed += waitAfterAttempts(++attempts);
    expect(attempts).toBeLessThan(40);
    expect(Math.max(...waitSchedule())).toBe(LONGEST_WAIT_SECONDS);
  });
});
