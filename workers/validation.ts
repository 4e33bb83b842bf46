/**
 * Input validation at the edge: one wrapper over hono's validator so every route reports bad input
 * the same way (VALIDATION_FAILED with a `details` entry per field) and stays typed for `hc`.
 */
import { validator } from "hono/validator";
import type { ValidationTargets } from "hono";
import { z } from "zod";
import { ApiError, validationFailed, type FieldProblem } from "./errors";

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

export function describeIssues(issues: readonly z.core.$ZodIssue[], target: string): FieldProblem[] {
  return issues.flatMap((issue) => {
    const prefix = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: prefix ? `${prefix}.${key}` : key, message: "This field is not accepted here." }));
    }
    return [{ field: prefix || target, message: issue.message }];
  });
}

export function validate<Target extends keyof ValidationTargets, Schema extends z.ZodType>(
  target: Target,
  schema: Schema,
) {
  return validator(target, async (value, c) => {
    if (target === "json") {
      const mediaType = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim();
      if (!JSON_MEDIA_TYPE.test(mediaType)) {
        throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "Send the request body as JSON with Content-Type: application/json.");
      }
    }
    const parsed = await schema.safeParseAsync(value);
    if (!parsed.success) throw validationFailed(describeIssues(parsed.error.issues, target));
    return parsed.data as z.output<Schema>;
  });
}
