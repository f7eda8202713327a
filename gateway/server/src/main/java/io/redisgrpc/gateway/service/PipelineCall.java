package io.redisgrpc.gateway.service;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.redisgrpc.api.v1.Operation;
import io.redisgrpc.api.v1.OperationResult;
import io.redisgrpc.api.v1.PipelineRequest;
import io.redisgrpc.api.v1.PipelineResponse;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * One Pipeline stream: every request is executed as soon as it arrives and answered as soon as
 * Redis answers, tagged with the client's id, in whatever order the replies come.
 *
 * <p>Flow control, as in grpc-java's {@code ManualFlowControlServer}: the gateway reads a request
 * from the stream only when it can take on its answer. It holds at most {@code maxInFlight}
 * requests it has read but not answered, and after an answer it asks the transport for the next
 * request only while the response stream is ready ({@code isReady()}: the client reads what it is
 * sent). While it is not, the answer's place is kept and asked for again in {@code onReady}. So a
 * client that floods the stream, or stops reading its responses, holds a bounded amount of gateway
 * memory and Redis work: unread responses stop the reading of requests.
 */
final class PipelineCall implements StreamObserver<PipelineRequest> {
  private final BiFunction<Operation, Deadline, CompletableFuture<OperationResult>> executor;
  private final ServerCallStreamObserver<PipelineResponse> responses;
  private final Function<Throwable, OperationResult> errorResult;
  private final Deadline deadline;
  private final Object lock = new Object();
  private int inFlight;

  /**
   * Requests the gateway has room for but has not asked the transport for: it asks while the
   * response stream is ready.
   */
  private int unrequested;

  private boolean halfClosed;
  private boolean finished;

  PipelineCall(
      BiFunction<Operation, Deadline, CompletableFuture<OperationResult>> executor,
      ServerCallStreamObserver<PipelineResponse> responses,
      int maxInFlight,
      Function<Throwable, OperationResult> errorResult) {
    this.executor = executor;
    this.responses = responses;
    this.errorResult = errorResult;
    this.deadline = Context.current().getDeadline();
    responses.disableAutoRequest();
    responses.setOnCancelHandler(
        () -> {
          synchronized (lock) {
            finished = true;
          }
        });
    responses.setOnReadyHandler(
        () -> {
          synchronized (lock) {
            requestWhileReady();
          }
        });
    synchronized (lock) {
      unrequested = maxInFlight;
      requestWhileReady();
    }
  }

  @Override
  public void onNext(PipelineRequest request) {
    synchronized (lock) {
      inFlight++;
    }
    executor
        .apply(request.getOperation(), deadline)
        .whenComplete(
            (result, error) -> {
              PipelineResponse response =
                  PipelineResponse.newBuilder()
                      .setId(request.getId())
                      .setResult(error == null ? result : errorResult.apply(error))
                      .build();
              synchronized (lock) {
                inFlight--;
                if (finished) {
                  return;
                }
                responses.onNext(response);
                unrequested++;
                requestWhileReady();
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

  /**
   * Asks for the requests there is room for, if the client is reading its responses; else onReady
   * asks. Holds the lock.
   */
  private void requestWhileReady() {
    if (unrequested > 0 && !finished && responses.isReady()) {
      responses.request(unrequested);
      unrequested = 0;
    }
  }

  private void completeIfDone() {
    if (halfClosed && inFlight == 0 && !finished) {
      finished = true;
      responses.onCompleted();
    }
  }
}
