package io.redisgrpc.gateway.errors;

/** The machine-readable {@code google.rpc.ErrorInfo.reason} values the gateway sends. */
public enum ErrorReason {
  // INVALID_ARGUMENT
  INVALID_REQUEST,
  KEY_EMPTY,
  KEY_TOO_LARGE,
  VALUE_TOO_LARGE,
  TOO_MANY_OPERATIONS,
  TOO_MANY_ELEMENTS,
  WRONG_TYPE,
  NOT_A_NUMBER,
  CROSS_SLOT,
  // PERMISSION_DENIED
  REDIS_NOPERM,
  // RESOURCE_EXHAUSTED
  REDIS_OOM,
  BLOCKING_CAPACITY,
  SUBSCRIBER_CAPACITY,
  // UNAVAILABLE
  REDIS_UNAVAILABLE,
  // DEADLINE_EXCEEDED
  DEADLINE_EXCEEDED,
  // CANCELLED
  CANCELLED,
  // UNKNOWN
  REDIS_ERROR;

  public static final String DOMAIN = "redisgrpc.io";
}
