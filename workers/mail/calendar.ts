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

const encoder = new TextEncoder();

/** Splits one content line into lines of at most 75 octets, continuation lines led by one space. */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  for (const char of line) {
    const size = encoder.encode(char).length;
    const limit = parts.length === 0 ? 75 : 74; // the leading space of a continuation counts
    if (octets + size > limit) {
      parts.push(current);
      current = "";
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
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
