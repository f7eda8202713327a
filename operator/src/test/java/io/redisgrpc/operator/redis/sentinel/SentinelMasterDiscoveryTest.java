package io.redisgrpc.operator.redis.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.resource.ClientResources;
import io.redisgrpc.operator.redis.sentinel.SentinelMasterDiscovery.Answer;
import io.redisgrpc.operator.redis.sentinel.SentinelMasterDiscovery.Sentinel;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisProcess;
import io.redisgrpc.testkit.RedisSentinelHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real sentinels: the operator follows the master they agree on, through a failover. */
@Integration
class SentinelMasterDiscoveryTest {

  @Test
  void followsTheMasterThroughAFailoverAndGivesNoAnswerWithoutAMajority(@TempDir Path dir) {
    ClientResources resources = ClientResources.create();
    try (RedisSentinelHarness group = RedisSentinelHarness.start(dir, 1, 3, 2, List.of());
        SentinelMasterDiscovery discovery = new SentinelMasterDiscovery(resources)) {
      List<Sentinel> sentinels =
          group.sentinels().stream().map(s -> new Sentinel("127.0.0.1", s.port())).toList();
      RedisProcess master = group.currentMaster();
      Answer before = discovery.discover(sentinels, RedisSentinelHarness.MASTER_NAME);
      assertThat(before.master()).contains("127.0.0.1:" + master.port());
      assertThat(before.answered()).isEqualTo(3);

      master.stop();
      Awaitility.await("failover")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  discovery
                      .discover(sentinels, RedisSentinelHarness.MASTER_NAME)
                      .master()
                      .filter(m -> !m.endsWith(":" + master.port()))
                      .isPresent());
      RedisProcess promoted =
          group.dataNodes().stream().filter(n -> n != master).findFirst().orElseThrow();
      assertThat(discovery.discover(sentinels, RedisSentinelHarness.MASTER_NAME).master())
          .contains("127.0.0.1:" + promoted.port());

      // Two of three sentinels gone: one vote is no majority, so no answer rather than a guess.
      group.sentinels().get(0).stop();
      group.sentinels().get(1).stop();
      Answer minority = discovery.discover(sentinels, RedisSentinelHarness.MASTER_NAME);
      assertThat(minority.answered()).isEqualTo(1);
      assertThat(minority.master()).isEmpty();
    } finally {
      resources.shutdown();
    }
  }
}
