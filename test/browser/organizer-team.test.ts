/**
 * The dashboard's Team section (issue #15): an owner invites a finance person by mail, who opens
 * the link, makes an account with the invited address and lands on the dashboard seeing only what
 * finance may (the audit log, no team or API keys). The owner then changes their role, and the
 * page refuses to remove the organization's last owner with the API's own sentence.
 */
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { mailedInvitationToken, postJson, unique, useChromium } from "./harness";

const { worker: base, databaseUrl } = inject("browserStack");
const chromium = useChromium(base);

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto(`${base}/organizer/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await page.click("#submit");
  await page.waitForURL(`${base}/organizer/`);
}

describe("organizer team", () => {
  it("invites by mail, the invited person joins in their role, the owner changes it and cannot remove the last owner", async () => {
    const password = "a long enough password";
    const ownerEmail = `${unique("owner")}@example.test`;
    const organization = unique("Harbour Sounds ");
    const created = await postJson<{ api_key: string }>(base, "/api/v1/organizers", { name: "Olga Owner", email: ownerEmail, password, organization_name: organization });
    expect(created.status).toBe(201);

    const owner = await chromium.freshPage();
    await signIn(owner, ownerEmail, password);
    const team = owner.locator("#team-panel");
    await expect.poll(() => team.isVisible()).toBe(true);
    await expect.poll(() => owner.locator("#team-org-name").textContent()).toBe(organization);
    await expect.poll(() => owner.locator("#members li").first().textContent()).toContain("(you)");

    const financeEmail = `${unique("finance")}@example.test`;
    await owner.fill("#invite-email", financeEmail);
    await owner.selectOption("#invite-role", "finance");
    await owner.click("#invite button[type=submit]");
    await expect.poll(() => owner.locator("#team-status").textContent()).toContain(`Invitation mailed to ${financeEmail}`);
    await expect.poll(() => owner.locator("#invitations").textContent()).toContain(financeEmail);

    const invited = await chromium.freshPage();
    await invited.goto(`${base}/organizer/join#token=${await mailedInvitationToken(databaseUrl, financeEmail)}`);
    await expect.poll(() => invited.locator("#join-what").textContent()).toContain(`join ${organization} as finance`);
    // The form shows once the page knows nobody is signed in here, with the invited address filled in.
    await invited.locator("#signup:not([hidden])").waitFor();
    expect(await invited.inputValue("#email")).toBe(financeEmail);
    await invited.fill("#name", "Fin Ance");
    await invited.fill("#password", password);
    await invited.click("#signup button[type=submit]");
    await invited.waitForURL(`${base}/organizer/`);
    // Finance reads the audit log; the team and API keys are not theirs to see.
    await expect.poll(() => invited.locator("#audit li[data-action='member.joined']").count()).toBeGreaterThan(0);
    expect(await invited.locator("#team-panel").isVisible()).toBe(false);
    expect(await invited.locator("#keys-panel").isVisible()).toBe(false);
    expect(await invited.locator("#new-event").isVisible()).toBe(false);

    await owner.reload();
    const financeRow = owner.locator("#members li", { hasText: financeEmail });
    await expect.poll(() => financeRow.count()).toBe(1);
    await financeRow.locator("select").selectOption("door");
    await expect.poll(() => owner.locator("#team-status").textContent()).toContain("is now door");
    const me = await (await fetch(`${base}/api/v1/organizations/current/members`, { headers: { Authorization: `Bearer ${created.body.api_key}` } })).json();
    expect(me.members.find((m: { email: string }) => m.email === financeEmail).role).toBe("door");

    const ownerRow = owner.locator("#members li", { hasText: "(you)" });
    await ownerRow.locator("button", { hasText: "Remove" }).click();
    await owner.locator("dialog button", { hasText: "Remove" }).click();
    await expect.poll(() => owner.locator("#team-status").textContent()).toContain("needs an owner");
    await owner.reload();
    await expect.poll(() => owner.locator("#audit li[data-action='member.role_changed']").count()).toBeGreaterThan(0);
    expect(await owner.locator("#audit li[data-action='member.role_changed']").first().textContent()).toContain(`${financeEmail}'s role from finance to door`);
  }, 120_000);
});
