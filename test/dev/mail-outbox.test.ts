/** The mail outbox as the Worker's mail adapter and a developer's browser see it. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeEach, beforeAll, describe, expect, it } from "vitest";
import { type Mail, type MailOutbox, startMailOutbox } from "../../dev/mail-outbox";

let outbox: MailOutbox;

beforeAll(async () => {
  outbox = await startMailOutbox({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await outbox.stop();
});
beforeEach(async () => {
  await fetch(`${outbox.url}/api/emails`, { method: "DELETE" });
  await fetch(`${outbox.url}/_outbox/faults`, { method: "DELETE" });
});

const MAIL = {
  from: "Admit One <tickets@admit-one.test>",
  to: ["ada@example.com"],
  subject: "Your tickets",
  html: "<p>See you there</p>",
  text: "See you there",
};

function send(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${outbox.url}/emails`, {
    method: "POST",
    headers: { Authorization: "Bearer re_test_key", "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

async function listFor(to: string): Promise<Mail[]> {
  const response = await fetch(`${outbox.url}/api/emails?to=${encodeURIComponent(to)}`);
  return ((await response.json()) as { data: Mail[] }).data;
}

describe("mail outbox API", () => {
  it("stores a sent mail and lists it by recipient", async () => {
    const response = await send({ ...MAIL, tags: [{ name: "kind", value: "tickets" }] });
    expect(response.status).toBe(200);
    const { id } = (await response.json()) as { id: string };
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const [mail] = await listFor("ADA@example.com");
    expect(mail).toMatchObject({ id, from: MAIL.from, to: MAIL.to, subject: MAIL.subject, html: MAIL.html, text: MAIL.text });
    expect(Date.parse(mail!.created_at)).not.toBeNaN();
    expect(await listFor("someone-else@example.com")).toEqual([]);
    expect(outbox.messages().map((message) => message.id)).toEqual([id]);
  });

  it("accepts a single recipient as a string and lists newest first", async () => {
    await send({ ...MAIL, to: "Ada <ada@example.com>", subject: "first" });
    await send({ ...MAIL, subject: "second" });
    expect((await listFor("ada@example.com")).map((mail) => mail.subject)).toEqual(["second", "first"]);
  });

  it("turns a retry with the same Idempotency-Key into one mail", async () => {
    const key = `mail-${randomUUID()}`;
    const first = (await (await send(MAIL, { "Idempotency-Key": key })).json()) as { id: string };
    const retry = await send(MAIL, { "Idempotency-Key": key });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { id: string }).id).toBe(first.id);
    expect(outbox.messages()).toHaveLength(1);

    const conflict = await send({ ...MAIL, subject: "different" }, { "Idempotency-Key": key });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({ statusCode: 409, name: "invalid_idempotent_request" });
  });

  it("answers 422 for an invalid mail, as Resend does", async () => {
    const missingSubject = await send({ ...MAIL, subject: undefined });
    expect(missingSubject.status).toBe(422);
    expect(await missingSubject.json()).toEqual({ name: "validation_error", message: "Missing `subject` field.", statusCode: 422 });

    const badRecipient = await send({ ...MAIL, to: ["not-an-address"] });
    expect(badRecipient.status).toBe(422);
    expect(((await badRecipient.json()) as { message: string }).message).toMatch(/Invalid `to` field/);

    const notJson = await fetch(`${outbox.url}/emails`, { method: "POST", headers: { Authorization: "Bearer k" }, body: "{" });
    expect(notJson.status).toBe(422);
    expect(outbox.messages()).toEqual([]);
  });

  it("answers 401 without an API key", async () => {
    const response = await fetch(`${outbox.url}/emails`, { method: "POST", body: JSON.stringify(MAIL) });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ statusCode: 401, name: "missing_api_key" });
  });

  it("fails the next sends on request, storing nothing", async () => {
    const scheduled = await fetch(`${outbox.url}/_outbox/faults`, { method: "POST", body: JSON.stringify({ mode: "error_500", times: 2 }) });
    expect(scheduled.status).toBe(201);
    expect((await send(MAIL)).status).toBe(500);
    expect((await send(MAIL)).status).toBe(500);
    expect((await send(MAIL)).status).toBe(200);

    await fetch(`${outbox.url}/_outbox/faults`, { method: "POST", body: JSON.stringify({ mode: "error_429", times: 1 }) });
    const limited = await send(MAIL);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(await limited.json()).toMatchObject({ statusCode: 429, name: "rate_limit_exceeded" });
    expect(outbox.messages()).toHaveLength(1);

    const invalid = await fetch(`${outbox.url}/_outbox/faults`, { method: "POST", body: JSON.stringify({ mode: "explode" }) });
    expect(invalid.status).toBe(400);
  });

  it("retrieves a mail as Resend JSON for API clients", async () => {
    const { id } = (await (await send(MAIL)).json()) as { id: string };
    const response = await fetch(`${outbox.url}/emails/${id}`, { headers: { Authorization: "Bearer k" } });
    expect(await response.json()).toMatchObject({ object: "email", id, subject: MAIL.subject });
    const missing = await fetch(`${outbox.url}/emails/${randomUUID()}`, { headers: { Authorization: "Bearer k" } });
    expect(missing.status).toBe(404);
  });
});

describe("mail outbox pages", () => {
  const hostile = {
    ...MAIL,
    subject: `<script>alert("subject")</script> & more`,
    html: `<p onclick="steal()">Hi "you"</p><script>alert(1)</script>`,
    text: "Plain <b>text</b>",
  };

  it("lists mail on the inbox page, escaped", async () => {
    await send(hostile);
    const response = await fetch(`${outbox.url}/`);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const page = await response.text();
    expect(page).toContain("&lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt; &amp; more");
    expect(page).toContain("ada@example.com");
    expect(page).not.toContain("<script>");
  });

  it("shows one mail with its HTML in a sandboxed iframe and its text", async () => {
    const { id } = (await (await send(hostile)).json()) as { id: string };
    const page = await (await fetch(`${outbox.url}/emails/${id}`, { headers: { Accept: "text/html" } })).text();
    expect(page).toContain(
      `<iframe sandbox="" title="HTML body" srcdoc="&lt;p onclick=&quot;steal()&quot;&gt;Hi &quot;you&quot;&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;">`,
    );
    expect(page).toContain("<pre>Plain &lt;b&gt;text&lt;/b&gt;</pre>");
    expect(page).not.toContain("<script>");
  });
});
