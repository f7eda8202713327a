package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.redisgrpc.api.v1.FillLeaseRequest;
import io.redisgrpc.api.v1.GetOrLeaseRequest;
import io.redisgrpc.api.v1.GetOrLeaseResponse;
import io.redisgrpc.api.v1.GetOrLeaseResponse.Outcome;
import io.redisgrpc.api.v1.ReleaseLeaseRequest;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stampede protection with two gateways on one Redis, as two replicas would run. */
@Integration
class GetOrLeaseTest {
  @TempDir static Path dir;
  static RedisProcess redis;
  static TestGateway gatewayA;
  static TestGateway gatewayB;

  @BeforeAll
  static void start() {
    redis = RedisProcess.server(dir, List.of()).start();
    gatewayA = TestGateway.start("--redis-nodes=127.0.0.1:" + redis.port());
    gatewayB = TestGateway.start("--redis-nodes=127.0.0.1:" + redis.port());
  }

  @AfterAll
  static void stop() {
    gatewayA.close();
    gatewayB.close();
    redis.stop();
  }

  @Test
  void exactlyOneConcurrentCallerGetsTheLeaseAndTheOthersGetItsFill() throws Exception {
    List<CompletableFuture<GetOrLeaseResponse>> calls = concurrentCalls("product:42", 40, 0, 0);
    CompletableFuture.anyOf(calls.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    GetOrLeaseResponse lease =
        calls.stream()
            .filter(CompletableFuture::isDone)
            .map(CompletableFuture::join)
            .filter(r -> r.getOutcome() == Outcome.LEASE_GRANTED)
            .findFirst()
            .orElseThrow();
    // The others are still waiting on the gateways, not failing and not leased.
    assertThat(calls.stream().filter(CompletableFuture::isDone).count()).isEqualTo(1);
    assertThat(
            gatewayA
                .cache()
                .fillLease(
                    FillLeaseRequest.newBuilder()
                        .setKey(bytes("product:42"))
                        .setLeaseToken(lease.getLeaseToken())
                        .setValue(bytes("from-db"))
                        .setTtlMs(60_000)
                        .build())
                .getLeaseHeld())
        .isTrue();
    List<GetOrLeaseResponse> answers = join(calls);
    assertThat(answers).filteredOn(r -> r.getOutcome() == Outcome.LEASE_GRANTED).hasSize(1);
    assertThat(answers)
        .filteredOn(r -> r.getOutcome() == Outcome.HIT)
        .hasSize(39)
        .allSatisfy(r -> assertThat(r.getValue().toStringUtf8()).isEqualTo("from-db"));
  }

  @Test
  void anExpiredLeaseGoesToExactlyOneWaiter() throws Exception {
    GetOrLeaseResponse first =
        gatewayA
            .cache()
            .getOrLease(
                GetOrLeaseRequest.newBuilder().setKey(bytes("slow")).setLeaseTtlMs(300).build());
    assertThat(first.getOutcome()).isEqualTo(Outcome.LEASE_GRANTED);
    // The holder never fills: after 300 ms exactly one waiter inherits the lease.
    List<GetOrLeaseResponse> answers = join(concurrentCalls("slow", 10, 10_000, 1_500));
    assertThat(answers).filteredOn(r -> r.getOutcome() == Outcome.LEASE_GRANTED).hasSize(1);
    assertThat(answers).filteredOn(r -> r.getOutcome() == Outcome.WAIT_EXPIRED).hasSize(9);
  }

  @Test
  void releaseHandsTheLeaseOnAndStaleTokensDoNothing() throws Exception {
    GetOrLeaseResponse lease =
        gatewayA.cache().getOrLease(GetOrLeaseRequest.newBuilder().setKey(bytes("r")).build());
    assertThat(lease.getOutcome()).isEqualTo(Outcome.LEASE_GRANTED);
    CompletableFuture<GetOrLeaseResponse> waiter = concurrentCalls("r", 1, 0, 0).get(0);
    assertThat(
            gatewayB
                .cache()
                .releaseLease(
                    ReleaseLeaseRequest.newBuilder()
                        .setKey(bytes("r"))
                        .setLeaseToken(bytes("not-mine"))
                        .build())
                .getApplied())
        .isFalse();
    assertThat(
            gatewayA
                .cache()
                .releaseLease(
                    ReleaseLeaseRequest.newBuilder()
                        .setKey(bytes("r"))
                        .setLeaseToken(lease.getLeaseToken())
                        .build())
                .getApplied())
        .isTrue();
    assertThat(waiter.get(10, TimeUnit.SECONDS).getOutcome()).isEqualTo(Outcome.LEASE_GRANTED);
    // A hit needs no lease at all.
    gatewayA
        .cache()
        .set(SetRequest.newBuilder().setKey(bytes("cached")).setValue(bytes("v")).build());
    assertThat(
            gatewayB
                .cache()
                .getOrLease(GetOrLeaseRequest.newBuilder().setKey(bytes("cached")).build())
                .getOutcome())
        .isEqualTo(Outcome.HIT);
  }

  /** Half the callers on each gateway. */
  private static List<CompletableFuture<GetOrLeaseResponse>> concurrentCalls(
      String key, int count, long leaseTtlMs, long maxWaitMs) {
    List<CompletableFuture<GetOrLeaseResponse>> calls = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      CompletableFuture<GetOrLeaseResponse> call = new CompletableFuture<>();
      (i % 2 == 0 ? gatewayA : gatewayB)
          .cacheAsync()
          .withDeadlineAfter(20, TimeUnit.SECONDS)
          .getOrLease(
              GetOrLeaseRequest.newBuilder()
                  .setKey(bytes(key))
                  .setLeaseTtlMs(leaseTtlMs)
                  .setMaxWaitMs(maxWaitMs)
                  .build(),
              CacheApiTest.observer(call));
      calls.add(call);
    }
    return calls;
  }

  private static List<GetOrLeaseResponse> join(List<CompletableFuture<GetOrLeaseResponse>> calls)
      throws Exception {
    List<GetOrLeaseResponse> answers = new ArrayList<>();
    for (CompletableFuture<GetOrLeaseResponse> call : calls) {
      answers.add(call.get(20, TimeUnit.SECONDS));
    }
    return answers;
  }
}
