package io.redisgrpc.gateway.service;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.redisgrpc.api.v1.*;
import io.redisgrpc.gateway.errors.ErrorReason;
import io.redisgrpc.gateway.errors.Failures;
import io.redisgrpc.gateway.errors.GatewayException;
import io.redisgrpc.gateway.metrics.GatewayMetrics;
import io.redisgrpc.gateway.security.Permission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@code redisgrpc.v1.Cache} service. Every unary data RPC is wrapped into an {@link Operation}
 * and handed to the {@link OperationExecutor}, exactly like the operations of Batch and Pipeline,
 * so all three paths behave the same. Handlers never block: they run on the transport threads and
 * answer when Redis does.
 */
public final class CacheService extends CacheGrpc.CacheImplBase {
  private final OperationExecutor executor;
  private final LeaseCoordinator leases;
  private final Failures failures;
  private final int maxPipelineInFlight;
  private final ClientConnections clients;

  /**
   * @param clients per-client connections when the gateway runs with a policy, else null: then
   *     every call runs unscoped on the shared connection, as without security
   */
  public CacheService(
      OperationExecutor executor,
      LeaseCoordinator leases,
      GatewayMetrics metrics,
      int maxPipelineInFlight,
      ClientConnections clients) {
    this.executor = executor;
    this.leases = leases;
    this.failures = new Failures(metrics::error);
    this.maxPipelineInFlight = maxPipelineInFlight;
    this.clients = clients;
  }

