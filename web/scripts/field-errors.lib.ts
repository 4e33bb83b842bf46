/**
 * Failures shown where the organizer can act on them: the API's own sentence at the top of the form
 * and each `details` entry next to its field. Fields carry their API path in `data-field`
 * (`venue.city`, `tiers.1.price`); a detail for a deeper path (`tiers.1.seats.4.label`) lands on
 * the nearest field or group that claims a prefix of it.
 */
import { ApiProblem, showStatus, type FieldProblem } from "./api.lib";

export function clearFieldErrors(root: ParentNode): void {
  for (const note of root.querySelectorAll(".field-error")) note.remove();
  for (const field of root.querySelectorAll("[aria-invalid=true]")) {
    field.removeAttribute("aria-invalid");
    field.removeAttribute("aria-describedby");
  }
  for (const group of root.querySelectorAll(".has-error")) group.classList.remove("has-error");
}

/** A field's message goes away as soon as the organizer starts fixing that field. */
export function clearErrorsOnEdit(root: HTMLElement): void {
  const clear = (event: Event) => {
    const target = event.target as HTMLElement;
    if (target.getAttribute("aria-invalid") !== "true") return;
    const host = target.closest<HTMLElement>(".field") ?? target;
    for (const note of host.querySelectorAll(":scope > .field-error")) note.remove();
    host.classList.remove("has-error");
    target.removeAttribute("aria-invalid");
    target.removeAttribute("aria-describedby");
  };
  root.addEventListener("input", clear);
  root.addEventListener("change", clear);
}

function findField(root: ParentNode, path: string): HTMLElement | undefined {
  const segments = path.split(".");
  for (let n = segments.length; n > 0; n--) {
    const candidate = segments.slice(0, n).join(".");
    const element = root.querySelector<HTMLElement>(`[data-field="${CSS.escape(candidate)}"]`);
    if (element) return element;
  }
  return undefined;
}

let noteCounter = 0;

/** Puts each problem beside its field; returns the ones no field claimed, with readable names. */
export function showFieldErrors(root: ParentNode, details: readonly FieldProblem[]): { placed: HTMLElement[]; unplaced: FieldProblem[] } {
  const placed: HTMLElement[] = [];
  const unplaced: FieldProblem[] = [];
  for (const detail of details) {
    const element = findField(root, detail.field);
    if (!element) {
      unplaced.push(detail);
      continue;
    }
    const host = element.closest<HTMLElement>(".field") ?? element;
    const note = document.createElement("p");
    note.className = "field-error";
    note.id = `field-error-${++noteCounter}`;
    const exact = element.dataset.field === detail.field;
    const prefix = exact ? "" : describePath(detail.field);
    note.textContent = prefix ? `${prefix}: ${detail.message}` : detail.message;
    host.classList.add("has-error");
    host.append(note);
    if (element.matches("input, select, textarea")) {
      element.setAttribute("aria-invalid", "true");
      const described = element.getAttribute("aria-describedby");
      element.setAttribute("aria-describedby", described ? `${described} ${note.id}` : note.id);
    }
    placed.push(element);
  }
  return { placed, unplaced };
}

/** `seats.4.label` → "Seat 5 label": paths read as words for the summary. */
function describePath(path: string): string {
  return path
    .split(".")
    .map((part) => (/^\d+$/.test(part) ? String(Number(part) + 1) : part.replace(/_/g, " ")))
    .join(" ")
    .replace(/^\w/, (c) => c.toUpperCase())
    .replace(/s (\d+)/g, " $1");
}

/** The sentence to show for any failure, with the wait spelled out for RATE_LIMITED. */
export function problemMessage(error: unknown, fallback = "Something went wrong. Please try again."): string {
  if (!(error instanceof ApiProblem)) return fallback;
  const wait = error.retryAfterSeconds;
  // The API's sentence may already name the wait; only say it when it does not.
  if (error.code === "RATE_LIMITED" && wait !== undefined && !/\d/.test(error.message)) {
    return `${error.message} You can try again in ${formatWait(wait)}.`;
  }
  return error.message;
}

export function formatWait(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.ceil(seconds))} second${Math.ceil(seconds) === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

/**
 * Shows a failure on a form: the API's message in the status box, field problems beside their
 * fields (and, for any the form has no field for, as a list under the message), first bad field
 * focused.
 */
export function showFormProblem(status: HTMLElement, form: ParentNode, error: unknown): void {
  clearFieldErrors(form);
  showStatus(status, problemMessage(error), "error");
  if (!(error instanceof ApiProblem) || error.details.length === 0) return;
  const { placed, unplaced } = showFieldErrors(form, error.details);
  const box = status.querySelector(".notice");
  if (box && unplaced.length > 0) {
    const list = document.createElement("ul");
    for (const detail of unplaced) {
      const item = document.createElement("li");
      item.textContent = detail.field === "body" ? detail.message : `${describePath(detail.field)}: ${detail.message}`;
      list.append(item);
    }
    box.append(list);
  }
  const first = placed[0];
  if (first) {
    first.scrollIntoView({ block: "center", behavior: "smooth" });
    if (first.matches("input, select, textarea, button, [tabindex]")) first.focus({ preventScroll: true });
  } else {
    status.scrollIntoView({ block: "center", behavior: "smooth" });
  }
}
