package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.redisgrpc.api.v1.*;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every Cache RPC against a real standalone redis-server. */
@Integration
class CacheApiTest {
  @TempDir static Path dir;
  static RedisProcess redis;
  static TestGateway gateway;
  static CacheGrpc.CacheBlockingStub cache;

  @BeforeAll
  static void start() {
    redis = RedisProcess.server(dir, List.of()).start();
    gateway = TestGateway.start("--redis-nodes=127.0.0.1:" + redis.port());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    redis.stop();
  }

  @BeforeEach
  void flush() {
    RedisNodes.withNode(redis.port(), c -> c.flushall());
    cache = gateway.cache();
  }

  @Test
  void getAndSetAreBinarySafeAndMissesAreInBand() {
    ByteString key = ByteString.copyFrom(new byte[] {0, (byte) 0xff, '\r', '\n', 0});
    ByteString value = ByteString.copyFrom(new byte[] {(byte) 0x80, 0, 1, 2, '\n'});
    assertThat(cache.get(GetRequest.newBuilder().setKey(key).build()).getFound()).isFalse();
    assertThat(cache.set(SetRequest.newBuilder().setKey(key).setValue(value).build()).getApplied())
        .isTrue();
    GetResponse got = cache.get(GetRequest.newBuilder().setKey(key).build());
    assertThat(got.getFound()).isTrue();
    assertThat(got.getValue()).isEqualTo(value);
    // An empty value is a value, not a miss.
    cache.set(SetRequest.newBuilder().setKey(bytes("empty")).build());
    assertThat(cache.get(GetRequest.newBuilder().setKey(bytes("empty")).build()).getFound())
        .isTrue();
  }

  @Test
  void setConditionsAndTtl() {
    ByteString key = bytes("k");
    assertThat(set(key, "a", SetCondition.SET_CONDITION_IF_PRESENT)).isFalse();
    assertThat(set(key, "a", SetCondition.SET_CONDITION_IF_ABSENT)).isTrue();
    assertThat(set(key, "b", SetCondition.SET_CONDITION_IF_ABSENT)).isFalse();
    assertThat(set(key, "b", SetCondition.SET_CONDITION_IF_PRESENT)).isTrue();
    assertThat(
            cache
                .set(
                    SetRequest.newBuilder()
                        .setKey(key)
                        .setValue(bytes("c"))
                        .setCondition(SetCondition.SET_CONDITION_IF_EQUAL)
                        .setExpected(bytes("wrong"))
                        .build())
                .getApplied())
        .isFalse();
    assertThat(
            cache
                .set(
                    SetRequest.newBuilder()
                        .setKey(key)
                        .setValue(bytes("c"))
                        .setCondition(SetCondition.SET_CONDITION_IF_EQUAL)
                        .setExpected(bytes("b"))
                        .setTtlMs(60_000)
                        .build())
                .getApplied())
        .isTrue();
    assertThat(value(key)).isEqualTo("c");
    GetTtlResponse ttl = cache.getTtl(GetTtlRequest.newBuilder().setKey(key).build());
    assertThat(ttl.getFound()).isTrue();
    assertThat(ttl.getExpires()).isTrue();
    assertThat(ttl.getTtlMs()).isBetween(1L, 60_000L);
    // IF_EQUAL never creates a missing key.
    assertThat(
            cache
                .set(
                    SetRequest.newBuilder()
                        .setKey(bytes("absent"))
                        .setValue(bytes("x"))
                        .setCondition(SetCondition.SET_CONDITION_IF_EQUAL)
                        .build())
                .getApplied())
        .isFalse();
    // keep_ttl keeps the expiry on overwrite.
    cache.set(SetRequest.newBuilder().setKey(key).setValue(bytes("d")).setKeepTtl(true).build());
    assertThat(cache.getTtl(GetTtlRequest.newBuilder().setKey(key).build()).getExpires()).isTrue();
  }

