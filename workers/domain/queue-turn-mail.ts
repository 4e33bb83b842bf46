/**
 * "Tell me by mail when it's my turn", the rules (pure): whether a request is taken, and what a
 * repeated one does. A place asks once; the same address again changes nothing (idempotent); a new
 * address replaces the old one a few times at most (a typo is fixed, a place is not a mail cannon);
 * a place whose turn has already come is told so instead (the page is taking them in).
 */
export const MAX_ADDRESS_CHANGES = 3;

export type TurnMailAsk = { ok: true; changed: boolean } | { ok: false; code: "already_admitted" | "too_many_changes" | "not_configured" };

export function decideTurnMailAsk(input: {
  configured: boolean;
  /** The place's position is at or below the watermark, or its mail is already on its way. */
  admitted: boolean;
  existing: { email: string; changes: number } | undefined;
  email: string;
}): TurnMailAsk {
  if (!input.configured) return { ok: false, code: "not_configured" };
  if (input.admitted) return { ok: false, code: "already_admitted" };
  if (!input.existing) return { ok: true, changed: true };
  if (input.existing.email === input.email) return { ok: true, changed: false };
  if (input.existing.changes >= MAX_ADDRESS_CHANGES) return { ok: false, code: "too_many_changes" };
  return { ok: true, changed: true };
}

/** The address as stored and compared: trimmed, lower-cased (one mailbox, one spelling). */
export function normalizedAddress(email: string): string {
  return email.trim().toLowerCase();
}
