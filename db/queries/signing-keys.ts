/**
 * Reads and writes behind the events' ticket-signing keys. The partial unique index
 * `event_signing_keys_one_current` is what keeps an event at one current key, however many
 * requests try to create it at once.
 */
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import type { HttpDatabase, Transaction } from "../client";
import { eventSigningKeys, events } from "../schema";

export type SigningKeyRow = typeof eventSigningKeys.$inferSelect;
export type SigningKeyInsert = typeof eventSigningKeys.$inferInsert;

export async function findCurrentSigningKey(db: HttpDatabase | Transaction, eventId: string): Promise<SigningKeyRow | undefined> {
  const [row] = await db
    .select()
    .from(eventSigningKeys)
    .where(and(eq(eventSigningKeys.eventId, eventId), eq(eventSigningKeys.status, "current")))
    .limit(1);
  return row;
}

/**
 * Inserts a current key unless the event already has one; `undefined` means another request won
 * the race (its row is committed, or this statement waited for it to be).
 */
export async function insertCurrentSigningKeyIfNone(
  db: HttpDatabase | Transaction,
  values: Omit<SigningKeyInsert, "status">,
): Promise<SigningKeyRow | undefined> {
  const [row] = await db
    .insert(eventSigningKeys)
    .values({ ...values, status: "current" })
    .onConflictDoNothing()
    .returning();
  return row;
}

/**
 * Locks the event row until the transaction ends, so rotations of one event apply one after the
 * other. NO KEY UPDATE leaves foreign-key checks of rows pointing at the event unblocked.
 */
export async function lockEventForKeyChange(tx: Transaction, eventId: string): Promise<boolean> {
  const [row] = await tx.select({ id: events.id }).from(events).where(eq(events.id, eventId)).limit(1).for("no key update");
  return row !== undefined;
}

/** previous → retired, then current → previous: the order keeps at most one previous key. */
export async function demoteSigningKeys(tx: Transaction, eventId: string): Promise<void> {
  await tx
    .update(eventSigningKeys)
    .set({ status: "retired" })
    .where(and(eq(eventSigningKeys.eventId, eventId), eq(eventSigningKeys.status, "previous")));
  await tx
    .update(eventSigningKeys)
    .set({ status: "previous" })
    .where(and(eq(eventSigningKeys.eventId, eventId), eq(eventSigningKeys.status, "current")));
}

export async function insertCurrentSigningKey(tx: Transaction, values: Omit<SigningKeyInsert, "status">): Promise<SigningKeyRow> {
  const [row] = await tx
    .insert(eventSigningKeys)
    .values({ ...values, status: "current" })
    .returning();
  return row!;
}

/** The keys a scanner may meet on a valid ticket: current first, then previous. */
export async function verifyingKeysOfEvent(db: HttpDatabase | Transaction, eventId: string) {
  return db
    .select({ kid: eventSigningKeys.kid, publicJwk: eventSigningKeys.publicJwk, status: eventSigningKeys.status })
    .from(eventSigningKeys)
    .where(and(eq(eventSigningKeys.eventId, eventId), inArray(eventSigningKeys.status, ["current", "previous"])))
    .orderBy(asc(eventSigningKeys.status), desc(eventSigningKeys.createdAt));
}
