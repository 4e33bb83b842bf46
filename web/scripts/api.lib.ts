/**
 * How the pages call the API (the typed client in api-client.lib.ts sends through apiFetch here):
 * JSON in and out, and every error turned into a sentence a person can act on (the API's own
 * message, or a plain one when the network itself failed).
 */
export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** VALIDATION_FAILED names each bad field (`venue.city`, `tiers.1.seats.4.label`). */
  get details(): FieldProblem[] {
    const details = this.body.details;
    if (!Array.isArray(details)) return [];
    return details.filter(
      (d): d is FieldProblem => typeof d === "object" && d !== null && typeof d.field === "string" && typeof d.message === "string",
    );
  }

  /** RATE_LIMITED says how long to wait. */
  get retryAfterSeconds(): number | undefined {
    const seconds = this.body.retry_after_seconds;
    return typeof seconds === "number" && seconds >= 0 ? seconds : undefined;
  }
}

/**
 * The organizer session's CSRF token. A cookie-authenticated write must echo it in X-CSRF-Token;
 * it lives in sessionStorage (per tab, gone when the tab closes) and the API re-issues it from
 * GET /api/v1/organizers/me when a tab starts without it.
 */
const CSRF_KEY = "admit-one.csrf-token";

export function rememberCsrfToken(token: string | undefined): void {
  try {
    if (token) sessionStorage.setItem(CSRF_KEY, token);
    else sessionStorage.removeItem(CSRF_KEY);
  } catch {
    // storage disabled: writes will fetch the token again when the API asks for it
  }
}

export function storedCsrfToken(): string | undefined {
  try {
    return sessionStorage.getItem(CSRF_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A request to the API with the pages' headers (JSON, the CSRF token on writes); a network failure
 * becomes a NETWORK problem. The typed client (api-client.lib.ts) sends through this too.
 */
export async function apiFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const csrf = SAFE_METHODS.has((init.method ?? "GET").toUpperCase()) ? undefined : storedCsrfToken();
  const headers = new Headers(init.headers);
  if (!headers.has("Accept")) headers.set("Accept", "application/json");
  if (init.body && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  if (csrf && !headers.has("X-CSRF-Token")) headers.set("X-CSRF-Token", csrf);
  try {
    return await fetch(input, { ...init, headers });
  } catch {
    throw new ApiProblem("NETWORK", "We could not reach Admit One. Check your connection and try again.", 0);
  }
}

/** The body of a successful answer; any other answer as an ApiProblem with the API's code and message. */
export async function readAnswer<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // fall through: a non-JSON body is reported below as an unexpected answer
  }
  if (response.ok) return body as T;
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  throw new ApiProblem(
    error?.code ?? "UNEXPECTED",
    error?.message ?? `The server answered ${response.status}. Please try again.`,
    response.status,
    (body as Record<string, unknown>) ?? {},
  );
}

export function showStatus(element: HTMLElement, message: string, kind: "info" | "error" | "success" = "info"): void {
  element.replaceChildren();
  if (!message) return;
  const box = document.createElement("div");
  box.className = kind === "info" ? "notice" : `notice ${kind}`;
  box.textContent = message;
  element.append(box);
}
