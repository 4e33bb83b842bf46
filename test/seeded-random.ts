/**
 * Reorderings that can be replayed: a small seeded PRNG (mulberry32) instead of Math.random(). The
 * run's seed comes from TEST_SEED when set (replay), else from the clock; it is printed with the
 * name of what it shuffled, so a failing order can be run again exactly.
 */
import "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    /** Seed of this run's reorderings (vitest.config.ts; TEST_SEED=<n> replays). */
    testSeed: number;
  }
}

export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A generator for one named use, seeded from the run's seed and the name (so uses do not share draws). */
export function seededRandom(runSeed: number, label: string): () => number {
  let hash = 2_166_136_261;
  for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 16_777_619);
  console.log(`[seed] ${label}: TEST_SEED=${runSeed} replays this order`);
  return mulberry32((runSeed ^ hash) >>> 0);
}

/** A shuffled copy (Fisher–Yates). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
