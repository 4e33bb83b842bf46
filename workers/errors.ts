/**
 * The one error path. Every failure a client can see has a stable upper-snake code from this map;
 * the map fixes its HTTP status so a code can never leave with two different statuses.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const errorStatus = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  DEVICE_REVOKED: 401,
  PAYMENT_DECLINED: 402,
  PAYMENT_ACTION_REQUIRED: 402,
  FORBIDDEN: 403,
  QUEUE_REQUIRED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  SOLD_OUT: 409,
  SEAT_UNAVAILABLE: 409,
  REFUND_NOT_ALLOWED: 409,
  CONFLICT: 409,
  EMAIL_TAKEN: 409,
  SALES_NOT_OPEN: 409,
  QUEUE_NOT_ACTIVE: 409,
  QUEUE_ALREADY_ADMITTED: 409,
  REFUND_POLICY_NARROWED: 409,
  WAITLIST_DISABLED: 409,
  EVENT_CANCELLED: 409,
  UNDO_NOT_ALLOWED: 409,
  PROMO_CODE_INVALID: 409,
  ORDER_NOT_CANCELLABLE: 409,
  ORDER_CANCELLED: 409,
  PAYMENT_IN_PROGRESS: 409,
  HOLD_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UPGRADE_REQUIRED: 426,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  HOLD_LIMIT_REACHED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof errorStatus;

export interface FieldProblem {
  field: string;
  message: string;
}

/** A failure meant for the client: thrown anywhere in a request, rendered by the root onError. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  /** Extra top-level fields of the error body, e.g. `waitlist_position` or `details`. */
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.extra = extra;
  }

  get status(): ContentfulStatusCode {
    return errorStatus[this.code];
  }
}

export function validationFailed(details: FieldProblem[], message?: string): ApiError {
  const fields = details.map((d) => d.field).filter((f, i, all) => all.indexOf(f) === i);
  return new ApiError(
    "VALIDATION_FAILED",
    message ?? `The request has invalid fields: ${fields.join(", ") || "body"}.`,
    { details },
  );
}

export function errorBody(error: ApiError, requestId: string) {
  return {
    error: { code: error.code, message: error.message, request_id: requestId },
    ...error.extra,
  };
}
