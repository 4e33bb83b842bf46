/**
 * Checks a `POST /emails` body the way Resend does, with Resend's messages, so
 * mistakes in the app's mail code fail here rather than in production.
 */
import { addressOf, type Mail } from "./mail";

export type MailInput = Omit<Mail, "id" | "created_at">;

export class ValidationError extends Error {}

const MAX_RECIPIENTS = 50;
const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const MAILBOX_WITH_NAME = /^[^<>]*<[^<>]+>$/;
const TAG_PART = /^[A-Za-z0-9_-]{1,256}$/;

function isMailbox(value: string): boolean {
  if (MAILBOX_WITH_NAME.test(value.trim())) return ADDRESS.test(addressOf(value));
  return ADDRESS.test(value.trim());
}

function invalidAddress(field: string): ValidationError {
  return new ValidationError(
    `Invalid \`${field}\` field. The email address needs to follow the \`email@example.com\` or \`Name <email@example.com>\` format.`,
  );
}

function mailboxList(body: Record<string, unknown>, field: string, required: boolean): string[] {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) throw new ValidationError(`Missing \`${field}\` field.`);
    return [];
  }
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || list.some((item) => typeof item !== "string")) throw invalidAddress(field);
  if (required && list.length === 0) throw new ValidationError(`Missing \`${field}\` field.`);
  if (list.length > MAX_RECIPIENTS) throw new ValidationError(`The \`${field}\` field can have at most ${MAX_RECIPIENTS} addresses.`);
  for (const item of list as string[]) if (!isMailbox(item)) throw invalidAddress(field);
  return list as string[];
}

function optionalString(body: Record<string, unknown>, field: string): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw new ValidationError(`The \`${field}\` field must be a string.`);
  return value;
}

function headers(body: Record<string, unknown>): Record<string, string> {
  const value = body.headers;
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new ValidationError("The `headers` field must be an object.");
  const result: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(value)) {
    if (typeof headerValue !== "string") throw new ValidationError(`The header \`${name}\` must have a string value.`);
    result[name] = headerValue;
  }
  return result;
}

function tags(body: Record<string, unknown>): Mail["tags"] {
  const value = body.tags;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ValidationError("The `tags` field must be an array.");
  return value.map((tag: unknown) => {
    const { name, value: tagValue } = (tag ?? {}) as { name?: unknown; value?: unknown };
    if (typeof name !== "string" || typeof tagValue !== "string" || !TAG_PART.test(name) || !TAG_PART.test(tagValue)) {
      throw new ValidationError(
        "Tags should only contain ASCII letters (a–z, A–Z), numbers (0–9), underscores (_), or dashes (-), and at most 256 characters.",
      );
    }
    return { name, value: tagValue };
  });
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MAX_ATTACHMENTS_BYTES = 40 * 1024 * 1024;

/** Resend takes `content` as base64 (a `path` URL it would fetch is not offered here). */
function attachments(body: Record<string, unknown>): Mail["attachments"] {
  const value = body.attachments;
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ValidationError("The `attachments` field must be an array.");
  let total = 0;
  return value.map((item: unknown) => {
    const { filename, content, content_type, content_id } = (item ?? {}) as Record<string, unknown>;
    if (typeof filename !== "string" || filename === "") throw new ValidationError("Each attachment needs a `filename`.");
    if (typeof content !== "string" || !BASE64.test(content)) throw new ValidationError("An attachment's `content` must be base64 (this outbox does not fetch `path`).");
    if (content_type !== undefined && typeof content_type !== "string") throw new ValidationError("An attachment's `content_type` must be a string.");
    if (content_id !== undefined && (typeof content_id !== "string" || content_id === "")) throw new ValidationError("An attachment's `content_id` must be a non-empty string.");
    total += (content.length * 3) / 4;
    if (total > MAX_ATTACHMENTS_BYTES) throw new ValidationError("Attachments may be at most 40MB per email.");
    return { filename, content, content_type: content_type ?? "application/octet-stream", content_id: content_id ?? null };
  });
}

export function validateMail(body: unknown): MailInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ValidationError("The request body must be a JSON object.");
  }
  const record = body as Record<string, unknown>;
  const from = optionalString(record, "from");
  if (!from) throw new ValidationError("Missing `from` field.");
  if (!isMailbox(from)) throw invalidAddress("from");
  const to = mailboxList(record, "to", true);
  const subject = optionalString(record, "subject");
  if (!subject) throw new ValidationError("Missing `subject` field.");
  const html = optionalString(record, "html");
  const text = optionalString(record, "text");
  if (!html && !text) throw new ValidationError("Missing `html` or `text` field.");
  return {
    from,
    to,
    cc: mailboxList(record, "cc", false),
    bcc: mailboxList(record, "bcc", false),
    reply_to: mailboxList(record, "reply_to", false),
    subject,
    html,
    text,
    headers: headers(record),
    tags: tags(record),
    attachments: attachments(record),
  };
}
