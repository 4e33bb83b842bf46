/**
 * `npm run dev`: the whole platform on 127.0.0.1 with demo data, on fixed ports (override with
 * ADMIT_ONE_PORT_BASE). Ctrl-C stops every child: workerd, the stand-ins and the database.
 */
import { DEMO_ORGANIZER } from "./demo-data";
import { startStack } from "./stack";

const base = Number(process.env.ADMIT_ONE_PORT_BASE ?? 8800);
const ports = { worker: base, inspector: base + 29, proxy: base + 1, stripe: base + 2, mail: base + 3, postgres: base + 4 };

const started = Date.now();
const log = (line: string) => console.log(line);

const stack = await startStack({ ports, seed: true, worker: true, runCron: true, log });

console.log(`
  Admit One is running (${((Date.now() - started) / 1000).toFixed(1)} s)

  Events            ${stack.urls.worker}/
  API               ${stack.urls.worker}/api/v1/events
  Mail outbox       ${stack.urls.mail}/
  Stripe emulator   ${stack.urls.stripe}   (test cards: pm_card_visa, pm_card_chargeDeclined)
  Neon proxy        ${stack.urls.proxy}
  Database          ${stack.databaseUrl}   (${stack.postgresKind})

  Organizer login   ${DEMO_ORGANIZER.email} / ${DEMO_ORGANIZER.password}

  Ctrl-C stops everything.
`);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await stack.stop();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
