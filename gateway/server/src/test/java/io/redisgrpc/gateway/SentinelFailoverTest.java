package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.redisgrpc.api.v1.GetRequest;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import io.redisgrpc.testkit.RedisSentinelHarness;
import io.redisgrpc.testkit.RoundRobinProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sentinel group (1 master, 1 replica, 3 sentinels): the master is stopped while a client writes.
 * Meanwhile the gateway answers UNAVAILABLE promptly (no hangs), and it serves writes again on the
 * promoted replica within {@link #RECOVERY_BOUND}: whether it had been connected for a while or had
 * connected the moment before (a gateway pod starting as the master's pod is deleted, as in an e2e
 * run where one of two gateways never followed the failover).
 */
@Integration
class SentinelFailoverTest {
  private static final Logger LOG = LoggerFactory.getLogger(SentinelFailoverTest.class);

  /**
   * Sentinel needs down-after (1 s) + election + promotion; the gateway then reconnects to the
   * master it names.
   */
  static final Duration RECOVERY_BOUND = Duration.ofSeconds(20);

  static final long CALL_DEADLINE_MS = 1_000;

  RedisSentinelHarness sentinel;
  TestGateway gateway;
  RoundRobinProxy service;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (service != null) {
      service.close();
    }
    if (sentinel != null) {
      sentinel.close();
    }
  }

  @Test
  void writesFailFastDuringFailoverAndResumeOnTheNewMaster(@TempDir Path dir) {
    sentinel = RedisSentinelHarness.start(dir, 1, 3, 2, List.of());
    gateway = gateway(sentinel);
    writeBefore();
    RedisProcess oldMaster = sentinel.currentMaster();
    oldMaster.stop();
    assertFailoverFollowed(oldMaster);
  }

  /**
   * In Kubernetes the gateway knows the sentinels by one Service address, so each connection it
   * opens (the subscription to sentinel events, each master lookup) may reach another sentinel, and
   * sentinels learn a failover one after the other. A gateway that acted only on events could look
   * the master up at a sentinel that had not learnt it yet and keep the old one.
   */
  @Test
  void behindOneServiceAddressTheGatewayFollowsTheFailoverWhicheverSentinelItAsks(
      @TempDir Path dir) {
    sentinel = RedisSentinelHarness.start(dir, 1, 3, 2, List.of());
    service = RoundRobinProxy.start(sentinel.sentinels().stream().map(RedisProcess::port).toList());
    gateway = gatewayBehind(service);
    writeBefore();
    RedisProcess oldMaster = sentinel.currentMaster();
    oldMaster.stop();
    assertFailoverFollowed(oldMaster);
  }

  /**
   * A master demoted while it keeps running (SENTINEL FAILOVER, as a pod does at start when the
   * sentinels still name it) is not written to again: Sentinel closes the clients of an instance it
   * reconfigures, and the gateway's reconnect asks the sentinels for the new master.
   */
  @Test
  void aMasterDemotedWhileAliveIsLeftForTheNewOne(@TempDir Path dir) {
    sentinel = RedisSentinelHarness.start(dir, 1, 3, 2, List.of());
    gateway = gateway(sentinel);
    writeBefore();
    RedisProcess oldMaster = sentinel.currentMaster();
    RedisNodes.withSentinel(
        sentinel.sentinels().get(0).port(), s -> s.failover(RedisSentinelHarness.MASTER_NAME));

    Map<Status.Code, Integer> failures =
        awaitAWriteLandsOn(
            "a write through the gateway lands on the promoted master",
            () -> Optional.of(sentinel.currentMaster()).filter(master -> master != oldMaster));
    assertThat((Object) RedisNodes.withNode(oldMaster.port(), redis -> redis.role().get(0)))
        .as("the old master was demoted")
        .isEqualTo("slave");
    assertThat(failures.keySet())
        .as("while the roles change calls fail as UNAVAILABLE at most: %s", failures)
        .isSubsetOf(Status.Code.UNAVAILABLE);
  }

  /**
   * Every pod restarted at once: while no sentinel answers, Lettuce reconnects to the address it
   * had, and the old master may be back as a replica there. The gateway must not stay on it (it
   * did, refusing every write with READONLY for minutes, though the sentinels named the new master
   * again seconds later): once a sentinel answers, writes land on the master it names.
   */
  @Test
  void whileNoSentinelAnswersTheGatewayDoesNotStayOnADemotedMaster(@TempDir Path dir) {
    sentinel = RedisSentinelHarness.start(dir, 1, 3, 2, List.of());
    service = RoundRobinProxy.start(sentinel.sentinels().stream().map(RedisProcess::port).toList());
    gateway = gatewayBehind(service);
    writeBefore();
    RedisProcess oldMaster = sentinel.currentMaster();

    // The sentinels' Service refuses connections; the sentinels themselves fail the master over,
    // and Sentinel closes the old master's clients when it demotes it, so the gateway reconnects.
    service.refuse(true);
    RedisNodes.withSentinel(
        sentinel.sentinels().get(0).port(), s -> s.failover(RedisSentinelHarness.MASTER_NAME));
    Awaitility.await("the old master demoted, the sentinels naming the promoted replica")
        .atMost(RECOVERY_BOUND)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                sentinel.currentMaster() != oldMaster
                    && "slave"
                        .equals(
                            RedisNodes.withNode(oldMaster.port(), redis -> redis.role().get(0))));
    Awaitility.await("the gateway, unable to ask a sentinel, reconnected to the demoted master")
        .atMost(RECOVERY_BOUND)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              try {
                gateway
                    .cache()
                    .withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .set(SetRequest.newBuilder().setKey(bytes("x")).setValue(bytes("v")).build());
                return false;
              } catch (StatusRuntimeException e) {
                return String.valueOf(e.getStatus().getDescription()).contains("READONLY");
              }
            });

    service.refuse(false);
    RedisProcess newMaster = sentinel.currentMaster();
    Map<Status.Code, Integer> failures =
        awaitAWriteLandsOn(
            "once a sentinel answers, a write lands on the master it names",
            () -> Optional.of(newMaster));
    assertThat(failures.keySet())
        .as("until then calls fail as UNAVAILABLE at most: %s", failures)
        .isSubsetOf(Status.Code.UNAVAILABLE);
  }

  void writeBefore() {
    assertThat(
            gateway
                .cache()
                .set(SetRequest.newBuilder().setKey(bytes("before")).setValue(bytes("1")).build())
                .getApplied())
        .isTrue();
  }

  /** The gateway as in Kubernetes: the sentinels behind one Service address. */
  static TestGateway gatewayBehind(RoundRobinProxy service) {
    return TestGateway.start(
        "--redis-mode=sentinel",
        "--redis-nodes=127.0.0.1:" + service.port(),
        "--sentinel-master=" + RedisSentinelHarness.MASTER_NAME);
  }

  /**
   * Writes through the gateway until one is read back from {@code master} (empty: no master to
   * check yet, keep trying), within {@link #RECOVERY_BOUND}; returns the failed calls by code.
   */
  Map<Status.Code, Integer> awaitAWriteLandsOn(
      String alias, Supplier<Optional<RedisProcess>> master) {
    Map<Status.Code, Integer> failures = new EnumMap<>(Status.Code.class);
    int[] attempt = {0};
    Awaitility.await(alias)
        .atMost(RECOVERY_BOUND)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              Optional<RedisProcess> target = master.get();
              if (target.isEmpty()) {
                return false;
              }
              String key = "after:" + attempt[0]++;
              try {
                gateway
                    .cache()
                    .withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .set(SetRequest.newBuilder().setKey(bytes(key)).setValue(bytes("v")).build());
              } catch (StatusRuntimeException e) {
                failures.merge(e.getStatus().getCode(), 1, Integer::sum);
                return false;
              }
              return "v".equals(RedisNodes.withNode(target.get().port(), redis -> redis.get(key)));
            });
    return failures;
  }

  static TestGateway gateway(RedisSentinelHarness sentinel) {
    return TestGateway.start(
        "--redis-mode=sentinel",
        "--redis-nodes=" + sentinel.sentinelList(),
        "--sentinel-master=" + RedisSentinelHarness.MASTER_NAME);
  }

  void assertFailoverFollowed(RedisProcess oldMaster) {
    long stoppedAt = System.nanoTime();

    Map<Status.Code, Integer> failures = new EnumMap<>(Status.Code.class);
    long slowestCallMs = 0;
    long recoveredAt = 0;
    for (int i = 0; recoveredAt == 0; i++) {
      assertThat(Duration.ofNanos(System.nanoTime() - stoppedAt))
          .as("writes resume within the bound")
          .isLessThan(RECOVERY_BOUND);
      long callStart = System.nanoTime();
      try {
        gateway
            .cache()
            .withDeadlineAfter(CALL_DEADLINE_MS, TimeUnit.MILLISECONDS)
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
    LOG.info(
        "failover: writes resumed {} ms after the master stopped; failures {}; slowest call {} ms",
        recoveryMs,
        failures,
        slowestCallMs);
    assertThat(failures).as("the client saw the outage").isNotEmpty();
    assertThat(failures.keySet())
        .as("only UNAVAILABLE (or a deadline while a node hangs)")
        .isSubsetOf(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);
    assertThat(slowestCallMs)
        .as("no call hangs past its deadline")
        .isLessThan(CALL_DEADLINE_MS + 1_000);
    // The gateway may have found the new master at a sentinel that learnt it before the one
    // currentMaster() asks: wait for that one too.
    Awaitility.await("the sentinels name the promoted master")
        .atMost(Duration.ofSeconds(10))
        .until(() -> sentinel.currentMaster() != oldMaster);
    // Data written before the failover survived on the promoted replica.
    assertThat(
            gateway.cache().get(GetRequest.newBuilder().setKey(bytes("before")).build()).getFound())
        .isTrue();
  }
}
