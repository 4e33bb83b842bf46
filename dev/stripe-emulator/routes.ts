import { balanceTransactionRoutes } from "./balance-transactions";
import { chargeRoutes } from "./charges";
import { disputeRoutes } from "./disputes";
import type { Route } from "./context";
import { eventRoutes } from "./events";
import { paymentIntentRoutes } from "./payment-intents";
import { paymentMethodRoutes } from "./payment-methods";
import { refundRoutes } from "./refunds";

const ROUTES: readonly Route[] = [
  ...paymentIntentRoutes,
  ...chargeRoutes,
  ...refundRoutes,
  ...disputeRoutes,
  ...eventRoutes,
  ...paymentMethodRoutes,
  ...balanceTransactionRoutes,
];

interface CompiledRoute {
  route: Route;
  regex: RegExp;
}

// `:name` segments match one path segment; literal segments are listed before
// `:id` routes in each module (e.g. `/search`), and the first match wins.
const COMPILED: readonly CompiledRoute[] = ROUTES.map((route) => ({
  route,
  regex: new RegExp(`^${route.pattern.replace(/:[a-z_]+/g, "([^/]+)")}$`),
}));

export type RouteMatch = { route: Route; pathParams: string[] } | null;

export function matchRoute(method: string, path: string): RouteMatch {
  for (const { route, regex } of COMPILED) {
    if (route.method !== method) continue;
    const match = regex.exec(path);
    if (match) return { route, pathParams: match.slice(1).map((segment) => decodeURIComponent(segment)) };
  }
  return null;
}
