import { ApiError } from "./errors";

const TEST_KEY = /^(sk|rk)_test_\S+$/;

function unauthorized(message: string): ApiError {
  return new ApiError(401, { type: "invalid_request_error", message }, "validation");
}

function mask(key: string): string {
  return key.length > 12 ? `${key.slice(0, 8)}${"*".repeat(key.length - 12)}${key.slice(-4)}` : key;
}

/**
 * Returns the secret key of the request, which selects its account. Accepts
 * Bearer auth (the SDK) and Basic auth with the key as user name (curl -u).
 * Only test-mode keys are accepted: a live key pointed at the emulator is a
 * configuration mistake worth failing loudly on.
 */
export function authenticate(header: string | undefined): string {
  if (!header) {
    throw unauthorized(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth " +
        "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details.",
    );
  }
  const [scheme = "", credentials = ""] = header.trim().split(/\s+/, 2);
  let key = credentials;
  if (scheme.toLowerCase() === "basic") {
    key = Buffer.from(credentials, "base64").toString("utf8").split(":")[0] ?? "";
  } else if (scheme.toLowerCase() !== "bearer") {
    throw unauthorized("Invalid authorization header: use Bearer auth with your secret key.");
  }
  if (!TEST_KEY.test(key)) {
    throw unauthorized(`Invalid API Key provided: ${mask(key)}. The Stripe emulator accepts test-mode keys (sk_test_…) only.`);
  }
  return key;
}
