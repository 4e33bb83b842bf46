/**
 * Runs the Stripe emulator on its own:
 *
 *   npx tsx dev/stripe-emulator/main.ts --port 12111 --webhook-url http://127.0.0.1:8787/webhooks/stripe
 *
 * Options (flags win over environment variables):
 *   --port N            STRIPE_EMULATOR_PORT       default 12111
 *   --host H            STRIPE_EMULATOR_HOST       default 127.0.0.1
 *   --webhook-url URL   STRIPE_WEBHOOK_URL         default none
 *   --webhook-secret S  STRIPE_WEBHOOK_SECRET      default random whsec_…
 *   --shuffle-webhooks, --duplicate-webhooks, --quiet
 */
import { parseArgs } from "node:util";
import { startStripeEmulator } from "./index";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    "webhook-url": { type: "string" },
    "webhook-secret": { type: "string" },
    "shuffle-webhooks": { type: "boolean", default: false },
    "duplicate-webhooks": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
  },
});

const port = Number(values.port ?? process.env.STRIPE_EMULATOR_PORT ?? 12111);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Invalid port: ${values.port ?? process.env.STRIPE_EMULATOR_PORT}`);
  process.exit(2);
}
const webhookUrl = values["webhook-url"] ?? process.env.STRIPE_WEBHOOK_URL;
const webhookSecret = values["webhook-secret"] ?? process.env.STRIPE_WEBHOOK_SECRET;

const emulator = await startStripeEmulator({
  port,
  host: values.host ?? process.env.STRIPE_EMULATOR_HOST ?? "127.0.0.1",
  ...(webhookUrl ? { webhookUrl } : {}),
  ...(webhookSecret ? { webhookSecret } : {}),
  shuffleWebhooks: values["shuffle-webhooks"],
  duplicateWebhooks: values["duplicate-webhooks"],
  ...(values.quiet ? {} : { log: (line: string) => console.log(`[stripe-emulator] ${line}`) }),
});

console.log(`Stripe emulator listening on ${emulator.url}`);
console.log(`  SDK:            new Stripe("sk_test_…", { host: "${new URL(emulator.url).hostname}", port: ${emulator.port}, protocol: "http" })`);
console.log(`  webhook secret: ${emulator.webhookSecret}`);
console.log(`  webhook URL:    ${webhookUrl ?? `(none; PUT ${emulator.url}/_emulator/webhook_endpoint to set one)`}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void emulator.stop().then(() => process.exit(0));
  });
}
