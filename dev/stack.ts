/**
 * The whole local platform, as `npm run dev` and the test setup start it: PostgreSQL with the
 * migrations applied, the Neon-protocol proxy in front of it, the Stripe emulator, the mail outbox,
 * and optionally the Worker itself under `wrangler dev`. Everything binds 127.0.0.1.
 */
import { startMailOutbox } from "./mail-outbox";
import { startNeonProxy } from "./neon-proxy";
import { startPostgres } from "./postgres";
import { startStripeEmulator } from "./stripe-emulator";
import { generateLocalSecrets } from "./local-secrets";
import { applyMigrations } from "./migrate";
import { seedDemoData } from "./demo-data";
import { freePort } from "./ports";
import { startWorker, type WorkerProcess } from "./worker-process";

export interface StackOptions {
  /** Fixed ports for `npm run dev`; tests leave them out and get free ones. */
  ports?: Partial<Record<"postgres" | "proxy" | "stripe" | "mail" | "worker" | "inspector", number>>;
  databaseName?: string;
  seed?: boolean;
  worker?: boolean;
  runCron?: boolean;
  log?: (line: string) => void;
}

export interface Stack {
  databaseUrl: string;
  /** The bindings the Worker needs to reach the stand-ins: pass to `wrangler dev` or miniflare. */
  vars: Record<string, string>;
  urls: { proxy: string; stripe: string; mail: string; worker?: string };
  postgresKind: string;
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const log = options.log ?? (() => {});
  const ports = options.ports ?? {};
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        log(`stop failed: ${String(error)}`);
      }
    }
  };

  try {
    const postgres = await startPostgres({ port: ports.postgres, log });
    stops.push(() => postgres.stop());
    const databaseUrl = await postgres.createDatabase(options.databaseName ?? "admitone");
    await applyMigrations(databaseUrl);
    log(`postgres (${postgres.kind}) ready, migrations applied`);

    const proxy = await startNeonProxy({ port: ports.proxy ?? 0, portMap: { 5432: postgres.port }, log });
    stops.push(() => proxy.stop());

    const secrets = generateLocalSecrets();
    const stripe = await startStripeEmulator({ port: ports.stripe ?? 0, webhookSecret: secrets.STRIPE_WEBHOOK_SECRET, log });
    stops.push(() => stripe.stop());

    const mail = await startMailOutbox({ port: ports.mail ?? 0 });
    stops.push(() => mail.stop());

    if (options.seed) await seedDemoData(databaseUrl);

    const vars: Record<string, string> = {
      APP_ENV: "development",
      DATABASE_URL: databaseUrl,
      NEON_LOCAL_PROXY: `127.0.0.1:${proxy.port}`,
      STRIPE_API_HOST: `127.0.0.1:${stripe.port}`,
      MAIL_API_URL: mail.url,
      MAIL_FROM: "Admit One (local) <tickets@admit-one.test>",
      ...secrets,
    };

    let worker: WorkerProcess | undefined;
    if (options.worker) {
      const port = ports.worker ?? (await freePort());
      vars.PUBLIC_BASE_URL = `http://127.0.0.1:${port}`;
      const { DATABASE_URL, STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, SIGNING_MASTER_KEY, MAIL_API_KEY, ...plain } = vars;
      worker = await startWorker({
        port,
        inspectorPort: ports.inspector ?? (await freePort()),
        vars: plain,
        secrets: { DATABASE_URL: DATABASE_URL!, STRIPE_SECRET_KEY: STRIPE_SECRET_KEY!, STRIPE_WEBHOOK_SECRET: STRIPE_WEBHOOK_SECRET!, SIGNING_MASTER_KEY: SIGNING_MASTER_KEY!, MAIL_API_KEY: MAIL_API_KEY! },
        runCron: options.runCron,
        log,
      });
      stops.push(() => worker!.stop());
      stripe.setWebhookUrl(`${worker.url}/api/v1/stripe/webhook`);
    }

    return {
      databaseUrl,
      vars,
      urls: { proxy: proxy.url, stripe: stripe.url, mail: mail.url, worker: worker?.url },
      postgresKind: postgres.kind,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
