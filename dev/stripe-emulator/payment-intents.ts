import type { Account } from "./account";
import { assertConfirmable, attemptCharge, chooseConfirmationMethod } from "./confirmation";
import type { ApiContext, ApiResult, Route } from "./context";
import { checkChargeAmount, parseCurrency } from "./currency";
import { paramError, resourceMissing, stateError } from "./errors";
import { newId, nowSeconds, randomToken } from "./ids";
import { LIST_PARAMS, paginate } from "./lists";
import { applyMetadata } from "./metadata";
import type { Params } from "./params";
import { resolvePaymentMethod } from "./payment-methods";
import { search } from "./search";
import type { PaymentIntent, PaymentIntentStatus } from "./shapes";

const UPDATABLE: readonly PaymentIntentStatus[] = ["requires_payment_method", "requires_confirmation", "requires_action"];
const CANCELABLE: readonly PaymentIntentStatus[] = [
  "requires_payment_method",
  "requires_capture",
  "requires_confirmation",
  "requires_action",
  "processing",
];
const CANCELLATION_REASONS = ["duplicate", "fraudulent", "requested_by_customer", "abandoned"] as const;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const STATEMENT_SUFFIX_MAX = 22;

export function findPaymentIntent(account: Account, id: string, param = "id"): PaymentIntent {
  const intent = account.paymentIntents.get(id);
  if (!intent) throw resourceMissing("payment_intent", id, param);
  return intent;
}

function readEmail(params: Params, key: string): string | null | undefined {
  const value = params.nullableString(key);
  if (value && !EMAIL.test(value)) throw paramError(`Invalid email address: ${value}`, key, "email_invalid");
  return value;
}

function readPaymentMethodId(params: Params): string | undefined {
  const value = params.string("payment_method");
  return value === "" ? undefined : value;
}

/**
 * `payment_method_types` or `automatic_payment_methods` (never both). With
 * neither, current API versions use the Dashboard's payment methods
 * (automatic_payment_methods enabled); the emulated Dashboard offers cards
 * only, so no redirect can happen. The emulator can only charge cards, so
 * other types are refused.
 */
function readPaymentMethodSetup(params: Params): Pick<PaymentIntent, "automatic_payment_methods" | "payment_method_types"> {
  const types = params.stringList("payment_method_types");
  const automatic = params.object("automatic_payment_methods");
  if (types && automatic) {
    throw paramError(
      "You may only specify one of these parameters: automatic_payment_methods, payment_method_types.",
      "automatic_payment_methods",
    );
  }
  if (types) {
    if (types.length === 0) throw paramError("Invalid array", "payment_method_types");
    const unsupported = types.find((type) => type !== "card");
    if (unsupported) {
      throw paramError(`The payment method type "${unsupported}" is not supported by the emulator (only "card").`, "payment_method_types");
    }
    return { automatic_payment_methods: null, payment_method_types: ["card"] };
  }
  if (!automatic) return { automatic_payment_methods: { enabled: true }, payment_method_types: ["card"] };
  automatic.assertKnown(["enabled", "allow_redirects"]);
  const enabled = automatic.boolean("enabled");
  if (enabled === undefined) {
    throw paramError("Missing required param: automatic_payment_methods[enabled].", "automatic_payment_methods[enabled]", "parameter_missing");
  }
  if (!enabled) return { automatic_payment_methods: { enabled: false }, payment_method_types: ["card"] };
  // Stripe's default for an explicit opt-in is to allow redirects.
  const allowRedirects = automatic.oneOf("allow_redirects", ["always", "never"] as const) ?? "always";
  return { automatic_payment_methods: { allow_redirects: allowRedirects, enabled }, payment_method_types: ["card"] };
}

