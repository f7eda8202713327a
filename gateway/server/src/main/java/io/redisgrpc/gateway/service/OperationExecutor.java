package io.redisgrpc.gateway.service;

import com.google.protobuf.ByteString;
import io.grpc.Deadline;
import io.grpc.Status;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LMPopArgs;
import io.lettuce.core.LMoveArgs;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.ZAddArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.redisgrpc.api.v1.*;
import io.redisgrpc.gateway.errors.ErrorReason;
import io.redisgrpc.gateway.errors.GatewayException;
import io.redisgrpc.gateway.metrics.GatewayMetrics;
import io.redisgrpc.gateway.redis.RedisBackend;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Executes one {@link Operation} against Redis and answers with an {@link OperationResult}.
 *
 * <p>This is the single place where the API meets Redis: the unary RPCs, Batch and Pipeline all
 * come through here, so they validate, execute and fail in exactly the same way. A call never
 * blocks the calling thread; invalid requests fail the returned future with a {@link
 * GatewayException} before any command is sent.
 */
public final class OperationExecutor {
  /** Compare-and-set: SET only if the current value equals ARGV[1]. Single key, so cluster-safe. */
  private static final String SET_IF_EQUAL =
      """
      if redis.call('GET', KEYS[1]) == ARGV[1] then
        if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        elseif ARGV[4] == '1' then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
        else redis.call('SET', KEYS[1], ARGV[2]) end
        return 1
      end
      return 0""";

  private final RedisBackend backend;
  private final RedisClusterAsyncCommands<ByteString, ByteString> redis;
  private final RequestLimits limits;
  private final GatewayMetrics metrics;
  private final long commandTimeoutMs;

  public OperationExecutor(
      RedisBackend backend, RequestLimits limits, GatewayMetrics metrics, long commandTimeoutMs) {
    this.backend = backend;
    this.redis = backend.commands();
    this.limits = limits;
    this.metrics = metrics;
    this.commandTimeoutMs = commandTimeoutMs;
  }

  public RequestLimits limits() {
    return limits;
  }

