/**
 * The dev stack's webhook inbox behaves like a receiver: it stores what it is sent, judges the
 * Admit-One-Signature against the inbox's secret, and can be told to fail, hang (so the sender
 * times out) or drop the connection — and then recovers.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../dev/ports";
import { type MailOutbox, startMailOutbox } from "../../dev/mail-outbox";
import { signatureHeader } from "../../workers/webhooks-out/signature";

let outbox: MailOutbox;
let counter = 0;

beforeAll(async () => {
  outbox = await startMailOutbox({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await outbox.stop();
});

const inbox = () => `t${Date.now().toString(36)}-${++counter}`;

async function deliver(name: string, body: string, signature: string | null, signal?: AbortSignal) {
  return fetch(`${outbox.url}/webhooks/in/${name}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "Admit-One-Event-Id": "evt_1", "Admit-One-Event-Type": "order.paid", ...(signature ? { "Admit-One-Signature": signature } : {}) },
    body,
    signal,
  });
}

async function received(name: string) {
  const response = await fetch(`${outbox.url}/webhooks/api/deliveries?inbox=${name}`);
  return ((await response.json()) as { data: { event_id: string; event_type: string; body: string; verdict: string }[] }).data;
}

const now = () => Math.floor(Date.now() / 1000);

describe("webhook inbox", () => {
  it("stores a delivery and judges its signature against the inbox's secret, set before or after", async () => {
    const name = inbox();
    const body = JSON.stringify({ id: "evt_1", type: "order.paid", data: { order_id: "o1" } });
    const good = await deliver(name, body, await signatureHeader("whsec_right", body, now()));
    expect(good.status).toBe(200);
    await deliver(name, body, await signatureHeader("whsec_wrong", body, now()));
    await deliver(name, body, await signatureHeader("whsec_right", body, now() - 3600));
    await deliver(name, body, null);
    expect((await received(name)).map((d) => d.verdict)).toEqual(["no_secret", "no_secret", "no_secret", "no_secret"]);

    const set = await fetch(`${outbox.url}/webhooks/inboxes/${name}/secret`, { method: "PUT", body: JSON.stringify({ secret: "whsec_right" }) });
    expect(set.status).toBe(200);
    const list = await received(name);
    expect(list.map((d) => d.verdict)).toEqual(["malformed", "too_old", "mismatch", "verified"]);
    expect(list[3]).toMatchObject({ event_id: "evt_1", event_type: "order.paid", body });
  });

  it("fails on request with 500, then recovers", async () => {
    const name = inbox();
    expect((await fetch(`${outbox.url}/webhooks/inboxes/${name}/faults`, { method: "POST", body: JSON.stringify({ mode: "error_500", times: 2 }) })).status).toBe(201);
    expect((await deliver(name, "{}", null)).status).toBe(500);
    expect((await deliver(name, "{}", null)).status).toBe(500);
    expect((await deliver(name, "{}", null)).status).toBe(200);
    expect(await received(name)).toHaveLength(1);
  });

  it("hangs so the sender times out, drops a connection, and stores neither", async () => {
    const name = inbox();
    await fetch(`${outbox.url}/webhooks/inboxes/${name}/faults`, { method: "POST", body: JSON.stringify({ mode: "hang", times: 1 }) });
    await fetch(`${outbox.url}/webhooks/inboxes/${name}/faults`, { method: "POST", body: JSON.stringify({ mode: "drop", times: 1 }) });
    const controller = new AbortController();
    const hung = deliver(name, "{}", null, controller.signal);
    // Still unanswered once a later request to another inbox has been answered.
    const other = await deliver(inbox(), "{}", null);
    expect(other.status).toBe(200);
    controller.abort();
    await expect(hung).rejects.toThrow();
    await expect(deliver(name, "{}", null)).rejects.toThrow();
    expect((await deliver(name, "{}", null)).status).toBe(200);
    expect(await received(name)).toHaveLength(1);
  });

  it("faults of one inbox never touch another; bad fault requests are refused", async () => {
    const a = inbox();
    const b = inbox();
    await fetch(`${outbox.url}/webhooks/inboxes/${a}/faults`, { method: "POST", body: JSON.stringify({ mode: "error_500", times: 5 }) });
    expect((await deliver(b, "{}", null)).status).toBe(200);
    expect((await fetch(`${outbox.url}/webhooks/inboxes/${a}/faults`, { method: "DELETE" })).status).toBe(200);
    expect((await deliver(a, "{}", null)).status).toBe(200);
    expect((await fetch(`${outbox.url}/webhooks/inboxes/${a}/faults`, { method: "POST", body: JSON.stringify({ mode: "explode" }) })).status).toBe(400);
    expect((await fetch(`${outbox.url}/webhooks/inboxes/${a}/faults`, { method: "POST", body: "{" })).status).toBe(400);
    expect((await fetch(`${outbox.url}/webhooks/in/${"x".repeat(101)}`, { method: "POST", body: "{}" })).status).toBe(400);
  });

  it("shows deliveries on a page with their verdicts, and sets a secret from its form", async () => {
    const name = inbox();
    const body = JSON.stringify({ id: "evt_page", type: "checkin.created", data: { note: "<script>" } });
    await deliver(name, body, await signatureHeader("whsec_page", body, now()));
    const form = await fetch(`${outbox.url}/webhooks/secret`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ inbox: name, secret: "whsec_page" }), redirect: "manual" });
    expect(form.status).toBe(303);
    const page = await (await fetch(`${outbox.url}/webhooks`)).text();
    expect(page).toContain('data-verdict="verified"');
    expect(page).toContain("&lt;script&gt;");
    expect(page).not.toContain("<script>");
  });
});

describe("the receiver in docs/webhooks.md", () => {
  it("accepts a signed delivery once per id and refuses a wrong secret, an old timestamp and no signature", async () => {
    const docs = readFileSync(new URL("../../docs/webhooks.md", import.meta.url), "utf8");
    const snippet = /```js\n([\s\S]*?)```/.exec(docs)![1]!;
    expect(snippet.trim().split("\n").length).toBeLessThanOrEqual(10);
    const file = join(mkdtempSync(join(tmpdir(), "admit-one-receiver-")), "receiver.mjs");
    writeFileSync(file, snippet.replace("listen(3000)", "listen(Number(process.env.PORT), '127.0.0.1')"));
    const port = await freePort();
    const child = spawn(process.execPath, [file], { env: { ...process.env, PORT: String(port), ADMIT_ONE_WEBHOOK_SECRET: "whsec_docs" }, stdio: ["ignore", "pipe", "inherit"] });
    let printed = "";
    child.stdout.on("data", (chunk: Buffer) => (printed += chunk.toString()));
    try {
      const body = JSON.stringify({ id: "evt_docs", type: "order.paid", data: { order_id: "o1" } });
      const send = async (headers: Record<string, string>) => {
        for (let attempt = 0; ; attempt++) {
          try {
            return (await fetch(`http://127.0.0.1:${port}/`, { method: "POST", body, headers })).status;
          } catch (error) {
            if (attempt > 50) throw error;
            await new Promise((resolve) => setTimeout(resolve, 100)); // the child is still starting
          }
        }
      };
      const signed = async (secret: string, t = now()) => ({ "Admit-One-Signature": await signatureHeader(secret, body, t) });
      expect(await send(await signed("whsec_docs"))).toBe(200);
      expect(await send(await signed("whsec_docs"))).toBe(200);
      expect(await send(await signed("whsec_other"))).toBe(400);
      expect(await send(await signed("whsec_docs", now() - 3600))).toBe(400);
      expect(await send({})).toBe(400);
      expect(printed.trim().split("\n")).toHaveLength(1);
    } finally {
      child.kill();
    }
  });
});
