/**
 * TierInventory's SQLite schema, migrated once per object (durable-objects/schema-migrations.ts). The
 * rows are read and written by tier-inventory-store.ts (tier, seats, holds, waitlist, returns,
 * notices), tier-inventory-checkins.ts and tier-inventory-promo.ts.
 */
import { CHECKIN_SCHEMA } from "./tier-inventory-checkins";
import { PROMO_SCHEMA } from "./tier-inventory-promo";

/** Append only: objects in the field have run every step before the last one. */
export const SCHEMA: readonly string[] = [
  `CREATE TABLE tier (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     tier_id TEXT NOT NULL, event_id TEXT NOT NULL, kind TEXT NOT NULL,
     capacity INTEGER NOT NULL, sold INTEGER NOT NULL DEFAULT 0, held INTEGER NOT NULL DEFAULT 0,
     CHECK (sold >= 0 AND held >= 0 AND sold + held <= capacity))`,
  `CREATE TABLE seats (
     label TEXT PRIMARY KEY, section TEXT NOT NULL, row TEXT NOT NULL, number INTEGER NOT NULL,
     x REAL NOT NULL, y REAL NOT NULL, accessible INTEGER NOT NULL,
     status TEXT NOT NULL DEFAULT 'available', hold_id TEXT)`,
  `CREATE TABLE holds (
     hold_id TEXT PRIMARY KEY, quantity INTEGER NOT NULL, seats TEXT NOT NULL,
     status TEXT NOT NULL, expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE INDEX holds_active_expiry ON holds (expires_at) WHERE status = 'active'`,
  `ALTER TABLE tier ADD COLUMN waitlist_enabled INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE tier ADD COLUMN offer_minutes INTEGER NOT NULL DEFAULT 30`,
  `ALTER TABLE tier ADD COLUMN closed INTEGER NOT NULL DEFAULT 0`,
  `CREATE TABLE waitlist (
     entry_id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE, quantity INTEGER NOT NULL,
     status TEXT NOT NULL, pass_overs INTEGER NOT NULL DEFAULT 0,
     offer_hold_id TEXT, offer_expires_at INTEGER, joined_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)`,
  `CREATE INDEX waitlist_waiting ON waitlist (seq) WHERE status = 'waiting'`,
  `CREATE TABLE returns (return_id TEXT PRIMARY KEY, quantity INTEGER NOT NULL, seats TEXT NOT NULL, created_at INTEGER NOT NULL)`,
  `CREATE TABLE notices (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL)`,
  ...CHECKIN_SCHEMA,
  // Who holds what (workers/domain/buyer-limits.ts): a buyer's new hold replaces their old ones.
  `ALTER TABLE holds ADD COLUMN buyer TEXT`,
  `ALTER TABLE holds ADD COLUMN client TEXT`,
  `CREATE INDEX holds_active_buyer ON holds (buyer) WHERE status = 'active' AND buyer IS NOT NULL`,
  `CREATE INDEX holds_active_client ON holds (client) WHERE status = 'active' AND client IS NOT NULL`,
  `ALTER TABLE waitlist ADD COLUMN client TEXT`,
  // Promo codes' uses and the units they keep (tier-inventory-promo.ts).
  ...PROMO_SCHEMA,
  // Every confirm and release asks whether its hold is a waitlist offer: without this, a scan of the
  // whole waitlist (thousands of entries for a sold-out tier) per sale.
  `CREATE INDEX waitlist_offered_hold ON waitlist (offer_hold_id) WHERE status = 'offered'`,
];
