import { describe, expect, it } from "vitest";
import { hashPassword, verifyAccountPassword, verifyPassword } from "../../workers/auth/passwords";

describe("password hashing", () => {
  it("verifies the right password and refuses a wrong one", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(await verifyPassword("correct horse battery staple", stored)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  it("never stores the password and salts every hash", async () => {
    const a = await hashPassword("same password");
    const b = await hashPassword("same password");
    expect(a).not.toContain("same password");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  });

  it("refuses malformed stored hashes instead of throwing", async () => {
    for (const stored of ["", "plain", "md5$1$a$b", "pbkdf2-sha256$100000$$"]) {
      expect(await verifyPassword("x", stored)).toBe(false);
    }
  });
});

describe("checking an account that may not exist", () => {
  it("never accepts a password when there is no account, and still accepts the right one", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(await verifyAccountPassword("correct horse battery staple", stored)).toBe(true);
    for (const guess of ["", "correct horse battery staple", "anything at all"]) {
      expect(await verifyAccountPassword(guess, undefined)).toBe(false);
    }
  });
});
