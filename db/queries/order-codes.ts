/**
 * Giving an order its short code: the first of its candidates (workers/domain/order-code.ts) that
 * no other order of the event has. Each try is one statement; the unique index on (event_id,
 * order_code) settles two orders racing for one code, and the loser takes its next one.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { HttpDatabase } from "../client";
import { isConstraintViolation, PG_UNIQUE_VIOLATION } from "../constraint-errors";
import { orders } from "../schema";

const MAX_ATTEMPTS = 20;

/** The order's code, given now if it has none. Safe to repeat and to race. */
export async function ensureOrderCode(
  db: HttpDatabase,
  order: { id: string; orderCode?: string | null },
  candidate: (attempt: number) => string,
): Promise<string> {
  if (order.orderCode) return order.orderCode;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    try {
      const [set] = await db
        .update(orders)
        .set({ orderCode: candidate(attempt) })
        .where(and(eq(orders.id, order.id), isNull(orders.orderCode)))
        .returning({ code: orders.orderCode });
      if (set?.code) return set.code;
      // Someone else gave it a code meanwhile.
      const [row] = await db.select({ code: orders.orderCode }).from(orders).where(eq(orders.id, order.id)).limit(1);
      if (row?.code) return row.code;
      throw new Error(`order ${order.id} not found`);
    } catch (error) {
      if (!isConstraintViolation(error, PG_UNIQUE_VIOLATION)) throw error;
    }
  }
  throw new Error(`no free order code for ${order.id} after ${MAX_ATTEMPTS} candidates`);
}
