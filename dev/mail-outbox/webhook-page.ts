/**
 * The webhook inbox page: every delivery received, newest first, with whether its signature
 * verifies against the secret set for its inbox, and a form to set that secret (shown once by the
 * organizer's Webhooks section when the endpoint is made). Everything received is escaped.
 */
import { escapeHtml } from "./page";
import type { ReceivedDelivery, Verdict } from "./webhook-inbox";

const VERDICT_TEXT: Record<Verdict, string> = {
  verified: "✔ signature verified",
  mismatch: "✘ signature does not match the secret",
  too_old: "✘ timestamp outside 5 minutes",
  malformed: "✘ no Admit-One-Signature header",
  no_secret: "? set this inbox's secret to verify",
};

const STYLE = `
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #f6f6f8; }
  header { background: #1d1d1f; color: #fff; padding: 12px 24px; }
  header a { color: #fff; font-weight: 600; }
  main { max-width: 960px; margin: 24px auto; padding: 0 16px; }
  article { background: #fff; border: 1px solid #e4e4e8; padding: 12px 16px; margin: 0 0 12px; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f8; padding: 8px; margin: 8px 0 0; font-size: 13px; }
  .verified { color: #1a7f37; } .mismatch, .too_old, .malformed { color: #b42318; } .no_secret { color: #6e6e73; }
  form { background: #fff; border: 1px solid #e4e4e8; padding: 12px 16px; margin: 0 0 16px; display: flex; gap: 8px; flex-wrap: wrap; align-items: end; }
  label { display: grid; font-size: 13px; color: #6e6e73; }
  .empty { background: #fff; padding: 32px; text-align: center; color: #6e6e73; }
`;

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export function renderWebhookInbox(deliveries: readonly (ReceivedDelivery & { verdict: Verdict })[], inboxesWithSecret: readonly string[]): string {
  const items = deliveries
    .map(
      (d) => `<article data-event-id="${escapeHtml(d.event_id ?? "")}" data-verdict="${d.verdict}">
  <strong>${escapeHtml(d.event_type ?? "(no type)")}</strong> · inbox <code>${escapeHtml(d.inbox)}</code> · ${escapeHtml(d.received_at.replace("T", " ").replace(/\.\d+Z$/, " UTC"))}
  · <span class="${d.verdict}">${VERDICT_TEXT[d.verdict]}</span>
  <div>event id <code>${escapeHtml(d.event_id ?? "")}</code></div>
  <pre>${escapeHtml(pretty(d.body))}</pre>
</article>`,
    )
    .join("\n");
  const secrets = inboxesWithSecret.length ? `<p>Secrets set for: ${inboxesWithSecret.map((n) => `<code>${escapeHtml(n)}</code>`).join(", ")}</p>` : "";
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Webhook inbox (${deliveries.length})</title><style>${STYLE}</style></head>
<body>
<header><a href="/">Mail outbox</a> · <a href="/webhooks">Webhook inbox</a> · local receiver: point an endpoint at <code>/webhooks/in/&lt;any name&gt;</code></header>
<main>
<form method="post" action="/webhooks/secret">
  <label>Inbox <input name="inbox" required pattern="[A-Za-z0-9_.\\-]{1,100}" placeholder="demo"></label>
  <label>Signing secret <input name="secret" required placeholder="whsec_…" size="50"></label>
  <button type="submit">Verify this inbox with it</button>
</form>
${secrets}
${deliveries.length === 0 ? `<p class="empty">No webhook deliveries yet.</p>` : items}
</main>
</body>
</html>`;
}
