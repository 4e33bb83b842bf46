/**
 * Sending mail through a transactional mail API (Resend's shape). Locally MAIL_API_URL points at
 * dev/mail-outbox, which stores what would have been sent and shows it on a page.
 */
export interface OutgoingMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Resend's shape: base64 `content`; a `content_id` shows it inline (`cid:` in the HTML). */
  attachments?: { filename: string; content: string; content_type: string; content_id?: string }[];
}

export interface MailSettings {
  apiUrl: string;
  apiKey: string;
  from: string;
}

export type SendResult = { ok: true; messageId: string } | { ok: false; retryable: boolean; reason: string };

/** The idempotency key makes a retried send (a redelivered queue message) one mail, not two. */
export async function sendMail(settings: MailSettings, mail: OutgoingMail, idempotencyKey: string): Promise<SendResult> {
  let response: Response;
  try {
    response = await fetch(`${settings.apiUrl.replace(/\/$/, "")}/emails`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${settings.apiKey}`,
        "Content-Type": "application/json",
        "Idempotency-Key": idempotencyKey,
      },
      body: JSON.stringify({
        from: settings.from,
        to: [mail.to],
        subject: mail.subject,
        html: mail.html,
        text: mail.text,
        ...(mail.attachments?.length ? { attachments: mail.attachments } : {}),
      }),
    });
  } catch (error) {
    return { ok: false, retryable: true, reason: `mail API unreachable: ${String(error)}` };
  }
  if (response.ok) {
    const body = (await response.json()) as { id?: string };
    return { ok: true, messageId: body.id ?? "" };
  }
  const detail = await response.text();
  return {
    ok: false,
    retryable: response.status === 429 || response.status >= 500,
    reason: `mail API answered ${response.status}: ${detail.slice(0, 200)}`,
  };
}
