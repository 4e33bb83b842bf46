import type { HttpDatabase, Transaction } from "../client";
import { refunds } from "../schema";

/** One row per refund idempotency key: recording the same refund twice keeps the first. */
export async function recordRefund(db: HttpDatabase | Transaction, values: typeof refunds.$inferInsert): Promise<void> {
  await db.insert(refunds).values(values).onConflictDoNothing({ target: refunds.idempotencyKey });
}
