/**
 * Scanner device tokens: `ao_dev_<device id>.<HMAC of the id>`, derived from the master secret like
 * order tokens, so the dashboard can show a device's enrolment link again without storing a secret.
 * Revoking a device is a row change (`revoked_at`), checked on every call.
 */
import { fromBase64Url, purposeKey, toBase64Url } from "./derived-keys";

export const DEVICE_TOKEN_PREFIX = "ao_dev_";
const PATTERN = /^ao_dev_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;
const encoder = new TextEncoder();

export async function deviceToken(masterKey: string, deviceId: string): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", await purposeKey(masterKey, "scanner-device"), encoder.encode(deviceId));
  return `${DEVICE_TOKEN_PREFIX}${deviceId}.${toBase64Url(signature)}`;
}

/** The device a token was issued for, or undefined when it is not one of ours. */
export async function deviceOfToken(masterKey: string, token: string): Promise<string | undefined> {
  const match = PATTERN.exec(token);
  if (!match) return undefined;
  const signature = fromBase64Url(match[2]!);
  if (!signature) return undefined;
  const ok = await crypto.subtle.verify("HMAC", await purposeKey(masterKey, "scanner-device"), signature, encoder.encode(match[1]!));
  return ok ? match[1] : undefined;
}
