package io.redisgrpc.gateway.service;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.redisgrpc.api.v1.OperationResult;
import io.redisgrpc.api.v1.PipelineRequest;
import io.redisgrpc.api.v1.PipelineResponse;
import io.redisgrpc.api.v1.Operation;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One Pipeline stream: every request is executed as soon as it arrives and answered as soon as
 * Redis answers, tagged with the client's id, in whatever order the replies come.
 *
 * <p>Flow control: the gateway asks the transport for at most {@code maxInFlight} requests ahead
 * of the answers it has sent, so a client that floods the stream (or stops reading) holds a
 * bounded amount of gateway memory and Redis work.
 */
final class PipelineCall implements StreamObserver<PipelineRequest> {
  private final BiFunction<Operation, Deadline, CompletableFuture<OperationResult>> executor;
  private final ServerCallStreamObserver<PipelineResponse> responses;
  private final Function<Throwable, OperationResult> errorResult;
  private final Deadline deadline;
  private final Object lock = new Object();
  private int inFlight;
  private boolean halfClosed;
  private boolean finished;

  PipelineCall(BiFunction<Operation, Deadline, CompletableFuture<OperationResult>> executor, ServerCallStreamObserver<PipelineResponse> responses, int maxInFlight,
      Function<Throwable, OperationResult> errorResult) {
    this.executor = executor;
    this.responses = responses;
    this.errorResult = errorResult;
    this.deadline = Context.current().getDeadline();
    responses.disableAutoRequest();
    responses.setOnCancelHandler(() -> {
      synchronized (lock) {
        finished = true;
      }
    });
    responses.request(maxInFlight);
  }

  @Override
  public void onNext(PipelineRequest request) {
    synchronized (lock) {
      inFlight++;
    }
    executor.apply(request.getOperation(), deadline).whenComplete((result, error) -> {
      PipelineResponse response = PipelineResponse.newBuilder()
          .setId(request.getId())
          .setResult(error == null ? result : errorResult.apply(error))
          .build();
      synchronized (lock) {
        inFlight--;
        if (finished) {
          return;
        }
        responses.onNext(response);
        responses.request(1);
        completeIfDone();
      }
    });
  }

  @Override
  public void onError(Throwable error) {
    synchronized (lock) {
      finished = true;
    }
  }

  @Override
  public void onCompleted() {
    synchronized (lock) {
      halfClosed = true;
      completeIfDone();
    }
  }

  private void completeIfDone() {
    if (halfClosed && inFlight == 0 && !finished) {
      finished = true;
      responses.onCompleted();
    }
  }
}
