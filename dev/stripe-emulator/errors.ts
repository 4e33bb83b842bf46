/**
 * Stripe's error envelope, and the one distinction the idempotency layer needs:
 * Stripe stores a response for a key only once the endpoint "started
 * executing". Errors raised while checking parameters are `validation` errors
 * and are never stored, so a client may fix its request and retry with the same
 * key; everything later (declines, state conflicts, 500s) is `execution` and is
 * replayed verbatim.
 */
export type ErrorType = "api_error" | "card_error" | "idempotency_error" | "invalid_request_error";
export type ErrorPhase = "validation" | "execution";

export interface StripeErrorObject {
  type: ErrorType;
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  charge?: string;
  payment_intent?: unknown;
  payment_method?: unknown;
  payment_method_type?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: StripeErrorObject,
    readonly phase: ErrorPhase,
  ) {
    super(detail.message);
    this.name = "ApiError";
  }

  toBody(): { error: StripeErrorObject } {
    return { error: this.detail };
  }
}

export function docUrl(code: string): string {
  return `https://stripe.com/docs/error-codes/${code.replace(/_/g, "-")}`;
}

function withCode(detail: StripeErrorObject): StripeErrorObject {
  return detail.code ? { ...detail, doc_url: docUrl(detail.code) } : detail;
}

/** A malformed or missing parameter: 400, never stored for idempotency. */
export function paramError(message: string, param: string, code?: string): ApiError {
  return new ApiError(
    400,
    withCode({ type: "invalid_request_error", message, param, ...(code ? { code } : {}) }),
    "validation",
  );
}

/** The request is well-formed but the object's state forbids it: 400, stored. */
export function stateError(
  message: string,
  extra: { code?: string; param?: string; payment_intent?: unknown } = {},
): ApiError {
  return new ApiError(400, withCode({ type: "invalid_request_error", message, ...extra }), "execution");
}

/**
 * An id that names nothing: 404 when it is the resource in the path, but 400 when it came in a
 * request's body (Stripe answers an unknown `payment_method` on a confirm so).
 */
export function resourceMissing(noun: string, id: string, param = "id", status: 400 | 404 = 404): ApiError {
  return new ApiError(
    status,
    withCode({ type: "invalid_request_error", code: "resource_missing", message: `No such ${noun}: '${id}'`, param }),
    "validation",
  );
}

export function internalError(): ApiError {
  return new ApiError(
    500,
    {
      type: "api_error",
      message:
        "Sorry, something went wrong. We've already been notified of the problem, but if you need any help, you can reach us at https://support.stripe.com/contact/.",
    },
    "execution",
  );
}
