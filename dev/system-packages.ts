/**
 * What the two README commands need from the machine beyond npm: Debian's Chromium for the browser
 * tests (`npm test`) and, preferably, Debian's PostgreSQL server (`npm run dev` falls back to embedded
 * PGlite without it; the tests need the real server's concurrency). Run before either command: a
 * missing package is installed when this is root on a Debian machine with apt, or named in one line
 * with the command that installs it. Never downloads anything but Debian's packages.
 *
 *   tsx dev/system-packages.ts test   (Chromium and PostgreSQL are required)
 *   tsx dev/system-packages.ts dev    (PostgreSQL is preferred, nothing is required)
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

interface Need {
  pkg: string;
  present: () => boolean;
  why: string;
}

const chromium: Need = { pkg: "chromium", present: () => existsSync(process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"), why: "the browser tests drive Debian's Chromium" };
const postgresql: Need = {
  pkg: "postgresql",
  present: () => existsSync("/usr/lib/postgresql") && readdirSync("/usr/lib/postgresql").some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)),
  why: "tests run against a real PostgreSQL server",
};

const mode = process.argv[2] === "dev" ? "dev" : "test";
const required = mode === "test" ? [chromium, postgresql] : [];
const preferred = mode === "dev" ? [postgresql] : [];
const missing = [...required, ...preferred].filter((need) => !need.present());

if (missing.length > 0) {
  const names = missing.map((n) => n.pkg);
  const canInstall = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get") && process.env.ADMIT_ONE_NO_APT !== "1";
  if (canInstall) {
    console.log(`installing Debian packages the ${mode === "test" ? "tests" : "dev stack"} need: ${names.join(" ")} (apt-get, a few minutes)`);
    try {
      execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
      execFileSync("apt-get", ["-o", "DPkg::Lock::Timeout=900", "install", "-y", "-qq", ...names], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    } catch {
      console.error(`could not install ${names.join(" ")}; install them with: sudo apt-get install -y ${names.join(" ")}`);
      if (missing.some((n) => required.includes(n))) process.exit(1);
    }
  } else {
    for (const need of missing) console.error(`missing Debian package ${need.pkg} (${need.why}): sudo apt-get install -y ${need.pkg}`);
    if (missing.some((n) => required.includes(n))) process.exit(1);
  }
}
