/**
 * Sign-in: a session cookie for the dashboard plus the CSRF token the dashboard's writes echo.
 * Wrong credentials show the API's sentence; after too many attempts the button waits out the
 * API's retry_after_seconds with a visible countdown.
 */
import { ApiProblem, rememberCsrfToken, showStatus } from "./api.lib";
import { answer, apiClient } from "./api-client.lib";
import { clearErrorsOnEdit, clearFieldErrors, formatWait, showFieldErrors, showFormProblem } from "./field-errors.lib";
import { checkCredentials, whileBusy, wireRevealButtons } from "./form-controls.lib";
import { safeNext } from "./organizer-session.lib";

const form = document.querySelector<HTMLFormElement>("#login")!;
const status = document.querySelector<HTMLElement>("#status")!;
const submit = document.querySelector<HTMLButtonElement>("#submit")!;
const params = new URLSearchParams(location.search);

function value(name: string): string {
  return (form.elements.namedItem(name) as HTMLInputElement).value;
}

let lockedUntil = 0;

/** Keeps the button disabled until the API will listen again, counting down on it. */
function holdOff(seconds: number): void {
  lockedUntil = Date.now() + seconds * 1000;
  const tick = () => {
    const left = Math.ceil((lockedUntil - Date.now()) / 1000);
    if (left <= 0) {
      submit.disabled = false;
      submit.textContent = "Sign in";
      return;
    }
    submit.disabled = true;
    submit.textContent = `Try again in ${formatWait(left)}`;
    setTimeout(tick, 1000);
  };
  tick();
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (Date.now() < lockedUntil) return;
  const body = { email: value("email").trim(), password: value("password") };
  clearFieldErrors(form);
  const problems = checkCredentials(body, false);
  if (problems.length > 0) {
    showStatus(status, "Enter your email and password.", "error");
    showFieldErrors(form, problems);
    (form.querySelector("[aria-invalid=true]") as HTMLElement | null)?.focus();
    return;
  }
  showStatus(status, "");
  try {
    const result = await whileBusy(submit, "Signing in…", () =>
      answer(apiClient.sessions.$post({ json: body })),
    );
    rememberCsrfToken(result.csrf_token);
    location.assign(safeNext(params.get("next")));
  } catch (error) {
    showFormProblem(status, form, error);
    if (error instanceof ApiProblem && error.code === "RATE_LIMITED") holdOff(error.retryAfterSeconds ?? 60);
    if (error instanceof ApiProblem && error.status === 401) {
      const password = form.elements.namedItem("password") as HTMLInputElement;
      password.value = "";
      password.focus();
    }
  }
});

if (params.has("signed_out")) showStatus(status, "You are signed out.");
else if (params.has("next")) showStatus(status, "Please sign in to continue.");
wireRevealButtons();
clearErrorsOnEdit(form);
