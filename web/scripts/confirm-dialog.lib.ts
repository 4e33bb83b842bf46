/**
 * A confirmation that says what will happen, in a real dialog (focus kept inside, Escape to back
 * out) rather than the browser's bare confirm(). Resolves true only for the confirming button.
 */
import { h } from "./elements.lib";

export interface Confirmation {
  title: string;
  text: string;
  confirm: string;
  cancel?: string;
  danger?: boolean;
}

export function askToConfirm(question: Confirmation): Promise<boolean> {
  const yes = h("button", { value: "yes", className: question.danger ? "danger" : "" }, question.confirm);
  const no = h("button", { value: "no", className: "secondary" }, question.cancel ?? "Go back");
  const title = h("h2", { id: "confirm-title" }, question.title);
  const dialog = h(
    "dialog",
    { className: "confirm", "aria-labelledby": "confirm-title" },
    h("form", { method: "dialog" }, title, h("p", {}, question.text), h("div", { className: "dialog-actions" }, no, yes)),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "yes");
      dialog.remove();
    });
    dialog.showModal();
    no.focus();
  });
}
