/**
 * The pages' one way to call the API: JSON in and out, and every error turned into a sentence a
 * person can act on (the API's own message, or a plain one when the network itself failed).
 */
export class ApiProblem extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: { Accept: "application/json", ...(init.body ? { "Content-Type": "application/json" } : {}), ...init.headers },
    });
  } catch {
    throw new ApiProblem("NETWORK", "We could not reach Admit One. Check your connection and try again.", 0);
  }
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

export function showStatus(element: HTMLElement, message: string, kind: "info" | "error" = "info"): void {
  element.replaceChildren();
  if (!message) return;
  const box = document.createElement("div");
  box.className = kind === "error" ? "notice error" : "notice";
  box.textContent = message;
  element.append(box);
}
