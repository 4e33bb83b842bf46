/** Where a webhook endpoint may point (SSRF), and when a failing delivery is tried again. */
import { describe, expect, it } from "vitest";
import { checkEndpointUrl } from "../../workers/domain/webhook-url";
import { FIRST_RETRY_SECONDS, MAX_RETRY_SECONDS, RETRY_FOR_MS, nextAttemptAt, isDelivered, spreadSeedOf } from "../../workers/domain/webhook-delivery";
import { signatureHeader, verifySignature } from "../../workers/webhooks-out/signature";
import { DEFAULT_GRACE_SECONDS, graceEndsAt, graceShown, signingSecrets } from "../../workers/domain/webhook-secret-rotation";

const refused = (url: string, dev = false) => {
  const verdict = checkEndpointUrl(url, dev);
  return verdict.ok ? "ok" : verdict.reason;
};

describe("endpoint URLs (production)", () => {
  it("accepts https URLs of public names and addresses", () => {
    for (const url of ["https://hooks.example.com/admit-one", "https://example.com:8443/x?y=1", "https://8.8.8.8/hook", "https://[2606:4700:4700::1111]/hook"]) {
      expect(refused(url), url).toBe("ok");
    }
  });

  it("refuses plain http, credentials, and anything that is not a URL", () => {
    expect(refused("http://hooks.example.com/")).toBe("scheme");
    expect(refused("ftp://hooks.example.com/")).toBe("scheme");
    expect(refused("https://user:pass@hooks.example.com/")).toBe("credentials");
    expect(refused("hooks.example.com/path")).toBe("not_a_url");
    expect(refused(`https://example.com/${"a".repeat(2100)}`)).toBe("too_long");
  });

  it("refuses loopback, private, link-local and reserved addresses in every spelling the URL parser accepts", () => {
    const internal = [
      "https://127.0.0.1/", "https://127.1/", "https://2130706433/", "https://0x7f.0.0.1/", "https://0177.0.0.1/",
      "https://localhost/", "https://api.localhost/", "https://[::1]/", "https://[0:0:0:0:0:0:0:1]/", "https://[::ffff:127.0.0.1]/",
      "https://10.1.2.3/", "https://172.16.0.1/", "https://172.31.255.255/", "https://192.168.1.1/", "https://169.254.169.254/latest/meta-data",
      "https://100.64.0.1/", "https://0.0.0.0/", "https://224.0.0.1/", "https://255.255.255.255/", "https://[fd00::1]/", "https://[fe80::1]/",
      "https://[::ffff:10.0.0.1]/", "https://[::ffff:a9fe:a9fe]/", "https://[::]/", "https://[64:ff9b::a00:1]/", "https://[2002:a00:1::]/",
      "https://metadata.google.internal/", "https://printer.local/", "https://intranet/",
    ];
    for (const url of internal) expect(refused(url), url).not.toBe("ok");
    expect(refused("https://172.32.0.1/")).toBe("ok");
    expect(refused("https://[2001:4860:4860::8888]/")).toBe("ok");
  });
});

describe("endpoint URLs (APP_ENV=development)", () => {
  it("allows http and the loopback, still refuses private ranges", () => {
    expect(refused("http://127.0.0.1:8803/webhooks/in/demo", true)).toBe("ok");
    expect(refused("http://localhost:8803/x", true)).toBe("ok");
    expect(refused("http://[::1]:8803/x", true)).toBe("ok");
    expect(refused("http://10.0.0.5/x", true)).toBe("private_address");
    expect(refused("http://169.254.169.254/", true)).toBe("private_address");
    expect(refused("ftp://127.0.0.1/", true)).toBe("scheme");
  });
});