  /**
   * Executes the operation. Must be called on the gRPC handler's thread (or with the call's context
   * attached) so the deadline reaches the Redis command.
   *
   * @param deadline the caller's deadline or null; bounds blocking commands
   */
  public CompletableFuture<OperationResult> execute(Operation op, Deadline deadline) {
    CompletableFuture<OperationResult> result;
    try {
      result = dispatch(op, deadline);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return result
        .handle(
            (value, error) -> {
              if (error == null) {
                return CompletableFuture.completedFuture(value);
              }
              Throwable cause =
                  error instanceof CompletionException && error.getCause() != null
                      ? error.getCause()
                      : error;
              // Expired while waiting for a reconnect (--reconnect-wait-ms): Redis is unreachable,
              // which
              // the caller should retry, not a deadline of its own that passed.
              if (cause instanceof RedisCommandTimeoutException && !backend.connected()) {
                return CompletableFuture.<OperationResult>failedFuture(
                    new GatewayException(
                        Status.Code.UNAVAILABLE,
                        ErrorReason.REDIS_UNAVAILABLE,
                        "Redis is unreachable: the connection dropped and did not come back in time"
                            + " (--reconnect-wait-ms)"));
              }
              return CompletableFuture.<OperationResult>failedFuture(cause);
            })
        .thenCompose(Function.identity());
  }

  /**
   * The Redis commands of each operation; its other rules (permissions, keys, blocking) are in
   * {@link OperationRules}.
   */
  private CompletableFuture<OperationResult> dispatch(Operation op, Deadline deadline) {
    OperationResult.Builder result = OperationResult.newBuilder();
    return switch (op.getOpCase()) {
      case GET -> get(op.getGet()).thenApply(r -> result.setGet(r).build());
      case SET -> set(op.getSet()).thenApply(r -> result.setSet(r).build());
      case DELETE ->
          count(redis.del(limits.keys(op.getDelete().getKeysList(), "keys")))
              .thenApply(r -> result.setDelete(r).build());
      case EXISTS ->
          count(redis.exists(limits.keys(op.getExists().getKeysList(), "keys")))
              .thenApply(r -> result.setExists(r).build());
      case EXPIRE ->
          applied(
                  redis.pexpire(
                      limits.key(op.getExpire().getKey()),
                      RequestLimits.positiveDuration(op.getExpire().getTtlMs(), "ttl_ms")))
              .thenApply(r -> result.setExpire(r).build());
      case PERSIST ->
          applied(redis.persist(limits.key(op.getPersist().getKey())))
              .thenApply(r -> result.setPersist(r).build());
      case GET_TTL -> getTtl(op.getGetTtl()).thenApply(r -> result.setGetTtl(r).build());
      case INCREMENT -> increment(op.getIncrement()).thenApply(r -> result.setIncrement(r).build());

      case HASH_SET -> hashSet(op.getHashSet()).thenApply(r -> result.setHashSet(r).build());
      case HASH_GET -> hashGet(op.getHashGet()).thenApply(r -> result.setHashGet(r).build());
      case HASH_GET_ALL ->
          hashGetAll(op.getHashGetAll()).thenApply(r -> result.setHashGetAll(r).build());
      case HASH_DELETE ->
          count(
                  redis.hdel(
                      limits.key(op.getHashDelete().getKey()),
                      limits.keys(op.getHashDelete().getFieldsList(), "fields")))
              .thenApply(r -> result.setHashDelete(r).build());
      case HASH_INCREMENT ->
          hashIncrement(op.getHashIncrement()).thenApply(r -> result.setHashIncrement(r).build());
      case HASH_LENGTH ->
          count(redis.hlen(limits.key(op.getHashLength().getKey())))
              .thenApply(r -> result.setHashLength(r).build());

      case LIST_PUSH -> listPush(op.getListPush()).thenApply(r -> result.setListPush(r).build());
      case LIST_POP ->
          listPop(op.getListPop(), deadline).thenApply(r -> result.setListPop(r).build());
      case LIST_MOVE ->
          listMove(op.getListMove(), deadline).thenApply(r -> result.setListMove(r).build());
      case LIST_RANGE ->
          values(
                  redis.lrange(
                      limits.key(op.getListRange().getKey()),
                      op.getListRange().getStart(),
                      op.getListRange().getStop()))
              .thenApply(r -> result.setListRange(r).build());
      case LIST_LENGTH ->
          count(redis.llen(limits.key(op.getListLength().getKey())))
              .thenApply(r -> result.setListLength(r).build());
      case LIST_TRIM ->
          redis
              .ltrim(
                  limits.key(op.getListTrim().getKey()),
                  op.getListTrim().getStart(),
                  op.getListTrim().getStop())
              .toCompletableFuture()
              .thenApply(
                  ok -> result.setListTrim(AppliedResponse.newBuilder().setApplied(true)).build());
      case LIST_REMOVE ->
          count(
                  redis.lrem(
                      limits.key(op.getListRemove().getKey()),
                      op.getListRemove().getCount(),
                      limits.value(op.getListRemove().getValue())))
              .thenApply(r -> result.setListRemove(r).build());

      case SET_ADD ->
          count(
                  redis.sadd(
                      limits.key(op.getSetAdd().getKey()),
                      members(op.getSetAdd().getMembersList())))
              .thenApply(r -> result.setSetAdd(r).build());
      case SET_REMOVE ->
          count(
                  redis.srem(
                      limits.key(op.getSetRemove().getKey()),
                      members(op.getSetRemove().getMembersList())))
              .thenApply(r -> result.setSetRemove(r).build());
      case SET_MEMBERS ->
          redis
              .smembers(limits.key(op.getSetMembers().getKey()))
              .toCompletableFuture()
              .thenApply(
                  set ->
                      result.setSetMembers(ValuesResponse.newBuilder().addAllValues(set)).build());
      case SET_CONTAINS ->
          redis
              .smismember(
                  limits.key(op.getSetContains().getKey()),
                  members(op.getSetContains().getMembersList()))
              .toCompletableFuture()
              .thenApply(
                  flags ->
                      result
                          .setSetContains(SetContainsResponse.newBuilder().addAllContains(flags))
                          .build());
      case SET_CARDINALITY ->
          count(redis.scard(limits.key(op.getSetCardinality().getKey())))
              .thenApply(r -> result.setSetCardinality(r).build());

      case SORTED_SET_ADD ->
          sortedSetAdd(op.getSortedSetAdd()).thenApply(r -> result.setSortedSetAdd(r).build());
      case SORTED_SET_INCREMENT ->
          score(
                  redis.zincrby(
                      limits.key(op.getSortedSetIncrement().getKey()),
                      finite(op.getSortedSetIncrement().getDelta(), "delta"),
                      limits.key(op.getSortedSetIncrement().getMember(), "member")))
              .thenApply(r -> result.setSortedSetIncrement(r).build());
      case SORTED_SET_SCORE ->
          score(
                  redis.zscore(
                      limits.key(op.getSortedSetScore().getKey()),
                      limits.key(op.getSortedSetScore().getMember(), "member")))
              .thenApply(r -> result.setSortedSetScore(r).build());
      case SORTED_SET_RANK ->
          sortedSetRank(op.getSortedSetRank()).thenApply(r -> result.setSortedSetRank(r).build());
      case SORTED_SET_RANGE ->
          sortedSetRange(op.getSortedSetRange())
              .thenApply(r -> result.setSortedSetRange(r).build());
      case SORTED_SET_REMOVE ->
          count(
                  redis.zrem(
                      limits.key(op.getSortedSetRemove().getKey()),
                      members(op.getSortedSetRemove().getMembersList())))
              .thenApply(r -> result.setSortedSetRemove(r).build());
      case SORTED_SET_CARDINALITY ->
          count(redis.zcard(limits.key(op.getSortedSetCardinality().getKey())))
              .thenApply(r -> result.setSortedSetCardinality(r).build());

      case OP_NOT_SET ->
          throw GatewayException.invalid(
              ErrorReason.INVALID_REQUEST, "operation is empty: set exactly one operation field");
    };
  }

  // ------------------------------------------------------------------ strings

  private CompletableFuture<GetResponse> get(GetRequest request) {
    return redis
        .get(limits.key(request.getKey()))
        .toCompletableFuture()
        .thenApply(
            value -> {
              metrics.lookup(value != null);
              return value == null
                  ? GetResponse.getDefaultInstance()
                  : GetResponse.newBuilder().setFound(true).setValue(value).build();
            });
  }

  private CompletableFuture<SetResponse> set(SetRequest request) {
    ByteString key = limits.key(request.getKey());
    ByteString value = limits.value(request.getValue());
    long ttl = RequestLimits.duration(request.getTtlMs(), "ttl_ms");
    if (request.getKeepTtl() && ttl > 0) {
      throw GatewayException.invalid(
          ErrorReason.INVALID_REQUEST, "keep_ttl and ttl_ms cannot both be set");
    }
    if (request.getCondition() == SetCondition.SET_CONDITION_IF_EQUAL) {
      ByteString[] args = {
        limits.value(request.getExpected()),
        value,
        ascii(Long.toString(ttl)),
        ascii(request.getKeepTtl() ? "1" : "0")
      };
      return redis
          .<Long>eval(SET_IF_EQUAL, ScriptOutputType.INTEGER, new ByteString[] {key}, args)
          .toCompletableFuture()
          .thenApply(applied -> SetResponse.newBuilder().setApplied(applied == 1L).build());
    }
    SetArgs args = new SetArgs();
    if (ttl > 0) {
      args.px(ttl);
    }
    if (request.getKeepTtl()) {
      args.keepttl();
    }
    switch (request.getCondition()) {
      case SET_CONDITION_IF_ABSENT -> args.nx();
      case SET_CONDITION_IF_PRESENT -> args.xx();
      case SET_CONDITION_ALWAYS -> {}
      default ->
          throw GatewayException.invalid(
              ErrorReason.INVALID_REQUEST, "unknown condition " + request.getConditionValue());
    }
    return redis
        .set(key, value, args)
        .toCompletableFuture()
        .thenApply(reply -> SetResponse.newBuilder().setApplied("OK".equals(reply)).build());
  }

  private CompletableFuture<GetTtlResponse> getTtl(GetTtlRequest request) {
    return redis
        .pttl(limits.key(request.getKey()))
        .toCompletableFuture()
        .thenApply(
            ttl -> {
              if (ttl == -2) {
                return GetTtlResponse.getDefaultInstance();
              }
              GetTtlResponse.Builder response = GetTtlResponse.newBuilder().setFound(true);
              return ttl >= 0 ? response.setExpires(true).setTtlMs(ttl).build() : response.build();
            });
  }

  private CompletableFuture<IncrementResponse> increment(IncrementRequest request) {
    ByteString key = limits.key(request.getKey());
    return switch (request.getDeltaCase()) {
      case FLOAT_DELTA ->
          redis
              .incrbyfloat(key, finite(request.getFloatDelta(), "float_delta"))
              .toCompletableFuture()
              .thenApply(v -> IncrementResponse.newBuilder().setFloatValue(v).build());
      case INT_DELTA ->
          redis
              .incrby(key, request.getIntDelta())
              .toCompletableFuture()
              .thenApply(v -> IncrementResponse.newBuilder().setIntValue(v).build());
      case DELTA_NOT_SET ->
          redis
              .incr(key)
              .toCompletableFuture()
              .thenApply(v -> IncrementResponse.newBuilder().setIntValue(v).build());
    };
  }

  // ------------------------------------------------------------------ hashes

  private CompletableFuture<CountResponse> hashSet(HashSetRequest request) {
    ByteString key = limits.key(request.getKey());
    limits.elements(request.getFieldsCount(), "fields");
    Map<ByteString, ByteString> fields = new LinkedHashMap<>();
    for (FieldValue field : request.getFieldsList()) {
      fields.put(limits.key(field.getField(), "field"), limits.value(field.getValue()));
    }
    return count(redis.hset(key, fields));
  }

  private CompletableFuture<HashGetResponse> hashGet(HashGetRequest request) {
    return redis
        .hmget(limits.key(request.getKey()), limits.keys(request.getFieldsList(), "fields"))
        .toCompletableFuture()
        .thenApply(
            entries -> {
              HashGetResponse.Builder response = HashGetResponse.newBuilder();
              for (KeyValue<ByteString, ByteString> entry : entries) {
                response.addValues(
                    entry.hasValue()
                        ? OptionalValue.newBuilder()
                            .setFound(true)
                            .setValue(entry.getValue())
                            .build()
                        : OptionalValue.getDefaultInstance());
              }
              return response.build();
            });
  }

  private CompletableFuture<HashGetAllResponse> hashGetAll(HashGetAllRequest request) {
    return redis
        .hgetall(limits.key(request.getKey()))
        .toCompletableFuture()
        .thenApply(
            map -> {
              HashGetAllResponse.Builder response = HashGetAllResponse.newBuilder();
              map.forEach(
                  (field, value) ->
                      response.addFields(FieldValue.newBuilder().setField(field).setValue(value)));
              return response.build();
            });
  }

  private CompletableFuture<IncrementResponse> hashIncrement(HashIncrementRequest request) {
    ByteString key = limits.key(request.getKey());
    ByteString field = limits.key(request.getField(), "field");
    return switch (request.getDeltaCase()) {
      case FLOAT_DELTA ->
          redis
              .hincrbyfloat(key, field, finite(request.getFloatDelta(), "float_delta"))
              .toCompletableFuture()
              .thenApply(v -> IncrementResponse.newBuilder().setFloatValue(v).build());
      case INT_DELTA ->
          redis
              .hincrby(key, field, request.getIntDelta())
              .toCompletableFuture()
              .thenApply(v -> IncrementResponse.newBuilder().setIntValue(v).build());
      case DELTA_NOT_SET ->
          redis
              .hincrby(key, field, 1)
              .toCompletableFuture()
              .thenApply(v -> IncrementResponse.newBuilder().setIntValue(v).build());
    };
  }

  // ------------------------------------------------------------------ lists

  private CompletableFuture<CountResponse> listPush(ListPushRequest request) {
    ByteString key = limits.key(request.getKey());
    ByteString[] values = values(request.getValuesList());
    boolean left = request.getEnd() == ListEnd.LIST_END_LEFT;
    if (request.getOnlyIfExists()) {
      return count(left ? redis.lpushx(key, values) : redis.rpushx(key, values));
    }
    return count(left ? redis.lpush(key, values) : redis.rpush(key, values));
  }

  private CompletableFuture<ValuesResponse> listPop(ListPopRequest request, Deadline deadline) {
    ByteString key = limits.key(request.getKey());
    long count = RequestLimits.nonNegative(request.getCount(), "count");
    count = count == 0 ? 1 : count;
    limits.elements((int) Math.min(count, Integer.MAX_VALUE), "elements to pop");
    boolean left = request.getEnd() == ListEnd.LIST_END_LEFT;
    long blockMs = RequestLimits.duration(request.getBlockMs(), "block_ms");
    if (blockMs == 0) {
      return (left ? redis.lpop(key, count) : redis.rpop(key, count))
          .toCompletableFuture()
          .thenApply(
              list ->
                  ValuesResponse.newBuilder()
                      .addAllValues(list == null ? List.of() : list)
                      .build());
    }
    LMPopArgs args = (left ? LMPopArgs.Builder.left() : LMPopArgs.Builder.right()).count(count);
    return blocking(blockMs, deadline, (commands, seconds) -> commands.blmpop(seconds, args, key))
        .thenApply(
            popped ->
                ValuesResponse.newBuilder()
                    .addAllValues(
                        popped == null || !popped.hasValue() ? List.of() : popped.getValue())
                    .build());
  }

  private CompletableFuture<ListMoveResponse> listMove(ListMoveRequest request, Deadline deadline) {
    ByteString source = limits.key(request.getSource(), "source");
    ByteString destination = limits.key(request.getDestination(), "destination");
    boolean fromLeft = request.getFrom() == ListEnd.LIST_END_LEFT;
    boolean toLeft = request.getTo() == ListEnd.LIST_END_LEFT;
    LMoveArgs args =
        fromLeft
            ? (toLeft ? LMoveArgs.Builder.leftLeft() : LMoveArgs.Builder.leftRight())
            : (toLeft ? LMoveArgs.Builder.rightLeft() : LMoveArgs.Builder.rightRight());
    long blockMs = RequestLimits.duration(request.getBlockMs(), "block_ms");
    CompletableFuture<ByteString> moved =
        blockMs == 0
            ? redis.lmove(source, destination, args).toCompletableFuture()
            : blocking(
                blockMs,
                deadline,
                (commands, seconds) -> commands.blmove(source, destination, args, seconds));
    return moved.thenApply(
        value ->
            value == null
                ? ListMoveResponse.getDefaultInstance()
                : ListMoveResponse.newBuilder().setMoved(true).setValue(value).build());
  }

  /**
   * A blocking command on a dedicated connection; Redis' own timeout is the block time cut to the
   * deadline.
   */
  private <T> CompletableFuture<T> blocking(
      long blockMs, Deadline deadline, BlockingCommand<T> command) {
    long waitMs = blockMs;
    if (deadline != null) {
      long remaining = deadline.timeRemaining(TimeUnit.MILLISECONDS);
      if (remaining <= 0) {
        throw new GatewayException(
            Status.Code.DEADLINE_EXCEEDED,
            ErrorReason.DEADLINE_EXCEEDED,
            "deadline exceeded before the operation started");
      }
      waitMs = Math.min(waitMs, remaining);
    }
    double seconds = Math.max(waitMs, 1) / 1000.0;
    Function<RedisClusterAsyncCommands<ByteString, ByteString>, CompletionStage<T>> action =
        commands -> command.run(commands, seconds);
    return backend
        .withBlockingConnection(action)
        .orTimeout(waitMs + commandTimeoutMs, TimeUnit.MILLISECONDS)
        .exceptionallyCompose(
            error -> {
              Throwable cause = error.getCause() != null ? error.getCause() : error;
              if (cause instanceof NoSuchElementException) {
                return CompletableFuture.failedFuture(
                    new GatewayException(
                        Status.Code.RESOURCE_EXHAUSTED,
                        ErrorReason.BLOCKING_CAPACITY,
                        "too many blocking operations at once; the gateway's limit is reached (--max-blocking-operations)"));
              }
              return CompletableFuture.failedFuture(error);
            });
  }

  @FunctionalInterface
  private interface BlockingCommand<T> {
    CompletionStage<T> run(
        RedisClusterAsyncCommands<ByteString, ByteString> commands, double timeoutSeconds);
  }

  // ------------------------------------------------------------------ sorted sets

  private CompletableFuture<CountResponse> sortedSetAdd(SortedSetAddRequest request) {
    ByteString key = limits.key(request.getKey());
    limits.elements(request.getMembersCount(), "members");
    @SuppressWarnings("unchecked")
    ScoredValue<ByteString>[] members = new ScoredValue[request.getMembersCount()];
    for (int i = 0; i < members.length; i++) {
      ScoredMember member = request.getMembers(i);
      members[i] =
          ScoredValue.just(
              finite(member.getScore(), "score"), limits.key(member.getMember(), "member"));
    }
    ZAddArgs args = new ZAddArgs();
    switch (request.getCondition()) {
      case SORTED_SET_ADD_IF_ABSENT -> args.nx();
      case SORTED_SET_ADD_IF_PRESENT -> args.xx();
      case SORTED_SET_ADD_IF_GREATER -> args.gt();
      case SORTED_SET_ADD_IF_LESS -> args.lt();
      case SORTED_SET_ADD_ALWAYS -> {}
      default ->
          throw GatewayException.invalid(
              ErrorReason.INVALID_REQUEST, "unknown condition " + request.getConditionValue());
    }
    if (request.getCountChanged()) {
      args.ch();
    }
    return count(redis.zadd(key, args, members));
  }

  private CompletableFuture<SortedSetRankResponse> sortedSetRank(SortedSetRankRequest request) {
    ByteString key = limits.key(request.getKey());
    ByteString member = limits.key(request.getMember(), "member");
    // Redis 7.0 has no ZRANK WITHSCORE: both commands go out pipelined.
    CompletableFuture<Long> rank =
        (request.getReverse() ? redis.zrevrank(key, member) : redis.zrank(key, member))
            .toCompletableFuture();
    CompletableFuture<Double> score = redis.zscore(key, member).toCompletableFuture();
    return rank.thenCombine(
        score,
        (r, s) ->
            r == null || s == null
                ? SortedSetRankResponse.getDefaultInstance()
                : SortedSetRankResponse.newBuilder().setFound(true).setRank(r).setScore(s).build());
  }

  private CompletableFuture<SortedSetRangeResponse> sortedSetRange(SortedSetRangeRequest request) {
    ByteString key = limits.key(request.getKey());
    long offset = RequestLimits.nonNegative(request.getOffset(), "offset");
    long limit = RequestLimits.nonNegative(request.getLimit(), "limit");
    CompletionStage<List<ScoredValue<ByteString>>> members;
    if (request.getRangeCase() == SortedSetRangeRequest.RangeCase.BY_SCORE) {
      ScoreRange scores = request.getByScore();
      Range<Double> range =
          Range.from(
              bound(scores.getMin(), scores.getMinExclusive(), "min"),
              bound(scores.getMax(), scores.getMaxExclusive(), "max"));
      Limit page =
          offset == 0 && limit == 0
              ? Limit.unlimited()
              : Limit.create(offset, limit == 0 ? -1 : limit);
      members =
          request.getReverse()
              ? redis.zrevrangebyscoreWithScores(key, range, page)
              : redis.zrangebyscoreWithScores(key, range, page);
    } else {
      if (offset != 0 || limit != 0) {
        throw GatewayException.invalid(
            ErrorReason.INVALID_REQUEST,
            "offset and limit work only with by_score; by_rank takes start and stop");
      }
      RankRange ranks =
          request.hasByRank()
              ? request.getByRank()
              : RankRange.newBuilder().setStart(0).setStop(-1).build();
      members =
          request.getReverse()
              ? redis.zrevrangeWithScores(key, ranks.getStart(), ranks.getStop())
              : redis.zrangeWithScores(key, ranks.getStart(), ranks.getStop());
    }
    return members
        .toCompletableFuture()
        .thenApply(
            list -> {
              SortedSetRangeResponse.Builder response = SortedSetRangeResponse.newBuilder();
              for (ScoredValue<ByteString> member : list) {
                response.addMembers(
                    ScoredMember.newBuilder()
                        .setMember(member.getValue())
                        .setScore(member.getScore()));
              }
              return response.build();
            });
  }

  private static Range.Boundary<Double> bound(double value, boolean exclusive, String what) {
    if (Double.isNaN(value)) {
      throw GatewayException.invalid(
          ErrorReason.INVALID_REQUEST, what + " must be a number, not NaN");
    }
    if (Double.isInfinite(value)) {
      return Range.Boundary.unbounded();
    }
    return exclusive ? Range.Boundary.excluding(value) : Range.Boundary.including(value);
  }

  // ------------------------------------------------------------------ helpers

  private ByteString[] members(List<ByteString> members) {
    return limits.keys(members, "members");
  }

  private ByteString[] values(List<ByteString> values) {
    limits.elements(values.size(), "values");
    List<ByteString> checked = new ArrayList<>(values.size());
    for (ByteString value : values) {
      checked.add(limits.value(value));
    }
    return checked.toArray(ByteString[]::new);
  }

  private static double finite(double value, String what) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      throw GatewayException.invalid(
          ErrorReason.INVALID_REQUEST, what + " must be a finite number, got " + value);
    }
    return value;
  }

  private static ByteString ascii(String text) {
    return ByteString.copyFrom(text, StandardCharsets.US_ASCII);
  }

  private static CompletableFuture<CountResponse> count(CompletionStage<Long> count) {
    return count
        .toCompletableFuture()
        .thenApply(n -> CountResponse.newBuilder().setCount(n == null ? 0 : n).build());
  }

  private static CompletableFuture<AppliedResponse> applied(CompletionStage<Boolean> applied) {
    return applied
        .toCompletableFuture()
        .thenApply(b -> AppliedResponse.newBuilder().setApplied(Boolean.TRUE.equals(b)).build());
  }

  private static CompletableFuture<ValuesResponse> values(
      CompletionStage<List<ByteString>> values) {
    return values
        .toCompletableFuture()
        .thenApply(list -> ValuesResponse.newBuilder().addAllValues(list).build());
  }

  private static CompletableFuture<SortedSetScoreResponse> score(CompletionStage<Double> score) {
    return score
        .toCompletableFuture()
        .thenApply(
            s ->
                s == null
                    ? SortedSetScoreResponse.getDefaultInstance()
                    : SortedSetScoreResponse.newBuilder().setFound(true).setScore(s).build());
  }
}