function createPaymentIntent(ctx: ApiContext): ApiResult {
  const { account, params } = ctx;
  params.assertKnown([
    "amount", "currency", "payment_method", "confirm", "metadata", "description", "receipt_email",
    "capture_method", "confirmation_method", "automatic_payment_methods", "payment_method_types",
    "return_url", "statement_descriptor_suffix",
  ]);
  const amount = params.requiredInteger("amount");
  const currency = parseCurrency(params.requiredString("currency"));
  checkChargeAmount(amount, currency);
  const captureMethod = params.oneOf("capture_method", ["automatic", "automatic_async", "manual"] as const) ?? "automatic";
  if (captureMethod === "manual") {
    throw paramError("The emulator supports only automatic capture (automatic or automatic_async).", "capture_method");
  }
  if (params.oneOf("confirmation_method", ["automatic", "manual"] as const) === "manual") {
    throw paramError("The emulator supports only confirmation_method=automatic.", "confirmation_method");
  }
  const setup = readPaymentMethodSetup(params);
  const confirm = params.boolean("confirm") ?? false;
  const returnUrl = params.nullableString("return_url");
  if (returnUrl && !confirm) {
    throw paramError("You can only provide `return_url` when `confirm` is true.", "return_url");
  }
  const description = params.nullableString("description") ?? null;
  const receiptEmail = readEmail(params, "receipt_email") ?? null;
  const suffix = params.nullableString("statement_descriptor_suffix", STATEMENT_SUFFIX_MAX) ?? null;
  const metadata = applyMetadata(params, {});
  const requested = readPaymentMethodId(params);
  const paymentMethod = confirm
    ? chooseConfirmationMethod(account, {
        requested,
        attached: null,
        automaticPaymentMethods: setup.automatic_payment_methods,
        returnUrl,
      })
    : requested
      ? resolvePaymentMethod(account, requested)
      : null;

  const id = newId("pi");
  const intent: PaymentIntent = {
    amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: setup.automatic_payment_methods,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: captureMethod,
    client_secret: `${id}_secret_${randomToken(25)}`,
    confirmation_method: "automatic",
    created: nowSeconds(),
    currency,
    customer: null,
    description,
    excluded_payment_method_types: null,
    id,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata,
    next_action: null,
    object: "payment_intent",
    on_behalf_of: null,
    payment_method: paymentMethod?.object.id ?? null,
    payment_method_configuration_details: setup.automatic_payment_methods?.enabled
      ? { id: account.paymentMethodConfigurationId, parent: null }
      : null,
    payment_method_options: {},
    payment_method_types: setup.payment_method_types,
    processing: null,
    receipt_email: receiptEmail,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: suffix,
    status: paymentMethod ? "requires_confirmation" : "requires_payment_method",
    transfer_data: null,
    transfer_group: null,
  };
  account.paymentIntents.set(id, intent);
  ctx.emit("payment_intent.created", intent);
  return confirm && paymentMethod ? attemptCharge(ctx, intent, paymentMethod) : { body: intent };
}

function updatePaymentIntent(ctx: ApiContext): ApiResult {
  const { account, params } = ctx;
  params.assertKnown(["amount", "currency", "description", "metadata", "payment_method", "receipt_email", "statement_descriptor_suffix"]);
  const intent = findPaymentIntent(account, ctx.pathParams[0] ?? "");
  // Everything is validated before anything is written: a rejected update
  // must leave the PaymentIntent exactly as it was.
  const currencyParam = params.string("currency");
  const currency = currencyParam === undefined ? intent.currency : parseCurrency(currencyParam);
  const amount = params.integer("amount") ?? intent.amount;
  if (params.has("amount") || params.has("currency")) checkChargeAmount(amount, currency);
  const requested = readPaymentMethodId(params);
  const paymentMethod = requested ? resolvePaymentMethod(account, requested) : undefined;
  const description = params.nullableString("description");
  const receiptEmail = readEmail(params, "receipt_email");
  const suffix = params.nullableString("statement_descriptor_suffix", STATEMENT_SUFFIX_MAX);
  const metadata = applyMetadata(params, intent.metadata);

  const lockedField = ["amount", "currency", "payment_method"].find((field) => params.has(field));
  if (lockedField && !UPDATABLE.includes(intent.status)) {
    throw stateError(
      `This PaymentIntent's ${lockedField} could not be updated because it has a status of ${intent.status}. ` +
        `You may only update the ${lockedField} of a PaymentIntent with one of the following statuses: ${UPDATABLE.join(", ")}.`,
      { code: "payment_intent_unexpected_state", param: lockedField, payment_intent: structuredClone(intent) },
    );
  }

  intent.amount = amount;
  intent.currency = currency;
  intent.metadata = metadata;
  if (description !== undefined) intent.description = description;
  if (receiptEmail !== undefined) intent.receipt_email = receiptEmail;
  if (suffix !== undefined) intent.statement_descriptor_suffix = suffix;
  if (paymentMethod) {
    intent.payment_method = paymentMethod.object.id;
    if (intent.status === "requires_payment_method") intent.status = "requires_confirmation";
  }
  return { body: intent };
}

