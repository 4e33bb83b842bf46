/**
 * Sign-up: creates the organizer (which also signs in), then shows the API key exactly once with a
 * copy button before moving on to the dashboard.
 */
import { api, ApiProblem, rememberCsrfToken, showStatus } from "./api.lib";
import { clearErrorsOnEdit, clearFieldErrors, showFieldErrors, showFormProblem } from "./field-errors.lib";
import { checkCredentials, revealSecret, whileBusy, wireRevealButtons } from "./form-controls.lib";

interface SignedUp {
  organizer_id: string;
  name: string;
  email: string;
  api_key: string;
  csrf_token?: string;
}

const form = document.querySelector<HTMLFormElement>("#signup")!;
const status = document.querySelector<HTMLElement>("#status")!;
const submit = form.querySelector<HTMLButtonElement>("button[type=submit]")!;

function value(name: string): string {
  return (form.elements.namedItem(name) as HTMLInputElement).value;
}

function showKey(result: SignedUp): void {
  document.querySelector<HTMLElement>("#signup-panel")!.hidden = true;
  for (const link of document.querySelectorAll<HTMLElement>(".topbar a[href='/organizer/login']")) link.hidden = true;
  const panel = document.querySelector<HTMLElement>("#key-panel")!;
  panel.hidden = false;
  revealSecret(
    document.querySelector<HTMLElement>("#api-key")!,
    document.querySelector<HTMLButtonElement>("#copy-key")!,
    document.querySelector<HTMLElement>("#copy-status")!,
    result.api_key,
  );
  document.title = "Your API key — Admit One";
  panel.querySelector("h1")?.focus();
  // Leaving by accident would lose the key for good.
  const warn = (event: BeforeUnloadEvent) => event.preventDefault();
  window.addEventListener("beforeunload", warn);
  document.querySelector("#continue")!.addEventListener("click", () => window.removeEventListener("beforeunload", warn));
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
      api<SignedUp>("/api/v1/organizers", { method: "POST", body: JSON.stringify(body) }),
    );
    rememberCsrfToken(result.csrf_token);
    showKey(result);
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