  @Test
  void deleteExistsExpirePersistGetTtl() {
    cache.set(SetRequest.newBuilder().setKey(bytes("a")).setValue(bytes("1")).build());
    cache.set(SetRequest.newBuilder().setKey(bytes("b")).setValue(bytes("2")).build());
    assertThat(
            cache
                .exists(
                    ExistsRequest.newBuilder()
                        .addKeys(bytes("a"))
                        .addKeys(bytes("b"))
                        .addKeys(bytes("zz"))
                        .build())
                .getCount())
        .isEqualTo(2);
    assertThat(
            cache
                .expire(ExpireRequest.newBuilder().setKey(bytes("a")).setTtlMs(100_000).build())
                .getApplied())
        .isTrue();
    assertThat(
            cache
                .expire(
                    ExpireRequest.newBuilder().setKey(bytes("missing")).setTtlMs(100_000).build())
                .getApplied())
        .isFalse();
    assertThat(cache.getTtl(GetTtlRequest.newBuilder().setKey(bytes("a")).build()).getExpires())
        .isTrue();
    assertThat(cache.persist(PersistRequest.newBuilder().setKey(bytes("a")).build()).getApplied())
        .isTrue();
    GetTtlResponse persistent = cache.getTtl(GetTtlRequest.newBuilder().setKey(bytes("a")).build());
    assertThat(persistent.getFound()).isTrue();
    assertThat(persistent.getExpires()).isFalse();
    assertThat(cache.getTtl(GetTtlRequest.newBuilder().setKey(bytes("missing")).build()).getFound())
        .isFalse();
    assertThat(
            cache
                .delete(
                    DeleteRequest.newBuilder()
                        .addKeys(bytes("a"))
                        .addKeys(bytes("b"))
                        .addKeys(bytes("zz"))
                        .build())
                .getCount())
        .isEqualTo(2);
    assertThat(cache.exists(ExistsRequest.newBuilder().addKeys(bytes("a")).build()).getCount())
        .isZero();
  }

  @Test
  void incrementIntegerAndFloat() {
    assertThat(
            cache.increment(IncrementRequest.newBuilder().setKey(bytes("n")).build()).getIntValue())
        .isEqualTo(1);
    assertThat(
            cache
                .increment(IncrementRequest.newBuilder().setKey(bytes("n")).setIntDelta(41).build())
                .getIntValue())
        .isEqualTo(42);
    assertThat(
            cache
                .increment(IncrementRequest.newBuilder().setKey(bytes("n")).setIntDelta(-2).build())
                .getIntValue())
        .isEqualTo(40);
    assertThat(
            cache
                .increment(
                    IncrementRequest.newBuilder().setKey(bytes("f")).setFloatDelta(1.5).build())
                .getFloatValue())
        .isEqualTo(1.5);
    assertThat(
            cache
                .increment(
                    IncrementRequest.newBuilder().setKey(bytes("f")).setFloatDelta(0.25).build())
                .getFloatValue())
        .isEqualTo(1.75);
  }

  @Test
  void hashes() {
    ByteString key = bytes("h");
    assertThat(
            cache
                .hashSet(
                    HashSetRequest.newBuilder()
                        .setKey(key)
                        .addFields(
                            FieldValue.newBuilder().setField(bytes("a")).setValue(bytes("1")))
                        .addFields(
                            FieldValue.newBuilder().setField(bytes("b")).setValue(bytes("2")))
                        .build())
                .getCount())
        .isEqualTo(2);
    HashGetResponse got =
        cache.hashGet(
            HashGetRequest.newBuilder()
                .setKey(key)
                .addFields(bytes("a"))
                .addFields(bytes("nope"))
                .addFields(bytes("b"))
                .build());
    assertThat(got.getValuesList())
        .extracting(OptionalValue::getFound)
        .containsExactly(true, false, true);
    assertThat(got.getValues(2).getValue().toStringUtf8()).isEqualTo("2");
    assertThat(cache.hashGetAll(HashGetAllRequest.newBuilder().setKey(key).build()).getFieldsList())
        .extracting(f -> f.getField().toStringUtf8() + "=" + f.getValue().toStringUtf8())
        .containsExactlyInAnyOrder("a=1", "b=2");
    assertThat(
            cache
                .hashIncrement(
                    HashIncrementRequest.newBuilder()
                        .setKey(key)
                        .setField(bytes("a"))
                        .setIntDelta(9)
                        .build())
                .getIntValue())
        .isEqualTo(10);
    assertThat(
            cache
                .hashIncrement(
                    HashIncrementRequest.newBuilder()
                        .setKey(key)
                        .setField(bytes("x"))
                        .setFloatDelta(0.5)
                        .build())
                .getFloatValue())
        .isEqualTo(0.5);
    assertThat(cache.hashLength(HashLengthRequest.newBuilder().setKey(key).build()).getCount())
        .isEqualTo(3);
    assertThat(
            cache
                .hashDelete(
                    HashDeleteRequest.newBuilder()
                        .setKey(key)
                        .addFields(bytes("a"))
                        .addFields(bytes("nope"))
                        .build())
                .getCount())
        .isEqualTo(1);
    assertThat(cache.hashLength(HashLengthRequest.newBuilder().setKey(key).build()).getCount())
        .isEqualTo(2);
  }

