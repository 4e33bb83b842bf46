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

function lines<Row extends object>(columns: (keyof Row & string)[], rows: Row[]): string {
  return rows.map((row) => columns.map((c) => cell(row[c])).join(",") + "\r\n").join("");
}

export function toCsv<Row extends object>(columns: (keyof Row & string)[], rows: Row[]): string {
  return columns.join(",") + "\r\n" + lines(columns, rows);
}

/** One page of an export and the key to read the next one after (null on the last page). */
export type CsvPage<Row, Key> = { rows: Row[]; next: Key | null };

/**
 * The same CSV as `toCsv`, produced a page at a time as the reader pulls: only the page being
 * written is ever in memory, however long the export. A page that fails to load ends the stream
 * with an error (the download is cut short rather than silently incomplete).
 */
export function csvStream<Row extends object, Key>(
  columns: (keyof Row & string)[],
  readPage: (after: Key | undefined) => Promise<CsvPage<Row, Key>>,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let after: Key | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(columns.join(",") + "\r\n"));
          return;
        }
        const page = await readPage(after);
        if (page.rows.length > 0) controller.enqueue(encoder.encode(lines(columns, page.rows)));
        if (page.next === null) controller.close();
        else after = page.next;
      },
    },
    { highWaterMark: 0 },
  );
}
