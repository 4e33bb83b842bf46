/**
 * A waiting-room pass admits one shopper once. In a sentence: a pass is used for one order at a
 * time — a new order under it replaces the open one, whose hold the Worker then gives back — is spent
 * when that order is paid, and is free to try again when an order ends unpaid, all within the session
 * its release opened. So one place in the queue can never become six orders.
 */
export interface Pass {
  finishedAt: number | null;
  /** The order (its hold) the pass is being used for. */
  holdId: string | null;
}

export type PassUse = { ok: true; replaces: string | null } | { ok: false; code: "not_admitted" | "session_ended" | "pass_used" };

export type PassDecision = { ok: true; bind: boolean; replaces: string | null } | { ok: false; code: "session_ended" | "pass_used" };

export function decidePassUse(input: { pass: Pass | undefined; holdId: string; sessionEndsAt: number; now: number }): PassDecision {
  const { pass, holdId, sessionEndsAt, now } = input;
  if (pass?.finishedAt) return { ok: false, code: "pass_used" };
  if (pass?.holdId === holdId) return { ok: true, bind: false, replaces: null };
  if (sessionEndsAt <= now) return { ok: false, code: "session_ended" };
  return { ok: true, bind: true, replaces: pass?.holdId ?? null };
}