  @Test
  void listsAsAQueue() {
    ByteString queue = bytes("{jobs}:ready");
    ByteString processing = bytes("{jobs}:processing");
    assertThat(
            cache
                .listPush(
                    ListPushRequest.newBuilder()
                        .setKey(queue)
                        .setEnd(ListEnd.LIST_END_RIGHT)
                        .addValues(bytes("j1"))
                        .addValues(bytes("j2"))
                        .addValues(bytes("j3"))
                        .build())
                .getCount())
        .isEqualTo(3);
    assertThat(
            cache
                .listPush(
                    ListPushRequest.newBuilder()
                        .setKey(bytes("nolist"))
                        .addValues(bytes("x"))
                        .setOnlyIfExists(true)
                        .build())
                .getCount())
        .isZero();
    assertThat(cache.listLength(ListLengthRequest.newBuilder().setKey(queue).build()).getCount())
        .isEqualTo(3);
    assertThat(
            strings(
                cache
                    .listRange(
                        ListRangeRequest.newBuilder().setKey(queue).setStart(0).setStop(-1).build())
                    .getValuesList()))
        .containsExactly("j1", "j2", "j3");
    // Reliable queue: move the oldest job to a processing list atomically.
    ListMoveResponse moved =
        cache.listMove(
            ListMoveRequest.newBuilder()
                .setSource(queue)
                .setDestination(processing)
                .setFrom(ListEnd.LIST_END_LEFT)
                .setTo(ListEnd.LIST_END_RIGHT)
                .build());
    assertThat(moved.getMoved()).isTrue();
    assertThat(moved.getValue().toStringUtf8()).isEqualTo("j1");
    assertThat(
            cache
                .listRemove(
                    ListRemoveRequest.newBuilder().setKey(processing).setValue(bytes("j1")).build())
                .getCount())
        .isEqualTo(1);
    assertThat(
            strings(
                cache
                    .listPop(
                        ListPopRequest.newBuilder()
                            .setKey(queue)
                            .setEnd(ListEnd.LIST_END_LEFT)
                            .setCount(5)
                            .build())
                    .getValuesList()))
        .containsExactly("j2", "j3");
    assertThat(cache.listPop(ListPopRequest.newBuilder().setKey(queue).build()).getValuesList())
        .isEmpty();
    cache.listPush(
        ListPushRequest.newBuilder()
            .setKey(queue)
            .addValues(bytes("a"))
            .addValues(bytes("b"))
            .addValues(bytes("c"))
            .setEnd(ListEnd.LIST_END_RIGHT)
            .build());
    assertThat(
            cache
                .listTrim(
                    ListTrimRequest.newBuilder().setKey(queue).setStart(1).setStop(-1).build())
                .getApplied())
        .isTrue();
    assertThat(
            strings(
                cache
                    .listRange(ListRangeRequest.newBuilder().setKey(queue).setStop(-1).build())
                    .getValuesList()))
        .containsExactly("b", "c");
  }

