/**
 * The Workers runtime as the web type-check sees it. Pages import the API's types
 * (`import type { AppType } from "../../workers/app"`, see scripts/api-client.lib.ts), which pulls
 * the Worker's sources into this DOM program. The generated workers/env.d.ts cannot come along: its
 * globals (Element, Response, …) clash with the DOM's. So the few runtime names the Worker uses are
 * declared here from the importable build of @cloudflare/workers-types, and `Env` as `any`: what a
 * route answers does not depend on its bindings. Nothing here reaches a bundle (types only).
 */
type CloudflareTypes = typeof import("@cloudflare/workers-types/index");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Env = any;
type DurableObjectState<Props = unknown> = import("@cloudflare/workers-types/index").DurableObjectState<Props>;
/** A stub as the Worker calls it: `fetch`, and each public method of the object, answering a promise. */
type DurableObjectStub<T = undefined> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fetch(input: Request | string, init?: RequestInit): Promise<Response & { webSocket?: any }>;
  readonly name?: string;
} & (T extends object
  ? { [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never }
  : unknown);
type DurableObjectNamespace<T = undefined> = {
  getByName(name: string): DurableObjectStub<T>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  idFromName(name: string): any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get(id: any): DurableObjectStub<T>;
};
type DurableObjectStorage = import("@cloudflare/workers-types/index").DurableObjectStorage;
type SqlStorage = import("@cloudflare/workers-types/index").SqlStorage;
type SqlStorageValue = import("@cloudflare/workers-types/index").SqlStorageValue;
type Queue<Body = unknown> = import("@cloudflare/workers-types/index").Queue<Body>;
type WebSocketRequestResponsePair = import("@cloudflare/workers-types/index").WebSocketRequestResponsePair;
declare const WebSocketPair: CloudflareTypes["WebSocketPair"];
declare const WebSocketRequestResponsePair: CloudflareTypes["WebSocketRequestResponsePair"];
interface CacheStorage {
  /** The Workers cache has the same match/put/delete as the DOM's Cache. */
  readonly default: Cache;
}
interface ResponseInit {
  webSocket?: import("@cloudflare/workers-types/index").WebSocket | null;
}

declare module "cloudflare:workers" {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Socket = any;
  export abstract class DurableObject<E = Env> {
    protected ctx: DurableObjectState;
    protected env: E;
    constructor(ctx: DurableObjectState, env: E);
    alarm?(alarmInfo?: import("@cloudflare/workers-types/index").AlarmInvocationInfo): void | Promise<void>;
    fetch?(request: Request): Response | Promise<Response>;
    webSocketMessage?(ws: Socket, message: string | ArrayBuffer): void | Promise<void>;
    webSocketClose?(ws: Socket, code: number, reason: string, wasClean: boolean): void | Promise<void>;
    webSocketError?(ws: Socket, error: unknown): void | Promise<void>;
  }
}
