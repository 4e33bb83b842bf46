import { paramError } from "./errors";
import type { Params } from "./params";

export type Metadata = Record<string, string>;

// Stripe's published limits; enforcing them here surfaces oversize metadata in
// development instead of as a production 400.
const MAX_KEYS = 50;
const MAX_KEY_LENGTH = 40;
const MAX_VALUE_LENGTH = 500;

/**
 * Applies a `metadata` parameter to existing metadata with Stripe's update
 * semantics: keys merge, a key sent as "" is removed, and `metadata=` clears
 * everything. Returns `current` unchanged when the parameter is absent.
 */
export function applyMetadata(params: Params, current: Metadata): Metadata {
  const update = params.stringHash("metadata");
  if (update === undefined) return current;
  if (update === null) return {};
  const next: Metadata = { ...current };
  for (const [key, value] of Object.entries(update)) {
    const name = `metadata[${key}]`;
    if (key.length > MAX_KEY_LENGTH) {
      throw paramError(`Metadata keys can have up to ${MAX_KEY_LENGTH} characters.`, name);
    }
    if (value.length > MAX_VALUE_LENGTH) {
      throw paramError(`Metadata values can have up to ${MAX_VALUE_LENGTH} characters.`, name);
    }
    if (value === "") delete next[key];
    else next[key] = value;
  }
  if (Object.keys(next).length > MAX_KEYS) {
    throw paramError(`Metadata can have up to ${MAX_KEYS} keys.`, "metadata");
  }
  return next;
}
