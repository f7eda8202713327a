package io.redisgrpc.benchmark;

import io.grpc.Channel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.redisgrpc.api.v1.BatchRequest;
import io.redisgrpc.api.v1.BatchResponse;
import io.redisgrpc.api.v1.CacheGrpc;
import io.redisgrpc.api.v1.GetResponse;
import io.redisgrpc.api.v1.OperationResult;
import io.redisgrpc.api.v1.PipelineRequest;
import io.redisgrpc.api.v1.PipelineResponse;
import io.redisgrpc.api.v1.SetResponse;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.ToIntFunction;

/** The load clients: direct Lettuce and the gateway's unary, Batch and Pipeline APIs. */
final class Clients {
  private Clients() {}

  /** Lettuce's async API on one shared connection: every send is one command. */
  static LoadClient lettuce(RedisAsyncCommands<byte[], byte[]> redis, Keyspace keyspace, Op op) {
    if (op == Op.GET) {
      return (slot, done) ->
          redis
              .get(keyspace.keys[keyspace.randomIndex()])
              .whenComplete((value, error) -> done.done(error != null || value == null ? 1 : 0));
    }
    return (slot, done) ->
        redis
            .set(keyspace.keys[keyspace.randomIndex()], keyspace.value)
            .whenComplete((value, error) -> done.done(error != null ? 1 : 0));
  }

  /** One unary Get/Set RPC per send. */
  static LoadClient unary(Channel channel, Keyspace keyspace, Op op) {
    CacheGrpc.CacheStub stub = CacheGrpc.newStub(channel);
    if (op == Op.GET) {
      return (slot, done) ->
          stub.get(
              keyspace.getRequests[keyspace.randomIndex()],
              new UnaryObserver<GetResponse>(done, response -> response.getFound() ? 0 : 1));
    }
    return (slot, done) ->
        stub.set(
            keyspace.setRequests[keyspace.randomIndex()],
            new UnaryObserver<SetResponse>(done, response -> response.getApplied() ? 0 : 1));
  }

  /** One Batch RPC of {@code batchSize} operations (random keys) per send. */
  static LoadClient batch(Channel channel, Keyspace keyspace, Op op, int batchSize) {
    CacheGrpc.CacheStub stub = CacheGrpc.newStub(channel);
    return new LoadClient() {
      @Override
      public int opsPerSend() {
        return batchSize;
      }

      @Override
      public void send(int slot, Completion done) {
        BatchRequest.Builder request = BatchRequest.newBuilder();
        for (int i = 0; i < batchSize; i++) {
          request.addOperations(keyspace.randomOperation(op));
        }
        stub.batch(
            request.build(),
            new UnaryObserver<BatchResponse>(
                done,
                response -> {
                  int failed = batchSize - response.getResultsCount();
                  for (OperationResult result : response.getResultsList()) {
                    failed += failed(result);
                  }
                  return failed;
                }));
      }
    };
  }

  /** The gRPC health check: a unary round trip through the gateway that never touches Redis. */
  static LoadClient healthCheck(Channel channel) {
    HealthGrpc.HealthStub stub = HealthGrpc.newStub(channel);
    HealthCheckRequest request = HealthCheckRequest.getDefaultInstance();
    return (slot, done) ->
        stub.check(request, new UnaryObserver<HealthCheckResponse>(done, response -> 0));
  }

  /**
   * One bidirectional Pipeline stream per run; each send is one request on it, tagged with its
   * slot.
   */
  static LoadClient pipeline(Channel channel, Keyspace keyspace, Op op) {
    return new PipelineClient(CacheGrpc.newStub(channel), keyspace, op);
  }

  static int failed(OperationResult result) {
    if (result.hasError()) {
      return 1;
    }
    if (result.hasGet()) {
      return result.getGet().getFound() ? 0 : 1;
    }
    if (result.hasSet()) {
      return result.getSet().getApplied() ? 0 : 1;
    }
    return 1;
  }

  private static final class UnaryObserver<T> implements StreamObserver<T> {
    private final LoadClient.Completion done;
    private final ToIntFunction<T> failures;
    private int failed = 1;

    UnaryObserver(LoadClient.Completion done, ToIntFunction<T> failures) {
      this.done = done;
      this.failures = failures;
    }

    @Override
    public void onNext(T value) {
      failed = failures.applyAsInt(value);
    }

    @Override
    public void onError(Throwable error) {
      done.done(Math.max(failed, 1));
    }

    @Override
    public void onCompleted() {
      done.done(failed);
    }
  }

  private static final class PipelineClient implements LoadClient {
    private final CacheGrpc.CacheStub stub;
    private final Keyspace keyspace;
    private final Op op;
    private final Object writeLock = new Object();
    private AtomicReferenceArray<Completion> pending;
    private StreamObserver<PipelineRequest> requests;
    private CountDownLatch ended;
    private volatile boolean broken;

    PipelineClient(CacheGrpc.CacheStub stub, Keyspace keyspace, Op op) {
      this.stub = stub;
      this.keyspace = keyspace;
      this.op = op;
    }

    @Override
    public void open(int slots) {
      pending = new AtomicReferenceArray<>(slots);
      ended = new CountDownLatch(1);
      broken = false;
      requests =
          stub.pipeline(
              new StreamObserver<>() {
                @Override
                public void onNext(PipelineResponse response) {
                  Completion done = pending.getAndSet((int) response.getId(), null);
                  if (done != null) {
                    done.done(failed(response.getResult()));
                  }
                }

                @Override
                public void onError(Throwable error) {
                  broken = true;
                  for (int i = 0; i < pending.length(); i++) {
                    Completion done = pending.getAndSet(i, null);
                    if (done != null) {
                      done.done(1);
                    }
                  }
                  ended.countDown();
                }

                @Override
                public void onCompleted() {
                  ended.countDown();
                }
              });
    }

    @Override
    public void send(int slot, Completion done) {
      if (broken) {
        done.done(1);
        return;
      }
      pending.set(slot, done);
      PipelineRequest request =
          PipelineRequest.newBuilder()
              .setId(slot)
              .setOperation(keyspace.randomOperation(op))
              .build();
      // StreamObserver is not thread-safe; sends come from the driver and from response callbacks.
      synchronized (writeLock) {
        requests.onNext(request);
      }
    }

    @Override
    public void close() {
      synchronized (writeLock) {
        if (!broken) {
          requests.onCompleted();
        }
      }
      try {
        ended.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
