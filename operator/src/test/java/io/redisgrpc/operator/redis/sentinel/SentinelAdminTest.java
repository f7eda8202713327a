package io.redisgrpc.operator.redis.sentinel;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.resource.ClientResources;
import io.redisgrpc.operator.redis.sentinel.SentinelMasterDiscovery.Sentinel;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import io.redisgrpc.testkit.RedisSentinelHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real sentinels and data nodes: the operator's upkeep must not disturb the sentinels' links. */
@Integration
class SentinelAdminTest {
  static final ClientResources RESOURCES = ClientResources.create();

  @AfterAll
  static void shutdown() {
    RESOURCES.shutdown();
  }

  @Test
  void credentialsAreGivenOncePerSentinelProcessSoItsLinksStayUp(@TempDir Path dir) {
    try (RedisSentinelHarness group = RedisSentinelHarness.start(dir, 1, 3, 2, List.of())) {
      for (RedisProcess node : group.dataNodes()) {
        RedisNodes.withNode(
            node.port(),
            c ->
                c.aclSetuser(
                    "_sentinel",
                    AclSetuserArgs.Builder.on()
                        .addPassword("pw-1")
                        .allCommands()
                        .allKeys()
                        .allChannels()));
      }
      List<Sentinel> sentinels =
          group.sentinels().stream().map(s -> new Sentinel("127.0.0.1", s.port())).toList();
      RedisProcess master = group.currentMaster();
      try (SentinelAdmin admin = new SentinelAdmin(RESOURCES, Optional.empty())) {
        SentinelAdmin.Result first = admin.round(sentinels, 2, "_sentinel", "pw-1");
        assertThat(first.allCurrent()).as("problems: %s", first.problems()).isTrue();
        assertThat(first.actions()).hasSize(3);
        // The sentinels reconnect to the master with the credentials; then their links must stay.
        Awaitility.await("every sentinel linked to the master as _sentinel")
            .atMost(Duration.ofSeconds(20))
            .until(() -> sentinelLinks(master).size() == 3);
        Set<String> links = sentinelLinks(master);

        for (int round = 0; round < 5; round++) {
          SentinelAdmin.Result again = admin.round(sentinels, 2, "_sentinel", "pw-1");
          assertThat(again.actions())
              .as("round %s with unchanged credentials changes nothing", round)
              .isEmpty();
        }
        assertThat(sentinelLinks(master))
            .as("the sentinels' connections to the master (ids)")
            .isEqualTo(links);

        // A new password is given again.
        for (RedisProcess node : group.dataNodes()) {
          RedisNodes.withNode(
              node.port(),
              c -> c.aclSetuser("_sentinel", AclSetuserArgs.Builder.addPassword("pw-2")));
        }
        SentinelAdmin.Result rotated = admin.round(sentinels, 2, "_sentinel", "pw-2");
        assertThat(rotated.actions())
            .hasSize(3)
            .allMatch(action -> action.contains("logs in as _sentinel"));
      }
    }
  }

  @Test
  void fingerprintNamesTheProcessAndHidesThePassword() {
    String info = "# Server\r\nredis_version:7.0.15\r\nrun_id:abc123\r\ntcp_port:26379\r\n";
    assertThat(SentinelAdmin.runId(info)).isEqualTo("abc123");
    assertThat(SentinelAdmin.runId("# Server\r\n")).isEmpty();
    String fingerprint = SentinelAdmin.credentialsFingerprint("abc123", "_sentinel", "secret");
    assertThat(fingerprint).startsWith("abc123:").doesNotContain("secret");
    assertThat(SentinelAdmin.credentialsFingerprint("def456", "_sentinel", "secret"))
        .isNotEqualTo(fingerprint);
    assertThat(SentinelAdmin.credentialsFingerprint("abc123", "_sentinel", "other"))
        .isNotEqualTo(fingerprint);
  }

  /** Ids of the command connections sentinels hold to {@code node}, logged in as _sentinel. */
  static Set<String> sentinelLinks(RedisProcess node) {
    String clients = RedisNodes.withNode(node.port(), c -> c.clientList());
    Set<String> ids = new TreeSet<>();
    for (String line : clients.split("\n")) {
      if (line.contains("user=_sentinel") && line.matches(".*name=sentinel-\\S+-cmd.*")) {
        ids.add(line.replaceAll(".*\\bid=(\\d+).*", "$1"));
      }
    }
    return ids;
  }
}
