package io.redisgrpc.gateway.errors;

import io.grpc.Status;

/**
 * A request the gateway refuses itself (validation, limits), with the gRPC code and the
 * machine-readable reason that go into the answer.
 */
public final class GatewayException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final Status.Code code;
  private final ErrorReason reason;

  public GatewayException(Status.Code code, ErrorReason reason, String message) {
    super(message, null, false, false);
    this.code = code;
    this.reason = reason;
  }

  public static GatewayException invalid(ErrorReason reason, String message) {
    return new GatewayException(Status.Code.INVALID_ARGUMENT, reason, message);
  }

  public Status.Code code() {
    return code;
  }

  public ErrorReason reason() {
    return reason;
  }
}
