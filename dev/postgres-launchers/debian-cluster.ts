import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createDatabase } from "./create-database";
import { pickFreePort } from "./free-port";
import type { LocalPostgres, StartPostgresOptions } from "./local-postgres";

const run = promisify(execFile);

const DEBIAN_POSTGRESQL_ROOT = "/usr/lib/postgresql";
const PORT_ATTEMPTS = 5;

/** The bin directory of the newest Debian PostgreSQL server on this machine, if any. */
export function findDebianServerBinaries(root = DEBIAN_POSTGRESQL_ROOT): string | undefined {
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(root, version, "bin");
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl"))) return bin;
  }
  return undefined;
}

/**
 * Runs a private cluster with Debian's server binaries: initdb into a
 * directory of our own, pg_ctl start on a free port, pg_ctl stop on the way out.
 * Durability is switched off (fsync, full-page writes): the data is throwaway
 * and this makes schema setup several times faster.
 */
export async function startDebianCluster(bin: string, opts: StartPostgresOptions = {}): Promise<LocalPostgres> {
  const log = opts.log ?? (() => {});
  const temporary = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "admit-one-pg-")));
  const pgCtl = join(bin, "pg_ctl");
  const logFile = join(dataDir, "server.log");

  const removeIfTemporary = () => {
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
  };

  let port: number;
  try {
    await prepareDataDir(bin, dataDir, log);
    port = await startOnFreePort(pgCtl, dataDir, logFile, opts.port, log);
  } catch (error) {
    removeIfTemporary();
    throw error;
  }

  // An immediate stop skips the shutdown checkpoint; with synchronous_commit
  // off that loses the last commits, which only matters if the data is kept.
  const stopArgs = ["stop", "-D", dataDir, "-m", temporary ? "immediate" : "fast", "-w"];
  // Node runs only synchronous code in 'exit' handlers; without this a crashed
  // test run would leave a postmaster behind holding its port.
  const stopOnExit = () => {
    try {
      const [command, args] = asServerUser(pgCtl, stopArgs);
      execFileSync(command, args, { stdio: "ignore", cwd: dataDir });
    } catch {
      // Already stopped, or the process is dying anyway.
    }
    removeIfTemporary();
  };
  process.once("exit", stopOnExit);

  let stopping: Promise<void> | undefined;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  log(`postgres (debian, ${bin}) listening on 127.0.0.1:${port}, data in ${dataDir}`);

  return {
    url,
    host: "127.0.0.1",
    port,
    kind: "debian",
    dataDir,
    createDatabase: (name) => createDatabase(url, name),
    stop() {
      stopping ??= (async () => {
        process.off("exit", stopOnExit);
        try {
          await runAsServerUser(pgCtl, stopArgs, dataDir);
        } catch (error) {
          log(`pg_ctl stop failed: ${describe(error)}`);
        }
        if (temporary) await rm(dataDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/** Creates the cluster unless `dataDir` already holds one (a kept dataDir). */
async function prepareDataDir(bin: string, dataDir: string, log: (line: string) => void): Promise<void> {
  if (existsSync(join(dataDir, "PG_VERSION"))) {
    log(`reusing the cluster in ${dataDir}`);
    return;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if ((await readdir(dataDir)).length > 0) {
    throw new Error(`${dataDir} is neither empty nor a PostgreSQL data directory`);
  }
  if (runningAsRoot()) {
    // initdb and pg_ctl refuse to run as root, so the cluster belongs to `postgres`.
    await run("chown", ["postgres:", dataDir]);
  }
  try {
    await runAsServerUser(
      join(bin, "initdb"),
      ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"],
      dataDir,
    );
  } catch (error) {
    if (runningAsRoot() && /Permission denied/.test(describe(error))) {
      throw new Error(
        `initdb runs as the postgres user, which cannot reach ${dataDir}; ` +
          `every parent directory must be searchable by others (chmod o+x)\n${describe(error)}`,
      );
    }
    throw error;
  }
}

async function startOnFreePort(
  pgCtl: string,
  dataDir: string,
  logFile: string,
  fixedPort: number | undefined,
  log: (line: string) => void,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await pickFreePort());
    const logOffset = fileSize(logFile);
    const serverOptions = [
      `-p ${port}`,
      `-k ${shellQuote(dataDir)}`,
      "-c listen_addresses=127.0.0.1",
      "-c fsync=off",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
      "-c max_connections=300",
    ].join(" ");
    try {
      // -l matters beyond logging: without it the postmaster inherits our
      // stdout pipe and execFile would wait for it to close, i.e. forever.
      await runAsServerUser(pgCtl, ["start", "-D", dataDir, "-l", logFile, "-w", "-o", serverOptions], dataDir);
      return port;
    } catch (error) {
      const serverLog = readLogSince(logFile, logOffset);
      // Between our bind test and the postmaster's bind another process may
      // take the port; about one start in eight hits that on busy machines.
      const clashed = /could not bind|Address already in use/i.test(serverLog);
      if (clashed && fixedPort === undefined && attempt < PORT_ATTEMPTS) {
        log(`port ${port} was taken, retrying on another one`);
        continue;
      }
      throw new Error(`pg_ctl start failed on port ${port}: ${describe(error)}\n${serverLog.trim()}`);
    }
  }
}

function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

function asServerUser(command: string, args: string[]): [string, string[]] {
  return runningAsRoot() ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

async function runAsServerUser(command: string, args: string[], cwd: string): Promise<void> {
  const [program, programArgs] = asServerUser(command, args);
  // cwd: `postgres` may not be allowed into the caller's working directory.
  await run(program, programArgs, { cwd });
}

function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

function readLogSince(path: string, offset: number): string {
  return existsSync(path) ? readFileSync(path, "utf8").slice(offset) : "";
}

// pg_ctl hands -o to /bin/sh, so a data directory with spaces needs quoting.
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function describe(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return stderr || (error instanceof Error ? error.message : String(error));
}
