/** Promo-code steps shared by the promo-code tests. */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { inventoryOf } from "../../workers/inventory-client";
import { call, type Caller } from "./http";

export async function createCode(eventId: string, key: Caller, body: Record<string, unknown>) {
  const created = await call("POST", `/api/v1/events/${eventId}/promo-codes`, body, key);
  if (created.status !== 201) throw new Error(`promo code refused: ${JSON.stringify(created.body)}`);
  return created.body.promo_codes[0] as { promo_code_id: string; code: string };
}

/** Makes the tier's holds (and the uses it counts) overdue and fires its alarm, as if the hold minutes had passed. */
export async function expireHoldsNow(tierId: string) {
  const stub = inventoryOf(env, tierId);
  await runInDurableObject(stub, async (_instance, state) => {
    state.storage.sql.exec("UPDATE holds SET expires_at = ? WHERE status = 'active'", Date.now() - 1);
    state.storage.sql.exec("UPDATE promo_uses SET expires_at = ? WHERE status = 'active'", Date.now() - 1);
  });
  await runDurableObjectAlarm(stub);
}
