export interface Attachment {
  filename: string;
  content: string;
  content_type: string;
  content_id: string | null;
}

/** A stored mail, as the outbox keeps it and returns it from its JSON API. */
export interface Mail {
  id: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  reply_to: string[];
  subject: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  tags: { name: string; value: string }[];
  /** Resend's attachments: base64 `content`; `content_id` marks an inline one (`cid:` in the HTML). */
  attachments: Attachment[];
  /** ISO 8601 timestamp of when the outbox accepted the mail. */
  created_at: string;
}

/** The bare address of "Name <addr@example.com>" or "addr@example.com", lower-cased. */
export function addressOf(mailbox: string): string {
  const address = /<([^<>]+)>\s*$/.exec(mailbox)?.[1] ?? mailbox;
  return address.trim().toLowerCase();
}
