package io.redisgrpc.gateway.errors;

import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.redisgrpc.gateway.metrics.GatewayMetrics;

/** The single way a service answers a failure: map it ({@link ErrorMapper}) and count it. */
public final class Failures {
  private final GatewayMetrics metrics;

  public Failures(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  /** The status for a per-operation error (Batch, Pipeline), counted once. */
  public com.google.rpc.Status status(Throwable error) {
    com.google.rpc.Status status = ErrorMapper.toStatus(error);
    metrics.error(status);
    return status;
  }

  /** The same, as the exception that ends a call. */
  public StatusRuntimeException exception(Throwable error) {
    return StatusProto.toStatusRuntimeException(status(error));
  }
}
