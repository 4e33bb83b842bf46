/**
 * The outbox's HTML pages. Every value that came from a mail is escaped; a
 * mail's own HTML is shown only inside a sandboxed iframe (no scripts, no
 * same-origin access), so a hostile template cannot touch the page around it.
 */
import type { Mail } from "./mail";

/** Sent with every page: nothing loads from elsewhere except mail images. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data: http: https:; frame-src 'self'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const STYLE = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #f6f6f8; }
  header { background: #1d1d1f; color: #fff; padding: 12px 24px; }
  header a { color: #fff; text-decoration: none; font-weight: 600; }
  main { max-width: 960px; margin: 24px auto; padding: 0 16px; }
  table { width: 100%; border-collapse: collapse; background: #fff; }
  th, td { text-align: left; padding: 8px 12px; border-bottom: 1px solid #e4e4e8; vertical-align: top; }
  th { font-size: 13px; color: #6e6e73; font-weight: 600; }
  td.time { white-space: nowrap; color: #6e6e73; font-variant-numeric: tabular-nums; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; padding: 16px; margin: 0 0 16px; }
  dt { color: #6e6e73; }
  dd { margin: 0; overflow-wrap: anywhere; }
  iframe { width: 100%; height: 60vh; border: 1px solid #e4e4e8; background: #fff; }
  pre { white-space: pre-wrap; background: #fff; padding: 16px; border: 1px solid #e4e4e8; }
  .empty { background: #fff; padding: 32px; text-align: center; color: #6e6e73; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><a href="/">Mail outbox</a> · local stand-in, nothing is really sent</header>
<main>
${body}
</main>
</body>
</html>`;
}

function formatTime(iso: string): string {
  return iso.replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** The inbox: every stored mail, newest first. */
export function renderInbox(mails: readonly Mail[]): string {
  if (mails.length === 0) return layout("Mail outbox", `<p class="empty">No mail yet.</p>`);
  const rows = mails
    .map(
      (mail) => `<tr>
  <td class="time">${escapeHtml(formatTime(mail.created_at))}</td>
  <td>${escapeHtml(mail.to.join(", "))}</td>
  <td><a href="/emails/${encodeURIComponent(mail.id)}">${escapeHtml(mail.subject)}</a></td>
  <td>${escapeHtml(mail.from)}</td>
</tr>`,
    )
    .join("\n");
  return layout(
    `Mail outbox (${mails.length})`,
    `<table>
<thead><tr><th>Time</th><th>To</th><th>Subject</th><th>From</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`,
  );
}

function field(label: string, value: string): string {
  return value ? `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>` : "";
}

/** One mail: its envelope, its HTML body (sandboxed) and its text body. */
export function renderMail(mail: Mail): string {
  const envelope = [
    field("From", mail.from),
    field("To", mail.to.join(", ")),
    field("Cc", mail.cc.join(", ")),
    field("Bcc", mail.bcc.join(", ")),
    field("Reply-To", mail.reply_to.join(", ")),
    field("Subject", mail.subject),
    field("Sent", formatTime(mail.created_at)),
    field("Tags", mail.tags.map((tag) => `${tag.name}=${tag.value}`).join(", ")),
    ...Object.entries(mail.headers).map(([name, value]) => field(name, value)),
    field("Id", mail.id),
  ].join("\n");
  const html =
    mail.html === null
      ? ""
      : `<h2>HTML</h2>\n<iframe sandbox="" title="HTML body" srcdoc="${escapeHtml(inlineImages(mail))}"></iframe>`;
  const text = mail.text === null ? "" : `<h2>Text</h2>\n<pre>${escapeHtml(mail.text)}</pre>`;
  const files = mail.attachments.length
    ? `<h2>Attachments</h2>\n<ul>${mail.attachments
        .map(
          (file, i) =>
            `<li><a href="/emails/${encodeURIComponent(mail.id)}/attachments/${i}" download="${escapeHtml(file.filename)}">${escapeHtml(file.filename)}</a> · ${escapeHtml(file.content_type)}${file.content_id ? ` · inline as cid:${escapeHtml(file.content_id)}` : ""}</li>`,
        )
        .join("")}</ul>`
    : "";
  return layout(mail.subject, `<dl>\n${envelope}\n</dl>\n${html}\n${files}\n${text}`);
}

/** The HTML with its `cid:` images drawn from the inline attachments, as a mail client shows it. */
function inlineImages(mail: Mail): string {
  const inline = new Map(mail.attachments.filter((file) => file.content_id).map((file) => [file.content_id!, file]));
  return (mail.html ?? "").replace(/(["'])cid:([^"']+)\1/g, (whole, quote: string, id: string) => {
    const file = inline.get(id);
    return file && /^image\//.test(file.content_type) ? `${quote}data:${file.content_type};base64,${file.content}${quote}` : whole;
  });
}

export function renderNotFound(id: string): string {
  return layout("Not found", `<p class="empty">No mail with id ${escapeHtml(id)}. <a href="/">Back to the inbox</a></p>`);
}
