package io.redisgrpc.gateway.errors;

/** The machine-readable {@code google.rpc.ErrorInfo.reason} values the gateway sends. */
public enum ErrorReason {
  // INVALID_ARGUMENT
  INVALID_REQUEST,
  MALFORMED_REQUEST,
  KEY_EMPTY,
  KEY_TOO_LARGE,
  VALUE_TOO_LARGE,
  TOO_MANY_OPERATIONS,
  TOO_MANY_ELEMENTS,
  WRONG_TYPE,
  NOT_A_NUMBER,
  NUMBER_OVERFLOW,
  CROSS_SLOT,
  // UNAUTHENTICATED
  UNKNOWN_IDENTITY,
  // PERMISSION_DENIED
  REDIS_NOPERM,
  NOT_PERMITTED,
  // RESOURCE_EXHAUSTED
  REDIS_OOM,
  BLOCKING_CAPACITY,
  SUBSCRIBER_CAPACITY,
  /**
   * A request message above --max-message-bytes. A label of redisgrpc_errors_total only: the
   * transport refuses the message before the gateway sees the call, so the caller gets grpc-java's
   * status without ErrorInfo.
   */
  MESSAGE_TOO_LARGE,
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
