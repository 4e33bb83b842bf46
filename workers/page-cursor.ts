/**
 * Cursors of the organizer's paged lists: the last row's sort key as base64url JSON. Clients treat
 * them as opaque and hand `next_cursor` back as it came; the key is read back through a zod schema,
 * so a forged or mangled cursor is a VALIDATION_FAILED on `cursor`, never a query with junk in it.
 */
import { z } from "zod";

export const PAGE_SIZE = { default: 100, max: 500 } as const;

export function encodeCursor(key: readonly unknown[]): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(JSON.stringify(key))) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeCursor(cursor: string): unknown {
  if (cursor.length > 4000 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))));
  } catch {
    return undefined;
  }
}

/** Text inside a key: what a text column can hold (PostgreSQL refuses NUL; a lone surrogate is no Unicode). */
export const keyText = z.string().max(2000).refine((s) => !/\u0000|[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, "")));
/** An int4 inside a key. */
export const keyInt = z.number().int().min(-2147483648).max(2147483647);

/** The query of a list paged on keys of shape `key`: `?cursor=&limit=` (default 100, at most 500). */
export function pagedQuery<K extends z.ZodType>(key: K) {
  return z
    .object({
      cursor: z
        .string()
        .optional()
        .transform((value, ctx): z.output<K> | undefined => {
          if (value === undefined || value === "") return undefined;
          const parsed = key.safeParse(decodeCursor(value));
          if (parsed.success) return parsed.data;
          ctx.addIssue({ code: "custom", message: "Not a cursor of this list: pass next_cursor back as it came." });
          return z.NEVER;
        }),
      limit: z.coerce.number().int().min(1).max(PAGE_SIZE.max).default(PAGE_SIZE.default),
    })
    .strict();
}
