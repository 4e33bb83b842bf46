/**
 * Password reset: without a token, asks for a link by mail (the API answers alike whether the email
 * has an account); with `#token=…` from the mail, sets the new password. The token is taken out of
 * the address bar at once, so it stays out of history and screenshots.
 */
import { showStatus } from "./api.lib";
import { answer, apiClient } from "./api-client.lib";
import { clearErrorsOnEdit, clearFieldErrors, showFieldErrors, showFormProblem } from "./field-errors.lib";
import { checkCredentials, whileBusy, wireRevealButtons } from "./form-controls.lib";

const token = new URLSearchParams(location.hash.slice(1)).get("token");
if (token) history.replaceState(null, "", location.pathname);

const requestForm = document.querySelector<HTMLFormElement>("#request")!;
const requestStatus = document.querySelector<HTMLElement>("#request-status")!;
const setForm = document.querySelector<HTMLFormElement>("#set")!;
const setStatus = document.querySelector<HTMLElement>("#set-status")!;

function value(form: HTMLFormElement, name: string): string {
  return (form.elements.namedItem(name) as HTMLInputElement).value;
}

requestForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const email = value(requestForm, "email").trim();
  clearFieldErrors(requestForm);
  const problems = checkCredentials({ email, password: "-" }, false);
  if (problems.length > 0) {
    showStatus(requestStatus, "Enter your email address.", "error");
    showFieldErrors(requestForm, problems);
    return;
  }
  const submit = requestForm.querySelector<HTMLButtonElement>("button[type=submit]")!;
  try {
    const sent = await whileBusy(submit, "Sending…", () => answer(apiClient["password-resets"].$post({ json: { email } })));
    showStatus(requestStatus, `${sent.message} Check your inbox (and spam folder).`, "success");
  } catch (error) {
    showFormProblem(requestStatus, requestForm, error);
  }
});

setForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const password = value(setForm, "password");
  clearFieldErrors(setForm);
  const problems = checkCredentials({ email: "reset@example.invalid", password }, true);
  if (problems.length > 0) {
    showStatus(setStatus, "Please check the new password.", "error");
    showFieldErrors(setForm, problems);
    return;
  }
  const submit = setForm.querySelector<HTMLButtonElement>("button[type=submit]")!;
  try {
    await whileBusy(submit, "Saving…", () =>
      answer(apiClient["password-resets"][":token"].$post({ param: { token: encodeURIComponent(token!) }, json: { password } })),
    );
    setForm.hidden = true;
    document.querySelector<HTMLElement>("#set-done")!.hidden = false;
    showStatus(setStatus, "Your password is set. Every other session was signed out.", "success");
  } catch (error) {
    showFormProblem(setStatus, setForm, error);
  }
});

if (token) {
  document.querySelector<HTMLElement>("#request-panel")!.hidden = true;
  document.querySelector<HTMLElement>("#set-panel")!.hidden = false;
  document.querySelector<HTMLElement>("#set-title")!.focus();
}
wireRevealButtons();
clearErrorsOnEdit(requestForm);
clearErrorsOnEdit(setForm);
