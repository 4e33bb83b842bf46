/**
 * /organizer/join#token=…: the invitation link's page (issue #15). It shows which organization and
 * role the invitation is for; a signed-in person accepts it, anyone else makes an account with the
 * invited address (and joins in the same step) or signs in first. The token waits in this tab's
 * sessionStorage while the person signs in, so it never travels in a URL to the server.
 */
import { rememberCsrfToken, showStatus } from "./api.lib";
import { answer, apiClient, type Answer } from "./api-client.lib";
import { problemMessage, showFormProblem } from "./field-errors.lib";
import { whileBusy } from "./form-controls.lib";
import { currentOrganizer, organizerClient } from "./organizer-session.lib";

const STORED = "admit-one.invitation";
const status = document.querySelector<HTMLElement>("#join-status")!;
const what = document.querySelector<HTMLElement>("#join-what")!;

function invitationToken(): string | undefined {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
  if (fromLink) {
    sessionStorage.setItem(STORED, fromLink);
    history.replaceState(null, "", location.pathname);
  }
  return fromLink ?? sessionStorage.getItem(STORED) ?? undefined;
}

async function main(): Promise<void> {
  const token = invitationToken();
  if (!token) {
    what.textContent = "This page needs the link from your invitation mail.";
    return;
  }
  let invitation: Answer<typeof apiClient.invitations.lookup.$post>;
  try {
    invitation = await answer(apiClient.invitations.lookup.$post({ json: { token } }));
  } catch (error) {
    what.textContent = problemMessage(error);
    sessionStorage.removeItem(STORED);
    return;
  }
  what.textContent = `You are invited to join ${invitation.organization_name} as ${invitation.role.replace("_", " ")} (sent to ${invitation.email}).`;
  const done = () => {
    sessionStorage.removeItem(STORED);
    location.assign("/organizer/");
  };

  const organizer = await currentOrganizer().catch(() => undefined);
  if (organizer) {
    document.querySelector<HTMLElement>("#signed-in-as")!.textContent = organizer.email;
    document.querySelector<HTMLElement>("#accept-part")!.hidden = false;
    const accept = document.querySelector<HTMLButtonElement>("#accept")!;
    accept.addEventListener("click", async () => {
      try {
        await whileBusy(accept, "Joining…", () => answer(organizerClient.invitations.accept.$post({ json: { token } })));
        done();
      } catch (error) {
        showStatus(status, problemMessage(error), "error");
      }
    });
    return;
  }

  const form = document.querySelector<HTMLFormElement>("#signup")!;
  form.hidden = false;
  (form.elements.namedItem("email") as HTMLInputElement).value = invitation.email;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;
    try {
      const created = await whileBusy(form.querySelector<HTMLButtonElement>("button[type=submit]")!, "Joining…", () =>
        answer(apiClient.organizers.$post({ json: { name: field("name").trim(), email: invitation.email, password: field("password"), invitation_token: token } })),
      );
      rememberCsrfToken(created.csrf_token);
      done();
    } catch (error) {
      showFormProblem(status, form, error);
    }
  });
}

void main();
