/**
 * Password hashing with WebCrypto PBKDF2-SHA-256, which both workerd and Node provide.
 * 100,000 iterations is the most workerd allows; the count is stored in the hash so it can rise
 * later without invalidating old hashes. Stored form: `pbkdf2-sha256$<iterations>$<salt>$<hash>`.
 */
const ITERATIONS = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;

const toBase64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, salt, ITERATIONS);
  return `pbkdf2-sha256$${ITERATIONS}$${toBase64(salt)}$${toBase64(hash)}`;
}

/** Compares in constant time over the hash bytes, so timing does not leak how much matched. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, salt, expected] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !iterations || !salt || !expected) return false;
  const actual = await derive(password, fromBase64(salt), Number(iterations));
  const wanted = fromBase64(expected);
  if (actual.length !== wanted.length) return false;
  let difference = 0;
  for (let i = 0; i < actual.length; i++) difference |= actual[i]! ^ wanted[i]!;
  return difference === 0;
}

/**
 * A hash of the same cost that no password was ever hashed to (random salt and bytes). Checking a
 * sign-in for an unknown email against it costs what checking a real account does, so the answer's
 * timing does not tell which emails have accounts.
 */
const NO_ACCOUNT_HASH = `pbkdf2-sha256$${ITERATIONS}$qwsb/e5+oGkff3Yu7AhewQ==$6Ah0lCtIWVzGzv7kJ2/IBrCC6k8D7XqQcbpV527LrFg=`;

/** Verifies against the account's hash, or against NO_ACCOUNT_HASH (always false) when there is no account. */
export async function verifyAccountPassword(password: string, stored: string | undefined): Promise<boolean> {
  const matched = await verifyPassword(password, stored ?? NO_ACCOUNT_HASH);
  return stored !== undefined && matched;
}
