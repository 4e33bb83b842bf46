/**
 * CSV for spreadsheets: RFC 4180 quoting, CRLF line ends, and a leading apostrophe on cells a
 * spreadsheet would run as a formula (an attendee named "=HYPERLINK(…)" must stay text).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv<Row extends object>(columns: (keyof Row & string)[], rows: Row[]): string {
  return [columns.join(","), ...rows.map((row) => columns.map((c) => cell(row[c])).join(","))].join("\r\n") + "\r\n";
}
