/**
 * The run's seed for reorderings in runtime tests (set in vitest.config.ts; TEST_SEED=<n> replays).
 */
import { inject } from "vitest";
import { seededRandom } from "../seeded-random";

export function seeded(label: string): () => number {
  return seededRandom(inject("testSeed"), label);
}
