/**
 * What every request carries: the bindings, a request id, and services built once per request.
 */
import type { HttpDatabase } from "../db/client";
import type { OrganizerPrincipal } from "./auth/organizer-auth";

export interface AppVariables {
  requestId: string;
  db: HttpDatabase;
  /** Set by requireOrganizer / optionalOrganizer. */
  principal?: OrganizerPrincipal;
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}
