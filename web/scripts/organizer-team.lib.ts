/**
 * The dashboard's Team and Audit log sections (issue #15): the organization's members and open
 * invitations (owners invite, change roles and remove; the API refuses removing or demoting the last
 * owner and the page says so), and the audit log, newest first, paged. Each section shows only when
 * the caller's role may read it (`permissions` from GET /api/v1/organizations/current).
 */
import { showStatus } from "./api.lib";
import { askToConfirm } from "./confirm-dialog.lib";
import { h } from "./elements.lib";
import { clearErrorsOnEdit, clearFieldErrors, problemMessage, showFieldErrors, showFormProblem } from "./field-errors.lib";
import { whileBusy } from "./form-controls.lib";
import { answer, type Answer } from "./api-client.lib";
import { organizerClient } from "./organizer-session.lib";

type Current = (typeof organizerClient.organizations)["current"];
/** GET /organizations/current: the caller's organization, role and what that role may do. */
export type CurrentOrganization = Answer<Current["$get"]>;
type Team = Answer<Current["members"]["$get"]>;
type Member = Team["members"][number];
type Invitation = Team["invitations"][number];
type Role = Member["role"];
type AuditEntry = Answer<Current["audit-log"]["$get"]>["entries"][number];

export const ROLE_LABELS: Record<string, string> = {
  owner: "Owner — everything, members included",
  admin: "Admin — events, refunds, settings",
  box_office: "Box office — orders, refunds, waitlist",
  finance: "Finance — reports and exports, read-only",
  door: "Door — scanners and check-in lists",
};

const roleName = (role: string) => role.replace("_", " ");
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function roleSelect(selected: string, label: string): HTMLSelectElement {
  const select = h("select", { "aria-label": label });
  for (const [role, text] of Object.entries(ROLE_LABELS)) select.append(h("option", { value: role, selected: role === selected }, text));
  return select;
}

export function mountTeam(organization: CurrentOrganization, me: { organizer_id: string }): void {
  const panel = document.querySelector<HTMLElement>("#team-panel")!;
  const status = document.querySelector<HTMLElement>("#team-status")!;
  const memberList = document.querySelector<HTMLElement>("#members")!;
  const invitationList = document.querySelector<HTMLElement>("#invitations")!;
  const form = document.querySelector<HTMLFormElement>("#invite")!;
  const manage = organization.permissions.includes("member.manage");
  if (!organization.permissions.includes("member.read")) return;
  panel.hidden = false;
  document.querySelector<HTMLElement>("#team-org-name")!.textContent = organization.name;
  form.hidden = !manage;

  function memberItem(member: Member): HTMLElement {
    const you = member.organizer_id === me.organizer_id ? " (you)" : "";
    const info = h("div", {}, h("strong", {}, `${member.name}${you}`), h("div", { className: "meta" }, `${member.email} · joined ${dateFormat.format(new Date(member.joined_at))}`));
    if (!manage) return h("li", { "data-member-id": member.organizer_id }, info, h("span", { className: "badge" }, roleName(member.role)));
    const select = roleSelect(member.role, `Role of ${member.name}`);
    select.addEventListener("change", async () => {
      try {
        await answer(organizerClient.organizations.current.members[":organizerId"].$patch({ param: { organizerId: member.organizer_id }, json: { role: select.value as Role } }));
        showStatus(status, `${member.name} is now ${roleName(select.value)}.`, "success");
      } catch (error) {
        showStatus(status, problemMessage(error), "error");
      }
      await load();
    });
    const remove = h("button", { type: "button", className: "danger-outline small" }, "Remove");
    remove.addEventListener("click", async () => {
      const sure = await askToConfirm({
        title: `Remove ${member.name}?`,
        text: "They lose access to this organization at once. Their past actions stay in the audit log.",
        confirm: "Remove",
        cancel: "Keep",
        danger: true,
      });
      if (!sure) return;
      try {
        await whileBusy(remove, "Removing…", () => answer(organizerClient.organizations.current.members[":organizerId"].$delete({ param: { organizerId: member.organizer_id } })));
        showStatus(status, `${member.name} was removed.`, "success");
      } catch (error) {
        showStatus(status, problemMessage(error), "error");
      }
      await load();
    });
    return h("li", { "data-member-id": member.organizer_id }, info, h("div", { className: "member-actions" }, select, remove));
  }

  function invitationItem(invitation: Invitation): HTMLElement {
    const withdraw = h("button", { type: "button", className: "secondary small" }, "Withdraw");
    withdraw.hidden = !manage;
    withdraw.addEventListener("click", async () => {
      try {
        await whileBusy(withdraw, "Withdrawing…", () => answer(organizerClient.organizations.current.invitations[":invitationId"].$delete({ param: { invitationId: invitation.invitation_id } })));
        showStatus(status, `The invitation to ${invitation.email} was withdrawn.`, "success");
      } catch (error) {
        showStatus(status, problemMessage(error), "error");
      }
      await load();
    });
    return h(
      "li",
      { "data-invitation-id": invitation.invitation_id },
      h("div", {}, h("strong", {}, invitation.email), h("div", { className: "meta" }, `invited as ${roleName(invitation.role)} · until ${dateFormat.format(new Date(invitation.expires_at))}`)),
      withdraw,
    );
  }

  async function load(): Promise<void> {
    try {
      const team = await answer(organizerClient.organizations.current.members.$get());
      memberList.replaceChildren(...team.members.map(memberItem));
      invitationList.replaceChildren(...team.invitations.map(invitationItem));
      if (team.invitations.length === 0) invitationList.append(h("li", { className: "meta empty-keys" }, "No open invitations."));
    } catch (error) {
      showStatus(status, problemMessage(error, "We could not load your team."), "error");
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    showStatus(status, "");
    const email = (form.elements.namedItem("email") as HTMLInputElement).value.trim();
    const role = (form.elements.namedItem("role") as HTMLSelectElement).value;
    if (!email) {
      showFieldErrors(form, [{ field: "email", message: "Whom should we invite? Give their email address." }]);
      return;
    }
    try {
      await whileBusy(form.querySelector("button")!, "Inviting…", () =>
        answer(organizerClient.organizations.current.invitations.$post({ json: { email, role: role as Role } })),
      );
      (form.elements.namedItem("email") as HTMLInputElement).value = "";
      showStatus(status, `Invitation mailed to ${email}. It works once, for 7 days.`, "success");
      await load();
    } catch (error) {
      showFormProblem(status, form, error);
    }
  });
  clearErrorsOnEdit(form);
  void load();
}

