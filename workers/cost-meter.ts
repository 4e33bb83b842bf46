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

/** One wrapped set of bindings per env object: workerd hands every request of an isolate the same env, so it is built once, not per request. */
const wrappedEnvs = new WeakMap<Env, Env>();

/**
 * The bindings with every Durable Object call and Queue send counted. The stubs are wrapped in
 * proxies that count a method call and pass it on unchanged. Built once per env object: nothing in
 * it belongs to a request (a call is counted into the account of the request running it, looked
 * up at the call, workers/cost-count.ts), so requests can share it.
 */
export function meteredEnv(env: Env): Env {
  const known = wrappedEnvs.get(env);
  if (known) return known;
  const wrapped: Record<string, unknown> = {};
  for (const [name, binding] of Object.entries(env)) {
    if (binding && typeof binding === "object" && typeof (binding as { getByName?: unknown }).getByName === "function") wrapped[name] = namespace(binding as DurableObjectNamespace);
    else if (binding && typeof binding === "object" && typeof (binding as { sendBatch?: unknown }).sendBatch === "function") wrapped[name] = queue(binding as Queue);
    else wrapped[name] = binding;
  }
  wrappedEnvs.set(env, wrapped as unknown as Env);
  return wrapped as unknown as Env;
}

function namespace(ns: DurableObjectNamespace): DurableObjectNamespace {
  // A namespace's methods, bound (and `get`/`getByName` wrapped) once, not at every property read.
  const methods = new Map<PropertyKey, unknown>();
  return new Proxy(ns, {
    get(target, property) {
      const known = methods.get(property);
      if (known) return known;
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const method =
        property === "getByName" || property === "get"
          ? (...args: unknown[]) => stub(Reflect.apply(value as (...a: unknown[]) => DurableObjectStub, target, args))
          : value.bind(target);
      methods.set(property, method);
      return method;
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
