/**
 * The Worker's side of the cost meter (workers/cost-count.ts): whether this Worker is metered
 * (`APP_ENV=development`, never production), and its bindings with every Durable Object call and
 * Queue send counted.
 */
import { countCost } from "./cost-count";

export { costTotals, metered, stepOf } from "./cost-count";

export function isMetered(env: Pick<Env, "APP_ENV">): boolean {
  return env.APP_ENV === "development";
}

/**
 * The bindings with every Durable Object call and Queue send counted. The stubs are wrapped in
 * proxies that count a method call and pass it on unchanged.
 */
export function meteredEnv(env: Env): Env {
  const wrapped: Record<string, unknown> = {};
  for (const [name, binding] of Object.entries(env)) {
    if (binding && typeof binding === "object" && typeof (binding as { getByName?: unknown }).getByName === "function") wrapped[name] = namespace(binding as DurableObjectNamespace);
    else if (binding && typeof binding === "object" && typeof (binding as { sendBatch?: unknown }).sendBatch === "function") wrapped[name] = queue(binding as Queue);
    else wrapped[name] = binding;
  }
  return wrapped as unknown as Env;
}

function namespace(ns: DurableObjectNamespace): DurableObjectNamespace {
  return new Proxy(ns, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === "getByName" || property === "get") {
        return (...args: unknown[]) => stub(Reflect.apply(value as (...a: unknown[]) => DurableObjectStub, target, args));
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function stub(target: DurableObjectStub): DurableObjectStub {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (typeof property !== "string" || property === "then" || typeof value !== "function") return value;
      return (...args: unknown[]) => {
        countCost("doCalls");
        // Reflect.apply, not value.apply: every property of an RPC stub is a remote method, `apply` too.
        return Reflect.apply(value as (...a: unknown[]) => unknown, object, args);
      };
    },
  });
}

function queue(target: Queue): Queue {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object);
      if (property !== "send" && property !== "sendBatch") return typeof value === "function" ? value.bind(object) : value;
      return (...args: unknown[]) => {
        countCost("queueSends");
        return Reflect.apply(value as (...a: unknown[]) => unknown, object, args);
      };
    },
  });
}
