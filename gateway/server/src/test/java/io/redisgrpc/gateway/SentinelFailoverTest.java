package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.testkit.RedisProcess;
import io.redisgrpc.testkit.RedisSentinelHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sentinel group (1 master, 1 replica, 3 sentinels): the master is stopped while a client
 * writes. Meanwhile the gateway answers UNAVAILABLE promptly (no hangs), and it serves writes
 * again on the promoted replica within {@link #RECOVERY_BOUND}.
 */
class SentinelFailoverTest {
  /** Sentinel needs down-after (1 s) + election + promotion; Lettuce then follows +switch-master. */
  static final Duration RECOVERY_BOUND = Duration.ofSeconds(20);
  static final long CALL_DEADLINE_MS = 1_000;

  @TempDir static Path dir;
  static RedisSentinelHarness sentinel;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    sentinel = RedisSentinelHarness.start(dir, 1, 3, 2, List.of());
    gateway = TestGateway.start("--redis-mode=sentinel", "--redis-nodes=" + sentinel.sentinelList(), "--sentinel-master=" + RedisSentinelHarness.MASTER_NAME);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    sentinel.close();
  }

  @Test
  void writesFailFastDuringFailoverAndResumeOnTheNewMaster() {
    assertThat(gateway.cache().set(SetRequest.newBuilder().setKey(bytes("before")).setValue(bytes("1")).build()).getApplied()).isTrue();
    RedisProcess oldMaster = sentinel.currentMaster();
    oldMaster.stop();
    long stoppedAt = System.nanoTime();

    Map<Status.Code, Integer> failures = new EnumMap<>(Status.Code.class);
    long slowestCallMs = 0;
    long recoveredAt = 0;
    for (int i = 0; recoveredAt == 0; i++) {
      assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt)).as("writes resume within the bound").isLessThan(RECOVERY_BOUND);
      long callStart = System.nanoTime();
      try {
        gateway.cache().withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
            .set(SetRequest.newBuilder().setKey(bytes("during:" + i)).setValue(bytes("v")).build());
        if (!failures.isEmpty()) {
          recoveredAt = System.nanoTime();
        }
      } catch (StatusRuntimeException e) {
        failures.merge(e.getStatus().getCode(), 1, Integer::sum);
      }
      slowestCallMs = Math.max(slowestCallMs, (System.nanoTime() - callStart) / 1_000_000);
    }
    long recoveryMs = (recoveredAt - stoppedAt) / 1_000_000;
    System.out.printf("failover: writes resumed %d ms after the master stopped; failures %s; slowest call %d ms%n",
        recoveryMs, failures, slowestCallMs);
    assertThat(failures).as("the client saw the outage").isNotEmpty();
    assertThat(failures.keySet()).as("only UNAVAILABLE (or a deadline while a node hangs)")
        .isSubsetOf(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);
    assertThat(slowestCallMs).as("no call hangs past its deadline").isLessThan(CALL_DEADLINE_MS + 1_000);
    assertThat(sentinel.currentMaster()).isNotSameAs(oldMaster);
    // Data written before the failover survived on the promoted replica.
    assertThat(gateway.cache().get(GetRequest.newBuilder().setKey(bytes("before")).build()).getFound()).isTrue();
  }
}
