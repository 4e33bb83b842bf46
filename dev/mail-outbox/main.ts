/**
 * Runs the mail outbox on its own:
 *
 *   npx tsx dev/mail-outbox/main.ts --port 12112
 *
 * Options: --port N (MAIL_OUTBOX_PORT, default 12112), --host H (MAIL_OUTBOX_HOST, default 127.0.0.1).
 */
import { parseArgs } from "node:util";
import { startMailOutbox } from "./index";

const { values } = parseArgs({ options: { port: { type: "string" }, host: { type: "string" } } });
const port = Number(values.port ?? process.env.MAIL_OUTBOX_PORT ?? 12112);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Invalid port: ${values.port ?? process.env.MAIL_OUTBOX_PORT}`);
  process.exit(2);
}

const outbox = await startMailOutbox({ port, host: values.host ?? process.env.MAIL_OUTBOX_HOST ?? "127.0.0.1" });
console.log(`Mail outbox listening on ${outbox.url} (inbox page: ${outbox.url}/, API: POST ${outbox.url}/emails)`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void outbox.stop().then(() => process.exit(0));
  });
}
