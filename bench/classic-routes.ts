/**
 * Bench only — the three routes the classic design answers differently (register, pay, and
 * Stripe's webhook, which can finalize an order too): the platform's own purchase routes and root
 * app (workers/routes/purchase.ts, workers/app.ts), built over the classic claim and sale.
 */
import { createApp } from "../workers/app";
import { purchaseRoutesFor } from "../workers/routes/purchase";
import { attendeeFirst } from "../workers/use-cases/register-order";
import { inventorySale } from "../workers/use-cases/pay-order";
import { classicSale } from "./classic-finalize";
import { claimInPostgres } from "./classic-register";

// Orders with a TierInventory hold (made by the real path) keep the real sale.
export const classicApp = createApp(purchaseRoutesFor(attendeeFirst(claimInPostgres), (order) => (order.holdId ? inventorySale : classicSale)));
