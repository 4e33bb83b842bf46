/**
 * What every request carries: the bindings, a request id, and services built once per request.
 */
import type { HttpDatabase } from "../db/client";

export interface AppVariables {
  requestId: string;
  db: HttpDatabase;
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}