function confirmPaymentIntent(ctx: ApiContext): ApiResult {
  const { account, params } = ctx;
  params.assertKnown(["payment_method", "return_url", "receipt_email"]);
  const intent = findPaymentIntent(account, ctx.pathParams[0] ?? "");
  const receiptEmail = readEmail(params, "receipt_email");
  const returnUrl = params.nullableString("return_url");
  const requested = readPaymentMethodId(params);
  assertConfirmable(intent);
  const paymentMethod = chooseConfirmationMethod(account, {
    requested,
    attached: intent.payment_method,
    automaticPaymentMethods: intent.automatic_payment_methods,
    returnUrl,
  });
  if (receiptEmail !== undefined) intent.receipt_email = receiptEmail;
  return attemptCharge(ctx, intent, paymentMethod);
}

function cancelPaymentIntent(ctx: ApiContext): ApiResult {
  const { account, params } = ctx;
  params.assertKnown(["cancellation_reason"]);
  const reason = params.oneOf("cancellation_reason", CANCELLATION_REASONS) ?? null;
  const intent = findPaymentIntent(account, ctx.pathParams[0] ?? "");
  if (!CANCELABLE.includes(intent.status)) {
    throw stateError(
      `You cannot cancel this PaymentIntent because it has a status of ${intent.status}. ` +
        `Only a PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE.join(", ")}.`,
      { code: "payment_intent_unexpected_state", payment_intent: structuredClone(intent) },
    );
  }
  Object.assign(intent, { status: "canceled", canceled_at: nowSeconds(), cancellation_reason: reason });
  ctx.emit("payment_intent.canceled", intent);
  return { body: intent };
}

export const paymentIntentRoutes: Route[] = [
  { method: "POST", pattern: "/v1/payment_intents", handler: createPaymentIntent },
  {
    method: "GET",
    pattern: "/v1/payment_intents",
    handler: ({ account, params }) => {
      params.assertKnown(LIST_PARAMS);
      return { body: paginate(account.paymentIntents.values(), params, "/v1/payment_intents") };
    },
  },
  {
    method: "GET",
    pattern: "/v1/payment_intents/search",
    handler: ({ account, params }) => ({
      body: search(account.paymentIntents.values(), params, "/v1/payment_intents/search", {
        amount: (intent) => intent.amount,
        currency: (intent) => intent.currency,
        status: (intent) => intent.status,
        customer: (intent) => intent.customer,
      }),
    }),
  },
  {
    method: "GET",
    pattern: "/v1/payment_intents/:id",
    handler: ({ account, params, pathParams: [id = ""] }) => {
      params.assertKnown(["client_secret"]);
      return { body: findPaymentIntent(account, id) };
    },
  },
  { method: "POST", pattern: "/v1/payment_intents/:id", handler: updatePaymentIntent },
  { method: "POST", pattern: "/v1/payment_intents/:id/confirm", handler: confirmPaymentIntent },
  { method: "POST", pattern: "/v1/payment_intents/:id/cancel", handler: cancelPaymentIntent },
];
