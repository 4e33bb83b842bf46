import type pg from "pg";
import type { QueryOutcome } from "./sql-execution";

/** The fields of a Postgres error that Neon returns and the driver copies onto NeonDbError. */
const ERROR_FIELDS = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

/**
 * Shapes a result like Neon's `/sql`. Values are always text (what the driver
 * asks for with Neon-Raw-Text-Output: true); rows are arrays in array mode,
 * otherwise objects keyed by column name.
 */
export function neonResult(outcome: QueryOutcome, arrayMode: boolean) {
  const fields = outcome.fields.map((field) => ({
    name: field.name,
    dataTypeID: field.dataTypeID,
    tableID: field.tableID,
    columnID: field.columnID,
    dataTypeSize: field.dataTypeSize,
    dataTypeModifier: field.dataTypeModifier,
    format: "text",
  }));
  const rows = arrayMode
    ? outcome.rows
    : outcome.rows.map((row) => Object.fromEntries(fields.map((field, index) => [field.name, row[index] ?? null])));
  return { rowAsArray: arrayMode, fields, rows, command: outcome.command, rowCount: outcome.rowCount };
}

/** The 400 body for a Postgres error; absent fields are null, as with Neon. */
export function neonError(error: pg.DatabaseError): Record<string, string | null> {
  const body: Record<string, string | null> = { message: error.message };
  for (const field of ERROR_FIELDS) body[field] = error[field] ?? null;
  return body;
}
