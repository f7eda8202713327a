package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.assertFails;
import static io.redisgrpc.gateway.TestGateway.assertFailsWithCode;
import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.KillArgs;
import io.lettuce.core.protocol.CommandType;
import io.redisgrpc.api.v1.*;
import io.redisgrpc.api.v1.ExpireRequest;
import io.redisgrpc.api.v1.GetOrLeaseRequest;
import io.redisgrpc.gateway.service.RequestLimits;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each gRPC error code the gateway promises, provoked for real. */
@Integration
class ErrorCodesTest {
  @TempDir static Path dir;
  static RedisProcess redis;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    redis = RedisProcess.server(dir, List.of()).start();
    gateway =
        TestGateway.start(
            "--redis-nodes=127.0.0.1:" + redis.port(),
            "--max-key-bytes=64",
            "--max-value-bytes=1024",
            "--max-batch-operations=3",
            "--max-elements=4");
  }

  @AfterAll
  static void stop() {
    gateway.close();
    redis.stop();
  }

  @Test
  void invalidArgumentForBadRequests() {
    CacheGrpc.CacheBlockingStub cache = gateway.cache();
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "KEY_EMPTY",
        () -> cache.get(GetRequest.getDefaultInstance()));
    String message =
        assertFails(
            Status.Code.INVALID_ARGUMENT,
            "KEY_TOO_LARGE",
            () ->
                cache.get(
                    GetRequest.newBuilder().setKey(ByteString.copyFrom(new byte[65])).build()));
    assertThat(message).contains("65").contains("64");
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "VALUE_TOO_LARGE",
        () ->
            cache.set(
                SetRequest.newBuilder()
                    .setKey(bytes("k"))
                    .setValue(ByteString.copyFrom(new byte[1025]))
                    .build()));
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "TOO_MANY_OPERATIONS",
        () ->
            cache.batch(
                BatchRequest.newBuilder()
                    .addOperations(Operation.getDefaultInstance())
                    .addOperations(Operation.getDefaultInstance())
                    .addOperations(Operation.getDefaultInstance())
                    .addOperations(Operation.getDefaultInstance())
                    .build()));
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "TOO_MANY_ELEMENTS",
        () ->
            cache.delete(
                DeleteRequest.newBuilder()
                    .addKeys(bytes("a"))
                    .addKeys(bytes("b"))
                    .addKeys(bytes("c"))
                    .addKeys(bytes("d"))
                    .addKeys(bytes("e"))
                    .build()));
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_REQUEST",
        () -> cache.delete(DeleteRequest.getDefaultInstance()));
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_REQUEST",
        () -> cache.expire(ExpireRequest.newBuilder().setKey(bytes("k")).setTtlMs(0).build()));
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_REQUEST",
        () -> cache.set(SetRequest.newBuilder().setKey(bytes("k")).setTtlMs(-1).build()));
    cache.listPush(
        ListPushRequest.newBuilder().setKey(bytes("list")).addValues(bytes("x")).build());
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "WRONG_TYPE",
        () -> cache.get(GetRequest.newBuilder().setKey(bytes("list")).build()));
    cache.set(SetRequest.newBuilder().setKey(bytes("text")).setValue(bytes("abc")).build());
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "NOT_A_NUMBER",
        () -> cache.increment(IncrementRequest.newBuilder().setKey(bytes("text")).build()));
  }

  /** Redis' own overflow replies, provoked for real, say that the result overflowed. */
  /**
   * Durations past what Redis can expire (found by GatewayFuzzTest: they reached callers as
   * UNKNOWN).
   */
  @Test
  void durationsRedisCannotExpireAreInvalidArguments() {
    CacheGrpc.CacheBlockingStub cache = gateway.cache();
    assertThat(
            assertFails(
                Status.Code.INVALID_ARGUMENT,
                "INVALID_REQUEST",
                () ->
                    cache.set(
                        SetRequest.newBuilder()
                            .setKey(bytes("forever"))
                            .setValue(bytes("v"))
                            .setTtlMs(Long.MAX_VALUE)
                            .build())))
        .contains("ttl_ms must be at most");
    assertThat(
            assertFails(
                Status.Code.INVALID_ARGUMENT,
                "INVALID_REQUEST",
                () ->
                    cache.getOrLease(
                        GetOrLeaseRequest.newBuilder()
                            .setKey(bytes("forever"))
                            .setLeaseTtlMs(Long.MAX_VALUE)
                            .build())))
        .contains("lease_ttl_ms must be at most");
    assertThat(
            assertFails(
                Status.Code.INVALID_ARGUMENT,
                "INVALID_REQUEST",
                () ->
                    cache.expire(
                        ExpireRequest.newBuilder()
                            .setKey(bytes("forever"))
                            .setTtlMs(Long.MAX_VALUE / 2)
                            .build())))
        .contains("ttl_ms must be at most");
    // 100 years is still fine.
    assertThat(
            cache
                .set(
                    SetRequest.newBuilder()
                        .setKey(bytes("long"))
                        .setValue(bytes("v"))
                        .setTtlMs(RequestLimits.MAX_DURATION_MS)
                        .build())
                .getApplied())
        .isTrue();
  }

  @Test
  void incrementOverflowSaysItOverflowed() {
    CacheGrpc.CacheBlockingStub cache = gateway.cache();
    cache.set(
        SetRequest.newBuilder()
            .setKey(bytes("max"))
            .setValue(bytes(Long.toString(Long.MAX_VALUE)))
            .build());
    String message =
        assertFails(
            Status.Code.INVALID_ARGUMENT,
            "NUMBER_OVERFLOW",
            () -> cache.increment(IncrementRequest.newBuilder().setKey(bytes("max")).build()));
    assertThat(message).contains("overflow").doesNotContain("not a number");
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "NUMBER_OVERFLOW",
        () ->
            cache.increment(
                IncrementRequest.newBuilder()
                    .setKey(bytes("max"))
                    .setIntDelta(Long.MAX_VALUE)
                    .build()));
    assertThat(cache.get(GetRequest.newBuilder().setKey(bytes("max")).build()).getValue())
        .isEqualTo(bytes(Long.toString(Long.MAX_VALUE)));

    cache.hashSet(
        HashSetRequest.newBuilder()
            .setKey(bytes("h"))
            .addFields(
                FieldValue.newBuilder()
                    .setField(bytes("min"))
                    .setValue(bytes(Long.toString(Long.MIN_VALUE))))
            .build());
    assertThat(
            assertFails(
                Status.Code.INVALID_ARGUMENT,
                "NUMBER_OVERFLOW",
                () ->
                    cache.hashIncrement(
                        HashIncrementRequest.newBuilder()
                            .setKey(bytes("h"))
                            .setField(bytes("min"))
                            .setIntDelta(-1)
                            .build())))
        .contains("overflow");

    // Redis adds floats as long doubles: a finite delta cannot reach infinity from a finite value.
    cache.set(SetRequest.newBuilder().setKey(bytes("huge")).setValue(bytes("inf")).build());
    assertThat(
            assertFails(
                Status.Code.INVALID_ARGUMENT,
                "NUMBER_OVERFLOW",
                () ->
                    cache.increment(
                        IncrementRequest.newBuilder()
                            .setKey(bytes("huge"))
                            .setFloatDelta(1)
                            .build())))
        .contains("infinite");

    // A value that is no number still says so.
    cache.hashSet(
        HashSetRequest.newBuilder()
            .setKey(bytes("h"))
            .addFields(FieldValue.newBuilder().setField(bytes("text")).setValue(bytes("abc")))
            .build());
    assertFails(
        Status.Code.INVALID_ARGUMENT,
        "NOT_A_NUMBER",
        () ->
            cache.hashIncrement(
                HashIncrementRequest.newBuilder()
                    .setKey(bytes("h"))
                    .setField(bytes("text"))
                    .setFloatDelta(0.5)
                    .build()));
  }

  @Test
  void permissionDeniedWhenRedisRefusesTheGatewaysUser() throws Exception {
    RedisNodes.withNode(
        redis.port(),
        c ->
            c.aclSetuser(
                "limited",
                AclSetuserArgs.Builder.on()
                    .addPassword("s3cret")
                    .keyPattern("allowed:*")
                    .addCommand(CommandType.GET)
                    .addCommand(CommandType.SET)
                    .addCommand(CommandType.PING)));
    Path user = Files.writeString(dir.resolve("username"), "limited\n");
    Path password = Files.writeString(dir.resolve("password"), "s3cret\n");
    try (TestGateway limited =
        TestGateway.start(
            "--redis-nodes=127.0.0.1:" + redis.port(),
            "--redis-username-file=" + user,
            "--redis-password-file=" + password)) {
      CacheGrpc.CacheBlockingStub cache = limited.cache();
      assertThat(
              cache
                  .set(
                      SetRequest.newBuilder()
                          .setKey(bytes("allowed:1"))
                          .setValue(bytes("v"))
                          .build())
                  .getApplied())
          .isTrue();
      assertFails(
          Status.Code.PERMISSION_DENIED,
          "REDIS_NOPERM",
          () ->
              cache.set(
                  SetRequest.newBuilder().setKey(bytes("other:1")).setValue(bytes("v")).build()));
      assertFails(
          Status.Code.PERMISSION_DENIED,
          "REDIS_NOPERM",
          () -> cache.delete(DeleteRequest.newBuilder().addKeys(bytes("allowed:1")).build()));
    }
  }

  @Test
  void resourceExhaustedWhenRedisIsFullUnderNoeviction() {
    try (RedisProcess small =
            RedisProcess.server(dir, List.of("maxmemory 3mb", "maxmemory-policy noeviction"))
                .start();
        TestGateway tiny =
            TestGateway.start(
                "--redis-nodes=127.0.0.1:" + small.port(), "--max-value-bytes=200000")) {
      CacheGrpc.CacheBlockingStub cache = tiny.cache();
      ByteString big = ByteString.copyFrom(new byte[100_000]);
      String message =
          assertFails(
              Status.Code.RESOURCE_EXHAUSTED,
              "REDIS_OOM",
              () -> {
                for (int i = 0; i < 1_000; i++) {
                  cache.set(
                      SetRequest.newBuilder().setKey(bytes("fill:" + i)).setValue(big).build());
                }
              });
      assertThat(message).contains("out of memory");
      // Reads still work: the gateway is not broken by a full Redis.
      assertThat(cache.get(GetRequest.newBuilder().setKey(bytes("fill:0")).build()).getFound())
          .isTrue();
    }
  }

  @Test
  void deadlineExceededWhenRedisIsStalledAndTheCallReturnsOnTime() {
    CacheGrpc.CacheBlockingStub cache = gateway.cache();
    RedisNodes.withNode(redis.port(), c -> c.clientPause(1_500));
    long started = System.nanoTime();
    assertFailsWithCode(
        Status.Code.DEADLINE_EXCEEDED,
        () ->
            gateway
                .cache()
                .withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                .get(GetRequest.newBuilder().setKey(bytes("k")).build()));
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(elapsedMs)
        .as("the call ends at its deadline, not when Redis wakes up")
        .isLessThan(1_500);
    // After the pause the gateway serves again.
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        cache
                            .set(
                                SetRequest.newBuilder()
                                    .setKey(bytes("after"))
                                    .setValue(bytes("v"))
                                    .build())
                            .getApplied())
                    .isTrue());
  }

  /**
   * Redis closing the gateway's connection (CLIENT KILL, a restarted proxy, an idle timeout) costs
   * a reconnect of a few milliseconds: calls made meanwhile wait for it (--reconnect-wait-ms); they
   * failed 'UNAVAILABLE: Currently not connected' before (118 of 621 in one run). A call whose
   * command was on the wire when the connection was reset is answered UNAVAILABLE ('Connection
   * reset'): whether Redis ran it is unknown, so it is not repeated; there are at most as many of
   * those per reset as calls in flight.
   */
  @Test
  void aConnectionRedisClosesCostsNoCall() throws Exception {
    CacheGrpc.CacheBlockingStub cache = gateway.cache();
    cache.set(SetRequest.newBuilder().setKey(bytes("steady")).setValue(bytes("v")).build());
    AtomicLong calls = new AtomicLong();
    Map<String, Integer> failures = new ConcurrentHashMap<>();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> callers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread caller =
          new Thread(
              () -> {
                while (running.get()) {
                  try {
                    gateway
                        .cache()
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .get(GetRequest.newBuilder().setKey(bytes("steady")).build());
                  } catch (StatusRuntimeException e) {
                    failures.merge(
                        e.getStatus().getCode() + ": " + e.getStatus().getDescription(),
                        1,
                        Integer::sum);
                  }
                  calls.incrementAndGet();
                }
              },
              "caller-" + i);
      caller.start();
      callers.add(caller);
    }
    try {
      long killed = 0;
      for (int round = 0; round < 10; round++) {
        long before = calls.get();
        killed +=
            RedisNodes.withNode(redis.port(), c -> c.clientKill(KillArgs.Builder.typeNormal()));
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() > before + 50);
      }
      assertThat(killed).as("the gateway's connections were closed").isGreaterThanOrEqualTo(10);
    } finally {
      running.set(false);
      for (Thread caller : callers) {
        caller.join(10_000);
      }
    }
    assertThat(failures.keySet())
        .as("calls that failed across 10 closed connections, out of %d: %s", calls.get(), failures)
        .allMatch(
            failure ->
                failure.startsWith("UNAVAILABLE: Redis is unreachable: Connection reset")
                    || failure.startsWith("UNAVAILABLE: Redis is unreachable: Connection closed"));
    assertThat(failures.values().stream().mapToInt(Integer::intValue).sum())
        .as("at most the calls in flight at each reset (4 callers x 10 resets): %s", failures)
        .isLessThanOrEqualTo(4 * 10);
  }

  @Test
  void unavailableWhileRedisIsDownAndHealthFollowsRedis() {
    try (RedisProcess flaky = RedisProcess.server(dir, List.of()).start();
        TestGateway gw = TestGateway.start("--redis-nodes=127.0.0.1:" + flaky.port())) {
      HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(gw.channel);
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  health.check(HealthCheckRequest.getDefaultInstance()).getStatus()
                      == ServingStatus.SERVING);
      flaky.kill();
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertFails(
                      Status.Code.UNAVAILABLE,
                      "REDIS_UNAVAILABLE",
                      () ->
                          gw.cache()
                              .withDeadlineAfter(2, TimeUnit.SECONDS)
                              .get(GetRequest.newBuilder().setKey(bytes("k")).build())));
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  health
                          .check(
                              HealthCheckRequest.newBuilder()
                                  .setService("redisgrpc.v1.Cache")
                                  .build())
                          .getStatus()
                      == ServingStatus.NOT_SERVING);
      flaky.start();
      Awaitility.await()
          .atMost(Duration.ofSeconds(15))
          .until(
              () ->
                  health.check(HealthCheckRequest.getDefaultInstance()).getStatus()
                      == ServingStatus.SERVING);
      assertThat(
              gw.cache()
                  .set(SetRequest.newBuilder().setKey(bytes("k")).setValue(bytes("v")).build())
                  .getApplied())
          .isTrue();
    }
  }
}
