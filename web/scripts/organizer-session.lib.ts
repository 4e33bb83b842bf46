/**
 * The organizer's signed-in session as the dashboard pages use it: who is signed in, the CSRF token
 * every cookie-authenticated write must carry, sign-out, and the way back to the login page (with
 * a `next` link home) when the session has ended.
 */
import { hc } from "hono/client";
import type { ApiType } from "../../workers/app";
import { ApiProblem, apiFetch, rememberCsrfToken, showStatus, storedCsrfToken } from "./api.lib";
import { answer, apiClient, type Answer } from "./api-client.lib";

/** GET /organizers/me: who is signed in (with the session's CSRF token). */
export type Organizer = Answer<typeof apiClient.organizers.me.$get>;

/** Only our own organizer pages are valid `next` targets, so a crafted link cannot bounce anywhere. */
export function safeNext(raw: string | null): string {
  if (raw && /^\/organizer\/[^/\\]/.test(raw) && !raw.includes("//")) return raw;
  return "/organizer/";
}

export function redirectToLogin(): Promise<never> {
  const next = `${location.pathname}${location.search}`;
  location.replace(`/organizer/login?next=${encodeURIComponent(next)}`);
  // The page is going away; nothing after this should run.
  return new Promise<never>(() => {});
}

/** The signed-in organizer, or undefined when nobody is (the API answered 401). */
export async function currentOrganizer(): Promise<Organizer | undefined> {
  try {
    const organizer = await answer(apiClient.organizers.me.$get());
    if (organizer.csrf_token) rememberCsrfToken(organizer.csrf_token);
    return organizer;
  } catch (error) {
    if (error instanceof ApiProblem && error.status === 401) {
      rememberCsrfToken(undefined);
      return undefined;
    }
    throw error;
  }
}

/** For pages behind sign-in: the organizer, or a redirect to the login page. */
export async function requireOrganizer(): Promise<Organizer> {
  return (await currentOrganizer()) ?? redirectToLogin();
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

async function refusalCode(response: Response): Promise<string | undefined> {
  try {
    return ((await response.clone().json()) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/**
 * How the organizer pages send: a write makes sure the CSRF token is at hand, and one refused for a
 * stale token (403 after a session was renewed in another tab) fetches it again and is sent once
 * more: the API refused it before doing anything, so the retry cannot apply a change twice. A 401
 * means the session ended, so the organizer is sent to sign in again.
 */
async function organizerFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const write = !SAFE_METHODS.has((init.method ?? "GET").toUpperCase());
  if (write && !storedCsrfToken()) await currentOrganizer();
  let response = await apiFetch(input, init);
  if (write && response.status === 403 && (await refusalCode(response)) === "FORBIDDEN") {
    const before = storedCsrfToken();
    await currentOrganizer();
    if (storedCsrfToken() !== before) response = await apiFetch(input, init);
  }
  if (response.status === 401) return redirectToLogin();
  return response;
}

/**
 * hono's typed client for the signed-in organizer pages (api-client.lib.ts's `apiClient` with the
 * session's CSRF handling above): `answer(organizerClient.webhook-endpoints.$get())`.
 */
export const organizerClient = hc<ApiType>("/api/v1", { fetch: organizerFetch });

export async function signOut(): Promise<void> {
  await answer(organizerClient.sessions.current.$delete());
  rememberCsrfToken(undefined);
  location.assign("/organizer/login?signed_out=1");
}

/** The top bar of signed-in pages: who is signed in, and the sign-out button. */
export function mountAccountBar(organizer: Organizer, status: HTMLElement): void {
  const name = document.querySelector<HTMLElement>("#account-name");
  if (name) {
    name.textContent = organizer.name;
    name.title = organizer.email;
  }
  const account = document.querySelector<HTMLElement>("#account");
  if (account) account.hidden = false;
  const button = document.querySelector<HTMLButtonElement>("#sign-out");
  button?.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await signOut();
    } catch (error) {
      button.disabled = false;
      const reason = error instanceof ApiProblem ? error.message : "Please try again.";
      showStatus(status, `We could not sign you out. ${reason}`, "error");
    }
  });
}