function describe(entry: AuditEntry): string {
  // Each action records its own details (free-form JSON), read here by name.
  const d = (entry.details ?? {}) as Record<string, unknown>;
  switch (entry.action) {
    case "order.refunded":
      return `refunded order ${entry.target?.id?.slice(0, 8)} (${d.amount} ${d.currency} minor units)`;
    case "member.role_changed":
      return `changed ${d.email}'s role from ${roleName(String(d.from))} to ${roleName(String(d.to))}`;
    case "event.updated":
      return Array.isArray(d.tiers) && d.tiers.length > 0 ? `changed prices or capacity of ${d.tiers.length} tier(s)` : `edited an event (${(d.fields as string[] | undefined)?.join(", ")})`;
    default:
      return `${entry.action.replace(".", " ").replace("_", " ")}${typeof d.email === "string" ? ` ${d.email}` : typeof d.name === "string" ? ` “${d.name}”` : ""}`;
  }
}

export function mountAuditLog(organization: CurrentOrganization): void {
  if (!organization.permissions.includes("audit.read")) return;
  const panel = document.querySelector<HTMLElement>("#audit-panel")!;
  const list = document.querySelector<HTMLElement>("#audit")!;
  const more = document.querySelector<HTMLButtonElement>("#audit-more")!;
  const status = document.querySelector<HTMLElement>("#audit-status")!;
  panel.hidden = false;
  let cursor: string | null = null;

  async function loadPage(): Promise<void> {
    try {
      const page = await answer(organizerClient.organizations.current["audit-log"].$get({ query: { limit: "25", ...(cursor ? { cursor } : {}) } }));
      list.append(
        ...page.entries.map((entry) =>
          h("li", { "data-action": entry.action }, h("time", { dateTime: entry.at }, dateFormat.format(new Date(entry.at))), " ", h("strong", {}, entry.actor.name), " ", describe(entry)),
        ),
      );
      if (list.children.length === 0) list.append(h("li", { className: "meta" }, "Nothing recorded yet."));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      showStatus(status, problemMessage(error, "We could not load the audit log."), "error");
    }
  }
  more.addEventListener("click", () => void whileBusy(more, "Loading…", loadPage));
  void loadPage();
}