describe("retry schedule", () => {
  it("backs off from 30 s, doubling to at most 6 h, and gives up after 3 days", () => {
    const created = 0;
    const giveUpAt = created + RETRY_FOR_MS;
    let at = created;
    const gaps: number[] = [];
    for (let attempts = 1; ; attempts++) {
      const next = nextAttemptAt(attempts, at, giveUpAt, spreadSeedOf("delivery-1"));
      if (next === null) break;
      gaps.push(next - at);
      at = next;
    }
    expect(gaps[0]).toBeGreaterThanOrEqual(FIRST_RETRY_SECONDS * 1000);
    expect(gaps[0]).toBeLessThanOrEqual(FIRST_RETRY_SECONDS * 1100);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(MAX_RETRY_SECONDS * 1100);
    // Retried for days, not minutes: the last attempt lands on the third day.
    expect(at).toBeGreaterThan(RETRY_FOR_MS - MAX_RETRY_SECONDS * 1100);
    expect(gaps.length + 1).toBeGreaterThan(15);
    expect(gaps.length + 1).toBeLessThan(30);
  });

  it("a re-send by hand is one attempt: it gives up at once on failure", () => {
    expect(nextAttemptAt(7, 1000, 1000, 0)).toBeNull();
  });

  it("only 2xx is delivered; redirects and errors are failures", () => {
    expect([200, 201, 204, 299].every(isDelivered)).toBe(true);
    expect([199, 301, 302, 400, 410, 500].some(isDelivered)).toBe(false);
  });
});

describe("signature", () => {
  it("verifies what it signed, within the tolerance, and nothing else", async () => {
    const body = '{"id":"e1"}';
    const header = await signatureHeader("whsec_a", body, 1_000_000);
    expect(header).toMatch(/^t=1000000,v1=[0-9a-f]{64}$/);
    expect(await verifySignature("whsec_a", body, header, 1_000_100)).toEqual({ ok: true, timestamp: 1_000_000 });
    expect(await verifySignature("whsec_a", `${body} `, header, 1_000_100)).toMatchObject({ ok: false, reason: "mismatch" });
    expect(await verifySignature("whsec_b", body, header, 1_000_100)).toMatchObject({ ok: false, reason: "mismatch" });
    expect(await verifySignature("whsec_a", body, header, 1_000_000 + 301)).toMatchObject({ ok: false, reason: "too_old" });
    expect(await verifySignature("whsec_a", body, "v1=abc", 1_000_000)).toMatchObject({ ok: false, reason: "malformed" });
    // A rotation: two v1 values, one of them right.
    const rotated = `${header},v1=${"0".repeat(64)}`;
    expect((await verifySignature("whsec_a", body, rotated, 1_000_000)).ok).toBe(true);
  });
});

describe("secret rotation", () => {
  it("signs with the new and the old secret until the grace ends, then with the new one only", async () => {
    const rotatedAt = 1_000_000_000;
    const end = graceEndsAt(rotatedAt, undefined);
    expect(end).toBe(rotatedAt + DEFAULT_GRACE_SECONDS * 1000);
    expect(graceEndsAt(rotatedAt, 0)).toBe(rotatedAt);
    const previous = { secret: "whsec_old", expiresAt: end };
    expect(signingSecrets("whsec_new", previous, end - 1)).toEqual(["whsec_new", "whsec_old"]);
    expect(signingSecrets("whsec_new", previous, end)).toEqual(["whsec_new"]);
    expect(signingSecrets("whsec_new", undefined, end - 1)).toEqual(["whsec_new"]);
    expect(graceShown(new Date(end), end - 1)).toEqual(new Date(end));
    expect(graceShown(new Date(end), end)).toBeNull();

    const body = '{"id":"e2"}';
    const both = await signatureHeader(["whsec_new", "whsec_old"], body, 1_000_000);
    expect(both).toMatch(/^t=1000000,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    for (const secret of ["whsec_new", "whsec_old"]) expect((await verifySignature(secret, body, both, 1_000_000)).ok).toBe(true);
    expect((await verifySignature("whsec_other", body, both, 1_000_000)).ok).toBe(false);
  });
});