  @Test
  void blockingPopWaitsForAPushAndTimesOutEmpty() throws Exception {
    ByteString queue = bytes("blocking");
    CompletableFuture<ValuesResponse> waiting = new CompletableFuture<>();
    gateway
        .cacheAsync()
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .listPop(
            ListPopRequest.newBuilder().setKey(queue).setBlockMs(8_000).build(), observer(waiting));
    // The pop is parked in Redis on its own connection: the shared connection still serves others.
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                RedisNodes.parseInfo(RedisNodes.withNode(redis.port(), c -> c.info("clients")))
                    .get("blocked_clients")
                    .equals("1"));
    assertThat(cache.get(GetRequest.newBuilder().setKey(bytes("other")).build()).getFound())
        .isFalse();
    cache.listPush(ListPushRequest.newBuilder().setKey(queue).addValues(bytes("job")).build());
    assertThat(strings(waiting.get(5, TimeUnit.SECONDS).getValuesList())).containsExactly("job");
    // Nothing arrives: an empty answer after block_ms, not an error.
    assertThat(
            cache
                .listPop(ListPopRequest.newBuilder().setKey(queue).setBlockMs(200).build())
                .getValuesList())
        .isEmpty();
    ListMoveResponse none =
        cache.listMove(
            ListMoveRequest.newBuilder()
                .setSource(queue)
                .setDestination(bytes("x"))
                .setBlockMs(100)
                .build());
    assertThat(none.getMoved()).isFalse();
  }

  @Test
  void sets() {
    ByteString key = bytes("s");
    assertThat(
            cache
                .setAdd(
                    SetAddRequest.newBuilder()
                        .setKey(key)
                        .addMembers(bytes("a"))
                        .addMembers(bytes("b"))
                        .addMembers(bytes("a"))
                        .build())
                .getCount())
        .isEqualTo(2);
    assertThat(
            cache
                .setContains(
                    SetContainsRequest.newBuilder()
                        .setKey(key)
                        .addMembers(bytes("a"))
                        .addMembers(bytes("z"))
                        .build())
                .getContainsList())
        .containsExactly(true, false);
    assertThat(
            strings(
                cache
                    .setMembers(SetMembersRequest.newBuilder().setKey(key).build())
                    .getValuesList()))
        .containsExactlyInAnyOrder("a", "b");
    assertThat(
            cache.setCardinality(SetCardinalityRequest.newBuilder().setKey(key).build()).getCount())
        .isEqualTo(2);
    assertThat(
            cache
                .setRemove(
                    SetRemoveRequest.newBuilder()
                        .setKey(key)
                        .addMembers(bytes("a"))
                        .addMembers(bytes("z"))
                        .build())
                .getCount())
        .isEqualTo(1);
    assertThat(
            cache.setCardinality(SetCardinalityRequest.newBuilder().setKey(key).build()).getCount())
        .isEqualTo(1);
  }

  @Test
  void sortedSetAsALeaderboard() {
    ByteString board = bytes("board");
    cache.sortedSetAdd(
        SortedSetAddRequest.newBuilder()
            .setKey(board)
            .addMembers(ScoredMember.newBuilder().setMember(bytes("ann")).setScore(10))
            .addMembers(ScoredMember.newBuilder().setMember(bytes("bob")).setScore(20))
            .addMembers(ScoredMember.newBuilder().setMember(bytes("cid")).setScore(15))
            .build());
    assertThat(
            cache
                .sortedSetIncrement(
                    SortedSetIncrementRequest.newBuilder()
                        .setKey(board)
                        .setMember(bytes("ann"))
                        .setDelta(30)
                        .build())
                .getScore())
        .isEqualTo(40);
    SortedSetRangeResponse top2 =
        cache.sortedSetRange(
            SortedSetRangeRequest.newBuilder()
                .setKey(board)
                .setByRank(RankRange.newBuilder().setStart(0).setStop(1))
                .setReverse(true)
                .build());
    assertThat(top2.getMembersList())
        .extracting(m -> m.getMember().toStringUtf8() + ":" + (int) m.getScore())
        .containsExactly("ann:40", "bob:20");
    SortedSetRankResponse rank =
        cache.sortedSetRank(
            SortedSetRankRequest.newBuilder()
                .setKey(board)
                .setMember(bytes("cid"))
                .setReverse(true)
                .build());
    assertThat(rank.getFound()).isTrue();
    assertThat(rank.getRank()).isEqualTo(2);
    assertThat(rank.getScore()).isEqualTo(15);
    assertThat(
            cache
                .sortedSetRank(
                    SortedSetRankRequest.newBuilder()
                        .setKey(board)
                        .setMember(bytes("nobody"))
                        .build())
                .getFound())
        .isFalse();
    assertThat(
            cache
                .sortedSetScore(
                    SortedSetScoreRequest.newBuilder()
                        .setKey(board)
                        .setMember(bytes("bob"))
                        .build())
                .getScore())
        .isEqualTo(20);
    SortedSetRangeResponse byScore =
        cache.sortedSetRange(
            SortedSetRangeRequest.newBuilder()
                .setKey(board)
                .setByScore(
                    ScoreRange.newBuilder()
                        .setMin(15)
                        .setMax(Double.POSITIVE_INFINITY)
                        .setMinExclusive(true))
                .setLimit(5)
                .build());
    assertThat(byScore.getMembersList())
        .extracting(m -> m.getMember().toStringUtf8())
        .containsExactly("bob", "ann");
    // GT only raises: a lower score for ann is ignored, a new member is added.
    assertThat(
            cache
                .sortedSetAdd(
                    SortedSetAddRequest.newBuilder()
                        .setKey(board)
                        .setCondition(SortedSetAddCondition.SORTED_SET_ADD_IF_GREATER)
                        .addMembers(ScoredMember.newBuilder().setMember(bytes("ann")).setScore(1))
                        .addMembers(ScoredMember.newBuilder().setMember(bytes("dan")).setScore(5))
                        .build())
                .getCount())
        .isEqualTo(1);
    assertThat(
            cache
                .sortedSetScore(
                    SortedSetScoreRequest.newBuilder()
                        .setKey(board)
                        .setMember(bytes("ann"))
                        .build())
                .getScore())
        .isEqualTo(40);
    assertThat(
            cache
                .sortedSetRemove(
                    SortedSetRemoveRequest.newBuilder()
                        .setKey(board)
                        .addMembers(bytes("dan"))
                        .build())
                .getCount())
        .isEqualTo(1);
    assertThat(
            cache
                .sortedSetCardinality(
                    SortedSetCardinalityRequest.newBuilder().setKey(board).build())
                .getCount())
        .isEqualTo(3);
    assertThat(
            cache
                .sortedSetRange(SortedSetRangeRequest.newBuilder().setKey(board).build())
                .getMembersCount())
        .isEqualTo(3);
  }

  @Test
  void batchAnswersEveryOperationInOrderWithPerOperationErrors() {
    BatchResponse response =
        cache.batch(
            BatchRequest.newBuilder()
                .addOperations(
                    Operation.newBuilder()
                        .setSet(SetRequest.newBuilder().setKey(bytes("x")).setValue(bytes("1"))))
                .addOperations(
                    Operation.newBuilder()
                        .setIncrement(
                            IncrementRequest.newBuilder().setKey(bytes("x")).setIntDelta(2)))
                .addOperations(
                    Operation.newBuilder().setGet(GetRequest.newBuilder().setKey(bytes("x"))))
                .addOperations(Operation.newBuilder().setGet(GetRequest.newBuilder()))
                .addOperations(
                    Operation.newBuilder()
                        .setListPush(
                            ListPushRequest.newBuilder().setKey(bytes("x")).addValues(bytes("v"))))
                .addOperations(
                    Operation.newBuilder()
                        .setListPop(ListPopRequest.newBuilder().setKey(bytes("q")).setBlockMs(10)))
                .addOperations(Operation.getDefaultInstance())
                .build());
    assertThat(response.getResultsCount()).isEqualTo(7);
    assertThat(response.getResults(0).getSet().getApplied()).isTrue();
    assertThat(response.getResults(1).getIncrement().getIntValue()).isEqualTo(3);
    assertThat(response.getResults(2).getGet().getValue().toStringUtf8()).isEqualTo("3");
    assertThat(TestGateway.reasonOf(response.getResults(3).getError())).isEqualTo("KEY_EMPTY");
    assertThat(response.getResults(3).getError().getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(TestGateway.reasonOf(response.getResults(4).getError())).isEqualTo("WRONG_TYPE");
    assertThat(TestGateway.reasonOf(response.getResults(5).getError()))
        .isEqualTo("INVALID_REQUEST");
    assertThat(TestGateway.reasonOf(response.getResults(6).getError()))
        .isEqualTo("INVALID_REQUEST");
  }

  @Test
  void pipelineAnswersEveryIdOnceAndEndsAfterTheLastAnswer() throws Exception {
    int requests = 2_000;
    Map<Long, OperationResult> answers = new ConcurrentHashMap<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<PipelineRequest> out =
        gateway
            .cacheAsync()
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .pipeline(
                new StreamObserver<>() {
                  @Override
                  public void onNext(PipelineResponse response) {
                    assertThat(answers.put(response.getId(), response.getResult()))
                        .as("id %d answered twice", response.getId())
                        .isNull();
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(null);
                  }
                });
    for (long id = 0; id < requests; id++) {
      Operation op =
          id % 2 == 0
              ? Operation.newBuilder()
                  .setSet(SetRequest.newBuilder().setKey(bytes("p" + id)).setValue(bytes("v" + id)))
                  .build()
              : Operation.newBuilder()
                  .setIncrement(IncrementRequest.newBuilder().setKey(bytes("counter")))
                  .build();
      out.onNext(PipelineRequest.newBuilder().setId(id).setOperation(op).build());
    }
    out.onNext(
        PipelineRequest.newBuilder()
            .setId(requests)
            .setOperation(Operation.newBuilder().setGet(GetRequest.getDefaultInstance()))
            .build());
    out.onCompleted();
    done.get(30, TimeUnit.SECONDS);
    assertThat(answers).hasSize(requests + 1);
    assertThat(answers.get(0L).getSet().getApplied()).isTrue();
    assertThat(
            answers.values().stream()
                .filter(OperationResult::hasIncrement)
                .mapToLong(r -> r.getIncrement().getIntValue())
                .max()
                .orElseThrow())
        .isEqualTo(requests / 2);
    assertThat(TestGateway.reasonOf(answers.get((long) requests).getError()))
        .isEqualTo("KEY_EMPTY");
    assertThat(value(bytes("p1998"))).isEqualTo("v1998");
  }

  @Test
  void prometheusEndpointReportsLatencyHistogramsByCodeAndHitsAndMisses() throws Exception {
    cache.set(SetRequest.newBuilder().setKey(bytes("m")).setValue(bytes("v")).build());
    cache.get(GetRequest.newBuilder().setKey(bytes("m")).build());
    cache.get(GetRequest.newBuilder().setKey(bytes("nothing")).build());
    Assertions.catchThrowable(() -> cache.get(GetRequest.getDefaultInstance()));
    HttpResponse<String> scrape =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gateway.server.metricsPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.body())
        .contains("grpc_server_processing_duration_seconds_bucket{method=\"Get\"")
        .contains("statusCode=\"INVALID_ARGUMENT\"")
        .containsPattern("redisgrpc_cache_lookups_total\\{result=\"hit\"} [1-9]")
        .containsPattern("redisgrpc_cache_lookups_total\\{result=\"miss\"} [1-9]")
        .contains("redisgrpc_errors_total{code=\"INVALID_ARGUMENT\",reason=\"KEY_EMPTY\"}")
        .contains("redisgrpc_pubsub_subscribers");
  }

  private boolean set(ByteString key, String value, SetCondition condition) {
    return cache
        .set(
            SetRequest.newBuilder()
                .setKey(key)
                .setValue(bytes(value))
                .setCondition(condition)
                .build())
        .getApplied();
  }

  private String value(ByteString key) {
    return cache.get(GetRequest.newBuilder().setKey(key).build()).getValue().toStringUtf8();
  }

  private static List<String> strings(List<ByteString> values) {
    List<String> strings = new ArrayList<>();
    values.forEach(v -> strings.add(v.toStringUtf8()));
    return strings;
  }

  static <T> StreamObserver<T> observer(CompletableFuture<T> future) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        future.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        future.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    };
  }
}
