import { paramError } from "./errors";
import type { FormObject, FormValue } from "./form";

/**
 * Typed, schema-at-the-call-site access to decoded form parameters, producing
 * Stripe's own wording for bad input ("Missing required param: amount.").
 * Every failure is a validation error, so it is never stored for idempotency.
 */
export class Params {
  constructor(
    private readonly values: FormObject,
    private readonly prefix = "",
  ) {}

  /** The parameter's full name as Stripe reports it, e.g. `metadata[order_id]`. */
  nameOf(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.values, key);
  }

  private raw(key: string): FormValue | undefined {
    return this.has(key) ? this.values[key] : undefined;
  }

  /** Stripe rejects parameters an endpoint does not know; so do we. */
  assertKnown(allowed: readonly string[]): void {
    for (const key of Object.keys(this.values)) {
      if (key === "expand" && this.prefix === "") continue;
      if (!allowed.includes(key)) {
        throw paramError(`Received unknown parameter: ${this.nameOf(key)}`, this.nameOf(key), "parameter_unknown");
      }
    }
  }

  string(key: string): string | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw paramError(`Invalid string: ${this.nameOf(key)}`, this.nameOf(key));
    return value;
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === undefined || value === "") throw missing(this.nameOf(key));
    return value;
  }

  /** Stripe's convention: sending an empty string unsets a nullable field. */
  nullableString(key: string, maxLength = 5000): string | null | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (value === "") return null;
    if (value.length > maxLength) {
      throw paramError(`Invalid ${this.nameOf(key)}: must be at most ${maxLength} characters`, this.nameOf(key));
    }
    return value;
  }

  integer(key: string): number | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw paramError(`Invalid integer: ${value}`, this.nameOf(key), "parameter_invalid_integer");
    }
    return Number(value);
  }

  requiredInteger(key: string): number {
    const value = this.integer(key);
    if (value === undefined) throw missing(this.nameOf(key));
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (value !== "true" && value !== "false") throw paramError(`Invalid boolean: ${value}`, this.nameOf(key));
    return value === "true";
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw paramError(`Invalid ${this.nameOf(key)}: must be one of ${describeChoices(allowed)}`, this.nameOf(key));
    }
    return value as T;
  }

  /** Arrays arrive as `key[0]=a&key[1]=b` (or `key[]=a`), i.e. an index-keyed hash. */
  stringList(key: string): string[] | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    const invalid = () => paramError("Invalid array", this.nameOf(key));
    if (typeof value === "string") {
      if (value === "") return [];
      throw invalid();
    }
    const indexed = Object.entries(value).map(([index, item]) => {
      if (!/^\d+$/.test(index) || typeof item !== "string") throw invalid();
      return [Number(index), item] as const;
    });
    return indexed.sort(([a], [b]) => a - b).map(([, item]) => item);
  }

  object(key: string): Params | undefined {
    const value = this.raw(key);
    if (value === undefined || value === "") return undefined;
    if (typeof value === "string") throw paramError("Invalid hash", this.nameOf(key));
    return new Params(value, this.nameOf(key));
  }

  /** A hash of strings; `null` when the client sent `key=` (meaning "clear it"). */
  stringHash(key: string): Record<string, string> | null | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (value === "") return null;
    if (typeof value === "string") throw paramError("Invalid hash", this.nameOf(key));
    const result: Record<string, string> = {};
    for (const [entryKey, entryValue] of Object.entries(value)) {
      if (typeof entryValue !== "string") throw paramError("Invalid hash", `${this.nameOf(key)}[${entryKey}]`);
      result[entryKey] = entryValue;
    }
    return result;
  }

  expand(): string[] {
    return this.stringList("expand") ?? [];
  }
}

function missing(param: string) {
  return paramError(`Missing required param: ${param}.`, param, "parameter_missing");
}

function describeChoices(choices: readonly string[]): string {
  if (choices.length < 2) return choices.join("");
  return `${choices.slice(0, -1).join(", ")}, or ${choices[choices.length - 1]}`;
}
