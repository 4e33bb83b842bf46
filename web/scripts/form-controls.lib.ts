/**
 * Small behaviours the organizer forms share: a busy submit button, the "Show password" toggle,
 * checks that catch an empty or short field before a round trip, and copying a secret.
 */
import type { FieldProblem } from "./api.lib";

/** Disables the button and changes its text while `work` runs; puts both back afterwards. */
export async function whileBusy<T>(button: HTMLButtonElement, text: string, work: () => Promise<T>): Promise<T> {
  const original = button.textContent;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  button.textContent = text;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = original;
  }
}

export function wireRevealButtons(root: ParentNode = document): void {
  for (const button of root.querySelectorAll<HTMLButtonElement>("button[data-reveal]")) {
    const input = document.getElementById(button.dataset.reveal ?? "") as HTMLInputElement | null;
    if (!input) continue;
    button.addEventListener("click", () => {
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      button.textContent = show ? "Hide" : "Show";
      button.setAttribute("aria-pressed", String(show));
    });
  }
}

/** The same limits the API enforces, checked first so obvious slips get an instant answer. */
export function checkCredentials(values: { name?: string; email: string; password: string }, newPassword: boolean): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (values.name !== undefined && !values.name.trim()) problems.push({ field: "name", message: "Enter the name attendees will see." });
  if (!values.email.trim()) problems.push({ field: "email", message: "Enter your email address." });
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(values.email.trim())) problems.push({ field: "email", message: "This does not look like an email address." });
  if (!values.password) problems.push({ field: "password", message: "Enter your password." });
  else if (newPassword && values.password.length < 10) problems.push({ field: "password", message: "Use at least 10 characters." });
  else if (newPassword && values.password.length > 200) problems.push({ field: "password", message: "Use at most 200 characters." });
  return problems;
}

/** Copies text, falling back to selecting it when the clipboard is not available (plain http). */
export async function copyText(text: string, selectable: HTMLElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(selectable);
    const selection = getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return false;
  }
}

/** Shows a secret once, with a Copy button that says whether it worked. */
export function revealSecret(code: HTMLElement, button: HTMLButtonElement, status: HTMLElement, secret: string): void {
  code.textContent = secret;
  button.onclick = async () => {
    const copied = await copyText(secret, code);
    status.textContent = copied ? "Copied to the clipboard." : "Your browser blocked copying. The key is selected: press Ctrl+C (⌘C on a Mac).";
    button.textContent = copied ? "Copied" : "Copy";
  };
}
