/**
 * The ledger: everything about money, identity and history lives here. Live holds and sales are
 * owned by each tier's TierInventory Durable Object while a tier sells; the constraints below are
 * the second guard (a CHECK on sold_count, a UNIQUE seat among live tickets) so a bug there can
 * never turn into an oversold event.
 *
 * One file per aggregate; drizzle-kit reads this index (drizzle.config.ts).
 */
export * from "./enums";
export * from "./access";
export * from "./catalog";
export * from "./orders";
export * from "./door";
export * from "./integration";
export * from "./summaries";
export * from "./organizations";
export * from "./promo-codes";
export * from "./webhooks";
