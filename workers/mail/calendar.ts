/**
 * An iCalendar file (RFC 5545) for the confirmation mail, so "add to calendar" is one tap. Times in
 * UTC (`Z`), so no VTIMEZONE is needed; text escaped (§3.3.11); lines end in CRLF and are folded at
 * 75 octets without splitting a UTF-8 character (§3.1).
 *
 * The URL is the event's page, not the order link: calendars get shared and synced, and the order
 * link is a bearer credential (it opens the tickets and asks for refunds).
 */
export interface CalendarEntry {
  uid: string;
  stampedAt: Date;
  startsAt: Date;
  endsAt: Date;
  summary: string;
  location: string;
  description: string;
  url: string;
}

/** `20261201T190000Z` */
export function icsTime(at: Date): string {
  return at.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
}

export function icsText(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r\n|\r|\n/g, "\\n");
}

/** The UTF-8 length of the code point `code` (a lone surrogate is written as U+FFFD: 3 octets). */
function utf8Octets(code: number): number {
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}

/**
 * Splits one content line into lines of at most 75 octets, continuation lines led by one space.
 * One pass over the code points, counting their UTF-8 octets arithmetically, cutting with slice:
 * no encoder call and no string grown per character (issue #13). A line that cannot need folding
 * (at most 25 UTF-16 units: at most 75 octets even if every unit took 3) is returned as it is.
 */
export function foldLine(line: string): string {
  if (line.length <= 25) return line;
  const parts: string[] = [];
  let start = 0;
  let octets = 0;
  let limit = 75;
  for (let i = 0; i < line.length; ) {
    const code = line.codePointAt(i)!;
    const units = code > 0xffff ? 2 : 1;
    const size = utf8Octets(code);
    if (octets + size > limit) {
      parts.push(line.slice(start, i));
      start = i;
      octets = 0;
      limit = 74; // the leading space of a continuation counts
    }
    octets += size;
    i += units;
  }
  parts.push(line.slice(start));
  return parts.join("\r\n ");
}

export function calendarFile(entry: CalendarEntry): string {
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Admit One//Tickets//EN",
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    "BEGIN:VEVENT",
    `UID:${icsText(entry.uid)}`,
    `DTSTAMP:${icsTime(entry.stampedAt)}`,
    `DTSTART:${icsTime(entry.startsAt)}`,
    `DTEND:${icsTime(entry.endsAt)}`,
    `SUMMARY:${icsText(entry.summary)}`,
    ...(entry.location ? [`LOCATION:${icsText(entry.location)}`] : []),
    `DESCRIPTION:${icsText(entry.description)}`,
    `URL:${entry.url}`,
    "END:VEVENT",
    "END:VCALENDAR",
  ];
  return lines.map(foldLine).join("\r\n") + "\r\n";
}
