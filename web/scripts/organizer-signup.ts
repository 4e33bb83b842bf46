/**
 * Sign-up: creates the organizer (which also signs in) and opens the dashboard, which welcomes them
 * and shows the API key made with the account once, under its API keys settings.
 */
import { ApiProblem, rememberCsrfToken, showStatus } from "./api.lib";
import { answer, apiClient } from "./api-client.lib";
import { clearErrorsOnEdit, clearFieldErrors, showFieldErrors, showFormProblem } from "./field-errors.lib";
import { checkCredentials, whileBusy, wireRevealButtons } from "./form-controls.lib";
import { handOverNewAccount } from "./organizer-welcome.lib";

const form = document.querySelector<HTMLFormElement>("#signup")!;
const status = document.querySelector<HTMLElement>("#status")!;
const submit = form.querySelector<HTMLButtonElement>("button[type=submit]")!;

function value(name: string): string {
  return (form.elements.namedItem(name) as HTMLInputElement).value;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = { name: value("name").trim(), email: value("email").trim(), password: value("password") };
  clearFieldErrors(form);
  const problems = checkCredentials(body, true);
  if (problems.length > 0) {
    showStatus(status, "Please check the highlighted fields.", "error");
    showFieldErrors(form, problems);
    (form.querySelector("[aria-invalid=true]") as HTMLElement | null)?.focus();
    return;
  }
  showStatus(status, "");
  try {
    const result = await whileBusy(submit, "Creating your account…", () =>
      answer(apiClient.organizers.$post({ json: body })),
    );
    rememberCsrfToken(result.csrf_token);
    handOverNewAccount({ name: result.name, apiKey: result.api_key });
    location.assign("/organizer/?welcome=1");
  } catch (error) {
    showFormProblem(status, form, error);
    if (error instanceof ApiProblem && error.code === "EMAIL_TAKEN") {
      if (error.details.length === 0) showFieldErrors(form, [{ field: "email", message: "An account already uses this email." }]);
      const link = document.createElement("a");
      link.href = "/organizer/login";
      link.textContent = "Go to sign-in";
      status.querySelector(".notice")?.append(" ", link);
    }
  }
});

wireRevealButtons();
clearErrorsOnEdit(form);
