/**
 * "Find your tickets" (/tickets): asks the API to mail the links to an email's orders. The answer
 * is the same whoever asks, so the page says the same thing whatever the address.
 */
import { showStatus } from "./api.lib";
import { answer, apiClient } from "./api-client.lib";
import { problemMessage } from "./field-errors.lib";
import { whileBusy } from "./form-controls.lib";

const form = document.querySelector<HTMLFormElement>("#resend")!;
const input = document.querySelector<HTMLInputElement>("#email")!;
const status = document.querySelector<HTMLElement>("#status")!;
const button = form.querySelector<HTMLButtonElement>("button[type=submit]")!;

form.addEventListener("submit", (event) => {
  event.preventDefault();
  void send();
});

async function send(): Promise<void> {
  const email = input.value.trim();
  if (!input.checkValidity() || !email) {
    showStatus(status, "Enter the email address you bought your tickets with.", "error");
    input.focus();
    return;
  }
  try {
    const sent = await whileBusy(button, "Sending…", () => answer(apiClient["ticket-links"].$post({ json: { email } })));
    showStatus(status, `${sent.message} It can take a minute; check your spam folder too.`, "success");
  } catch (error) {
    showStatus(status, problemMessage(error, "We could not send the mail. Please try again."), "error");
  }
}
