/**
 * The first visit after sign-up. Sign-up hands its one-time API key to the dashboard through this
 * tab's sessionStorage (same origin, gone with the tab) and the dashboard takes it out on first read:
 * a welcome panel says what to do first, and the key is shown once in the API keys settings, where
 * keys are managed from then on.
 */
const SLOT = "admit-one:new-account";

export interface NewAccount {
  name: string;
  apiKey: string;
}

/** Called by sign-up just before it moves on to the dashboard. */
export function handOverNewAccount(account: NewAccount): void {
  try {
    sessionStorage.setItem(SLOT, JSON.stringify(account));
  } catch {
    // Storage off (private mode quotas): the dashboard then just opens without the welcome.
  }
}

/** Read once: a reload or a second tab never shows the key again. */
export function takeNewAccount(): NewAccount | null {
  try {
    const raw = sessionStorage.getItem(SLOT);
    sessionStorage.removeItem(SLOT);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<NewAccount>;
    return typeof parsed.name === "string" && typeof parsed.apiKey === "string" ? { name: parsed.name, apiKey: parsed.apiKey } : null;
  } catch {
    return null;
  }
}