  /**
   * Runs one operation for the current caller: unscoped without a policy; with one, checked against
   * the client's permissions, moved into its key space and run on its own connection.
   */
  CompletableFuture<OperationResult> run(Operation op, Deadline deadline) {
    if (clients == null) {
      return executor.execute(op, deadline);
    }
    CallerScope caller;
    Operation scoped;
    try {
      caller =
          CallerScope.authorize(
              OperationRules.rpcName(op.getOpCase()), OperationRules.required(op));
      scoped = caller.operation(op, executor.limits());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (!caller.isScoped()) {
      return executor.execute(op, deadline);
    }
    // The executor reads the deadline from the gRPC context: keep it attached even when the
    // client's connection finishes opening on another thread.
    Context context = Context.current();
    return clients
        .executor(caller.client())
        .thenCompose(
            clientExecutor -> {
              Context previous = context.attach();
              try {
                return clientExecutor.execute(scoped, deadline);
              } finally {
                context.detach(previous);
              }
            });
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> responses) {
    unary(Operation.newBuilder().setGet(request).build(), OperationResult::getGet, responses);
  }

  @Override
  public void set(SetRequest request, StreamObserver<SetResponse> responses) {
    unary(Operation.newBuilder().setSet(request).build(), OperationResult::getSet, responses);
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<CountResponse> responses) {
    unary(Operation.newBuilder().setDelete(request).build(), OperationResult::getDelete, responses);
  }

  @Override
  public void exists(ExistsRequest request, StreamObserver<CountResponse> responses) {
    unary(Operation.newBuilder().setExists(request).build(), OperationResult::getExists, responses);
  }

  @Override
  public void expire(ExpireRequest request, StreamObserver<AppliedResponse> responses) {
    unary(Operation.newBuilder().setExpire(request).build(), OperationResult::getExpire, responses);
  }

  @Override
  public void persist(PersistRequest request, StreamObserver<AppliedResponse> responses) {
    unary(
        Operation.newBuilder().setPersist(request).build(), OperationResult::getPersist, responses);
  }

  @Override
  public void getTtl(GetTtlRequest request, StreamObserver<GetTtlResponse> responses) {
    unary(Operation.newBuilder().setGetTtl(request).build(), OperationResult::getGetTtl, responses);
  }

  @Override
  public void increment(IncrementRequest request, StreamObserver<IncrementResponse> responses) {
    unary(
        Operation.newBuilder().setIncrement(request).build(),
        OperationResult::getIncrement,
        responses);
  }

  @Override
  public void hashSet(HashSetRequest request, StreamObserver<CountResponse> responses) {
    unary(
        Operation.newBuilder().setHashSet(request).build(), OperationResult::getHashSet, responses);
  }

  @Override
  public void hashGet(HashGetRequest request, StreamObserver<HashGetResponse> responses) {
    unary(
        Operation.newBuilder().setHashGet(request).build(), OperationResult::getHashGet, responses);
  }

  @Override
  public void hashGetAll(HashGetAllRequest request, StreamObserver<HashGetAllResponse> responses) {
    unary(
        Operation.newBuilder().setHashGetAll(request).build(),
        OperationResult::getHashGetAll,
        responses);
  }

  @Override
  public void hashDelete(HashDeleteRequest request, StreamObserver<CountResponse> responses) {
    unary(
        Operation.newBuilder().setHashDelete(request).build(),
        OperationResult::getHashDelete,
        responses);
  }

  @Override
  public void hashIncrement(
      HashIncrementRequest request, StreamObserver<IncrementResponse> responses) {
    unary(
        Operation.newBuilder().setHashIncrement(request).build(),
        OperationResult::getHashIncrement,
        responses);
  }

  @Override
  public void hashLength(HashLengthRequest request, StreamObserver<CountResponse> responses) {
    unary(
        Operation.newBuilder().setHashLength(request).build(),
        OperationResult::getHashLength,
        responses);
  }

  @Override
  public void listPush(ListPushRequest request, StreamObserver<CountResponse> responses) {
    unary(
        Operation.newBuilder().setListPush(request).build(),
        OperationResult::getListPush,
        responses);
  }

  @Override
  public void listPop(ListPopRequest request, StreamObserver<ValuesResponse> responses) {
    unary(
        Operation.newBuilder().setListPop(request).build(), OperationResult::getListPop, responses);
  }

  @Override
  public void listMove(ListMoveRequest request, StreamObserver<ListMoveResponse> responses) {
    unary(
        Operation.newBuilder().setListMove(request).build(),
        OperationResult::getListMove,
        responses);
  }

  @Override
  public void listRange(ListRangeRequest request, StreamObserver<ValuesResponse> responses) {
    unary(
        Operation.newBuilder().setListRange(request).build(),
        OperationResult::getListRange,
        responses);
  }

  @Override
  public void listLength(ListLengthRequest request, StreamObserver<CountResponse> responses) {
    unary(
        Operation.newBuilder().setListLength(request).build(),
        OperationResult::getListLength,
        responses);
  }

  @Override
  public void listTrim(ListTrimRequest request, StreamObserver<AppliedResponse> responses) {
    unary(
        Operation.newBuilder().setListTrim(request).build(),
        OperationResult::getListTrim,
        responses);
  }

  @Override
  public void listRemove(ListRemoveRequest request, StreamObserver<CountResponse> responses) {
    unary(
        Operation.newBuilder().setListRemove(request).build(),
        OperationResult::getListRemove,
        responses);
  }

  @Override
  public void setAdd(SetAddRequest request, StreamObserver<CountResponse> responses) {
    unary(Operation.newBuilder().setSetAdd(request).build(), OperationResult::getSetAdd, responses);
  }

  @Override
  public void setRemove(SetRemoveRequest request, StreamObserver<CountResponse> responses) {
    unary(
        Operation.newBuilder().setSetRemove(request).build(),
        OperationResult::getSetRemove,
        responses);
  }

  @Override
  public void setMembers(SetMembersRequest request, StreamObserver<ValuesResponse> responses) {
    unary(
        Operation.newBuilder().setSetMembers(request).build(),
        OperationResult::getSetMembers,
        responses);
  }

  @Override
  public void setContains(
      SetContainsRequest request, StreamObserver<SetContainsResponse> responses) {
    unary(
        Operation.newBuilder().setSetContains(request).build(),
        OperationResult::getSetContains,
        responses);
  }

  @Override
  public void setCardinality(
      SetCardinalityRequest request, StreamObserver<CountResponse> responses) {
    unary(
        Operation.newBuilder().setSetCardinality(request).build(),
        OperationResult::getSetCardinality,
        responses);
  }

  @Override
  public void sortedSetAdd(SortedSetAddRequest request, StreamObserver<CountResponse> responses) {
    unary(
        Operation.newBuilder().setSortedSetAdd(request).build(),
        OperationResult::getSortedSetAdd,
        responses);
  }

  @Override
  public void sortedSetIncrement(
      SortedSetIncrementRequest request, StreamObserver<SortedSetScoreResponse> responses) {
    unary(
        Operation.newBuilder().setSortedSetIncrement(request).build(),
        OperationResult::getSortedSetIncrement,
        responses);
  }

  @Override
  public void sortedSetScore(
      SortedSetScoreRequest request, StreamObserver<SortedSetScoreResponse> responses) {
    unary(
        Operation.newBuilder().setSortedSetScore(request).build(),
        OperationResult::getSortedSetScore,
        responses);
  }

  @Override
  public void sortedSetRank(
      SortedSetRankRequest request, StreamObserver<SortedSetRankResponse> responses) {
    unary(
        Operation.newBuilder().setSortedSetRank(request).build(),
        OperationResult::getSortedSetRank,
        responses);
  }

  @Override
  public void sortedSetRange(
      SortedSetRangeRequest request, StreamObserver<SortedSetRangeResponse> responses) {
    unary(
        Operation.newBuilder().setSortedSetRange(request).build(),
        OperationResult::getSortedSetRange,
        responses);
  }

  @Override
  public void sortedSetRemove(
      SortedSetRemoveRequest request, StreamObserver<CountResponse> responses) {
    unary(
        Operation.newBuilder().setSortedSetRemove(request).build(),
        OperationResult::getSortedSetRemove,
        responses);
  }

  @Override
  public void sortedSetCardinality(
      SortedSetCardinalityRequest request, StreamObserver<CountResponse> responses) {
    unary(
        Operation.newBuilder().setSortedSetCardinality(request).build(),
        OperationResult::getSortedSetCardinality,
        responses);
  }

  private <T> void unary(
      Operation op, Function<OperationResult, T> answer, StreamObserver<T> responses) {
    respond(run(op, Context.current().getDeadline()).thenApply(answer), responses);
  }

  /**
   * Sends the future's value, or its failure as a mapped status; cancels the work if the call ends
   * first.
   */
  <T> void respond(CompletableFuture<T> future, StreamObserver<T> responses) {
    ((ServerCallStreamObserver<T>) responses).setOnCancelHandler(() -> future.cancel(false));
    future.whenComplete(
        (value, error) -> {
          if (error != null) {
            responses.onError(failure(error));
          } else {
            responses.onNext(value);
            responses.onCompleted();
          }
        });
  }

  private StatusRuntimeException failure(Throwable error) {
    return failures.exception(error);
  }

  private OperationResult errorResult(Throwable error) {
    return OperationResult.newBuilder().setError(failures.status(error)).build();
  }

  // ------------------------------------------------------------------ Batch

  @Override
  public void batch(BatchRequest request, StreamObserver<BatchResponse> responses) {
    CompletableFuture<BatchResponse> response;
    try {
      executor.limits().batch(request.getOperationsCount());
      Deadline deadline = Context.current().getDeadline();
      // All commands are issued before any reply is awaited: one pipeline to Redis.
      List<CompletableFuture<OperationResult>> results =
          new ArrayList<>(request.getOperationsCount());
      for (Operation op : request.getOperationsList()) {
        results.add(
            OperationRules.isBlocking(op)
                ? CompletableFuture.failedFuture(
                    GatewayException.invalid(
                        ErrorReason.INVALID_REQUEST,
                        "blocking operations (block_ms > 0) are not allowed in Batch; use Pipeline or the unary RPC"))
                : run(op, deadline));
      }
      List<CompletableFuture<OperationResult>> settled =
          results.stream()
              .map(f -> f.handle((result, error) -> error == null ? result : errorResult(error)))
              .toList();
      response =
          CompletableFuture.allOf(settled.toArray(CompletableFuture[]::new))
              .thenApply(
                  done ->
                      BatchResponse.newBuilder()
                          .addAllResults(settled.stream().map(CompletableFuture::join).toList())
                          .build());
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    respond(response, responses);
  }

  // ------------------------------------------------------------------ Pipeline

  @Override
  public StreamObserver<PipelineRequest> pipeline(StreamObserver<PipelineResponse> responses) {
    return new PipelineCall(
        this::run,
        (ServerCallStreamObserver<PipelineResponse>) responses,
        maxPipelineInFlight,
        this::errorResult);
  }

  // ------------------------------------------------------------------ GetOrLease

  @Override
  public void getOrLease(GetOrLeaseRequest request, StreamObserver<GetOrLeaseResponse> responses) {
    respond(
        guard(
            () -> {
              ByteString key =
                  CallerScope.authorize("GetOrLease", EnumSet.of(Permission.READ, Permission.WRITE))
                      .key(request.getKey(), executor.limits());
              return leases.getOrLease(
                  request.toBuilder().setKey(key).build(), Context.current().getDeadline());
            }),
        responses);
  }

  @Override
  public void fillLease(FillLeaseRequest request, StreamObserver<FillLeaseResponse> responses) {
    respond(
        guard(
            () -> {
              ByteString key =
                  CallerScope.authorize("FillLease", EnumSet.of(Permission.WRITE))
                      .key(request.getKey(), executor.limits());
              return leases.fill(request.toBuilder().setKey(key).build());
            }),
        responses);
  }

  @Override
  public void releaseLease(ReleaseLeaseRequest request, StreamObserver<AppliedResponse> responses) {
    respond(
        guard(
            () -> {
              ByteString key =
                  CallerScope.authorize("ReleaseLease", EnumSet.of(Permission.WRITE))
                      .key(request.getKey(), executor.limits());
              return leases.release(request.toBuilder().setKey(key).build());
            }),
        responses);
  }

  private static <T> CompletableFuture<T> guard(Supplier<CompletableFuture<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
