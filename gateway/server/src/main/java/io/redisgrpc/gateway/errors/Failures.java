package io.redisgrpc.gateway.errors;

import com.google.rpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.function.Consumer;

/** The single way a service answers a failure: map it ({@link ErrorMapper}) and count it. */
public final class Failures {
  private final Consumer<Status> counter;

  /**
   * @param counter counts every failure answered, by its mapped status (the gateway passes {@code
   *     GatewayMetrics::error}); a callback, so that error mapping does not depend on metrics
   */
  public Failures(Consumer<Status> counter) {
    this.counter = counter;
  }

  /** The status for a per-operation error (Batch, Pipeline), counted once. */
  public Status status(Throwable error) {
    Status status = ErrorMapper.toStatus(error);
    counter.accept(status);
    return status;
  }

  /** The same, as the exception that ends a call. */
  public StatusRuntimeException exception(Throwable error) {
    return StatusProto.toStatusRuntimeException(status(error));
  }
}
