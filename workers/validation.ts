/**
 * Input validation at the edge: one wrapper over hono's validator so every route reports bad input
 * the same way (VALIDATION_FAILED with a `details` entry per field) and stays typed for `hc`.
 */
import { validator, type InferInput } from "hono/validator";
import type { MiddlewareHandler, ValidationTargets } from "hono";
import { z } from "zod";
import { ApiError, validationFailed, type FieldProblem } from "./errors";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

/**
 * Text no column can store: PostgreSQL refuses NUL in `text` (22021), and a lone UTF-16 surrogate
 * is not Unicode at all. Rejected here, for every string a client sends, rather than in each schema.
 */
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function isUnstorableText(text: string): boolean {
  return UNSTORABLE_TEXT.test(text);
}

/**
 * The first string (key or value) in a parsed input that no column can store, as a field path
 * like `attendee.name`. Walks with its own stack: a deeply nested body must not overflow ours.
 */
export function findUnstorableText(value: unknown, root: string): string | undefined {
  const stack: [unknown, string][] = [[value, ""]];
  while (stack.length > 0) {
    const [item, path] = stack.pop()!;
    if (typeof item === "string") {
      if (isUnstorableText(item)) return path || root;
    } else if (Array.isArray(item)) {
      item.forEach((child, i) => stack.push([child, path ? `${path}.${i}` : String(i)]));
    } else if (item !== null && typeof item === "object") {
      for (const [key, child] of Object.entries(item)) {
        const at = path ? `${path}.${key}` : key;
        if (isUnstorableText(key)) return path || root;
        stack.push([child, at]);
      }
    }
  }
  return undefined;
}

function decodeUrlComponent(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * Path segments and query parameters, decoded as the routes will read them: the field that is not
 * percent-encoded UTF-8 or decodes to unstorable text (`path`, or the query parameter's name).
 * Checked once for every route, before routing, so no handler sees `%00` as a path parameter.
 */
export function findUnstorableUrlPart(url: URL): string | undefined {
  for (const segment of url.pathname.split("/")) {
    const decoded = decodeUrlComponent(segment);
    if (decoded === undefined || isUnstorableText(decoded)) return "path";
  }
  for (const pair of url.search.slice(1).split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const key = decodeUrlComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, " "));
    if (key === undefined || isUnstorableText(key)) return "query";
    const value = eq < 0 ? "" : decodeUrlComponent(pair.slice(eq + 1).replace(/\+/g, " "));
    if (value === undefined || isUnstorableText(value)) return key;
  }
  return undefined;
}

export function unstorableText(field: string): ApiError {
  return validationFailed([{ field, message: "Text may not contain NUL characters or unpaired UTF-16 surrogates." }]);
}

export function describeIssues(issues: readonly z.core.$ZodIssue[], target: string): FieldProblem[] {
  return issues.flatMap((issue) => {
    const prefix = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: prefix ? `${prefix}.${key}` : key, message: "This field is not accepted here." }));
    }
    return [{ field: prefix || target, message: issue.message }];
  });
}

/**
 * What `hc` sends (the schema's input: optional and defaulted fields may be left out, query and
 * path values as strings) and what the handler reads (the schema's output).
 */
type Validated<Target extends keyof ValidationTargets, Schema extends z.ZodType> = {
  in: { [K in Target]: K extends "json" ? z.input<Schema> : InferInput<z.input<Schema>, K> };
  out: { [K in Target]: z.output<Schema> };
};

export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): MiddlewareHandler<any, string, Validated<Target, Schema>> {
  return validator(target, async (value, c) => {
    if (target === "json") {
      const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim();
      if (!JSON_MEDIA_TYPE.test(mediaType)) {
        throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "Send the request body as JSON with Content-Type: application/json.");
      }
    }
    const unstorable = findUnstorableText(value, target);
    if (unstorable !== undefined) throw unstorableText(unstorable);
    const parsed = await schema.safeParseAsync(value);
    if (!parsed.success) throw validationFailed(describeIssues(parsed.error.issues, target));
    return parsed.data as z.output<Schema>;
  }) as unknown as MiddlewareHandler<any, string, Validated<Target, Schema>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * For a handler that reads and checks its JSON body itself (one that may also be empty, such as the
 * waiting room's join): declares the body's type to hc, so pages send the route's own type. Types
 * only: at run time it does nothing.
 */
export function declaresJson<Schema extends z.ZodType>(
  schema: Schema, // eslint-disable-line @typescript-eslint/no-unused-vars
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): MiddlewareHandler<any, string, { in: { json: z.input<Schema> }; out: { json: z.output<Schema> } }> {
  return async (_c, next) => {
    await next();
  };
}
