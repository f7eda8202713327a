package io.redisgrpc.operator.redis.acl;

import static io.redisgrpc.operator.redis.acl.AclFixtures.as;
import static io.redisgrpc.operator.redis.acl.AclFixtures.desired;
import static io.redisgrpc.operator.redis.acl.AclFixtures.password;
import static io.redisgrpc.operator.redis.acl.AclNodeAssertions.asUser;
import static io.redisgrpc.operator.redis.acl.AclNodeAssertions.assertDenied;
import static io.redisgrpc.operator.redis.acl.AclNodeAssertions.assertDeniedInScript;
import static io.redisgrpc.operator.redis.acl.AclNodeAssertions.assertNothingDenied;
import static io.redisgrpc.operator.redis.acl.AclNodeAssertions.assertUsersInPlace;
import static io.redisgrpc.operator.redis.acl.AclNodeAssertions.setUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.FlushMode;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisClusterHarness;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACL users applied to real redis-server processes: confinement, idempotence, drift, every cluster
 * node, the ACL file.
 */
@Integration
class AclReconcilerTest {
  static final List<String> ALL_BUT_DEFAULT =
      desired().stream().map(AclUser::name).filter(name -> !name.equals(AclRules.DEFAULT)).toList();

  /** The gateway's lease release, as LeaseCoordinator sends it. */
  static final String DELETE_IF_EQUAL =
      """
      if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
      return 0""";

  @Test
  void freshNodeGetsEveryUserAndDefaultIsDisabledLast(@TempDir Path dir) {
    try (RedisProcess redis = RedisProcess.server(dir, List.of()).start()) {
      // Bootstrap: the only way in is the default user, without a password.
      AclChanges changes =
          RedisNodes.withNode(redis.port(), c -> AclReconciler.reconcile(c, desired()));

      assertThat(changes.created()).as("operator first").containsExactlyElementsOf(ALL_BUT_DEFAULT);
      assertThat(changes.updated()).containsExactly(AclRules.DEFAULT);
      assertThat(changes.deleted()).isEmpty();
      assertUsersInPlace(redis.port(), desired());
      assertThat(RedisNodes.loginReply(redis.port(), "default", "anything"))
          .startsWith("WRONGPASS");

      AclChanges again =
          asUser(redis.port(), AclRules.OPERATOR, c -> AclReconciler.reconcile(c, desired()));
      assertThat(again.isEmpty()).as("second run changes nothing: " + again).isTrue();
      assertThat(
              asUser(redis.port(), AclRules.OPERATOR, c -> AclReconciler.diff(c, desired()))
                  .isEmpty())
          .isTrue();
    }
  }

  @Test
  void clientsAreConfinedToTheirKeysChannelsAndCommands(@TempDir Path dir) {
    try (RedisProcess redis = RedisProcess.server(dir, List.of()).start()) {
      int port = redis.port();
      RedisNodes.withNode(port, c -> AclReconciler.reconcile(c, desired()));

      asUser(
          port,
          "orders",
          c -> {
            assertThat(c.set("orders:1", "v")).isEqualTo("OK");
            assertThat(c.get("orders:1")).isEqualTo("v");
            // GetOrLease: the lease key is the key plus ":\0lease", taken with SET NX PX, freed by
            // a script.
            String lease = "orders:2:\0lease";
            assertThat(c.set(lease, "token", SetArgs.Builder.nx().px(10_000))).isEqualTo("OK");
            assertThat(
                    c.<Long>eval(
                        DELETE_IF_EQUAL, ScriptOutputType.INTEGER, new String[] {lease}, "token"))
                .isEqualTo(1L);
            assertThat(c.publish("orders.created", "m")).isZero();
            assertThat(c.info("server")).contains("redis_version");

            assertDenied(c, "another client's key", r -> r.get("reports:1"));
            assertDenied(
                c,
                "another client's key in a script's KEYS",
                r ->
                    r.eval(
                        DELETE_IF_EQUAL,
                        ScriptOutputType.INTEGER,
                        new String[] {"reports:1"},
                        "t"));
            assertDeniedInScript(
                c,
                "another client's key inside a script",
                r -> r.eval("return redis.call('GET', 'reports:1')", ScriptOutputType.VALUE));
            assertDeniedInScript(
                c,
                "FLUSHALL inside a script",
                r -> r.eval("return redis.call('FLUSHALL')", ScriptOutputType.STATUS));
            assertDenied(c, "another client's channel", r -> r.publish("reports.x", "m"));
            assertDenied(c, "a third client's channel", r -> r.publish("events.x", "m"));
            assertDenied(c, "FLUSHALL", RedisCommands::flushall);
            assertDenied(c, "FLUSHDB", RedisCommands::flushdb);
            assertDenied(c, "KEYS", r -> r.keys("*"));
            assertDenied(c, "SCAN", RedisCommands::scan);
            assertDenied(c, "RANDOMKEY", RedisCommands::randomkey);
            assertDenied(c, "DBSIZE", RedisCommands::dbsize);
            assertDenied(c, "CONFIG GET", r -> r.configGet("maxmemory"));
            assertDenied(c, "CONFIG SET", r -> r.configSet("maxmemory", "1"));
            assertDenied(c, "SWAPDB", r -> r.swapdb(0, 1));
            assertDenied(c, "FUNCTION FLUSH", r -> r.functionFlush(FlushMode.SYNC));
            assertDenied(c, "PUBSUB CHANNELS", RedisCommands::pubsubChannels);
            assertDenied(c, "ACL", RedisCommands::aclList);
            assertDenied(c, "BGSAVE", RedisCommands::bgsave);
            return null;
          });
      asUser(
          port,
          "reports",
          c -> {
            assertThat(c.get("reports:1")).isNull();
            assertDenied(c, "read-only: SET", r -> r.set("reports:1", "v"));
            assertDenied(c, "read-only: EVAL", r -> r.eval("return 1", ScriptOutputType.INTEGER));
            assertDenied(c, "no pubsub permission", r -> r.publish("reports.x", "m"));
            return null;
          });
      asUser(
          port,
          "events",
          c -> {
            assertThat(c.publish("events.x", "m")).isZero();
            assertDenied(c, "pub/sub only: no keys", r -> r.get("events:1"));
            return null;
          });
      asUser(
          port,
          "weird",
          c -> {
            assertThat(c.set("we\\ird:1", "v"))
                .as("a backslash in the prefix is literal")
                .isEqualTo("OK");
            assertDenied(
                c,
                "unescaped, 'we\\ird:*' would have matched 'weird:1'",
                r -> r.set("weird:1", "v"));
            return null;
          });
      asUser(
          port,
          AclRules.GATEWAY,
          c -> {
            assertThat(c.info("server")).contains("redis_version");
            assertThat(c.set("orders:lease", "x"))
                .as("leases and Pub/Sub fan-out run on the shared user")
                .isEqualTo("OK");
            assertDenied(c, "no admin commands for the gateway either", r -> r.flushall());
            return null;
          });
      asUser(
          port,
          AclRules.EXPORTER,
          c -> {
            assertThat(c.info()).contains("used_memory");
            assertDenied(c, "CONFIG GET would reveal masterauth", r -> r.configGet("masterauth"));
            assertDenied(c, "no keys", r -> r.get("orders:1"));
            return null;
          });
    }
  }

  @Test
  void psubscribePatternsMustMatchTheChannelPatternLiterally(@TempDir Path dir) {
    try (RedisProcess redis = RedisProcess.server(dir, List.of()).start()) {
      RedisNodes.withNode(redis.port(), c -> AclReconciler.reconcile(c, desired()));
      RedisClient client = RedisClient.create(as(redis.port(), "orders"));
      try (StatefulRedisPubSubConnection<String, String> pubsub = client.connectPubSub()) {
        pubsub.sync().subscribe("orders.created");
        pubsub.sync().psubscribe("orders.*");
        // Redis compares a PSUBSCRIBE pattern with the user's channel patterns as a string, not
        // as a glob: a narrower pattern inside the prefix is refused.
        assertThatThrownBy(() -> pubsub.sync().psubscribe("orders.new.*"))
            .hasMessageContaining("NOPERM");
        assertThatThrownBy(() -> pubsub.sync().subscribe("reports.x"))
            .hasMessageContaining("NOPERM");
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }

  @Test
  void handMadeDriftIsRepaired(@TempDir Path dir) {
    try (RedisProcess redis = RedisProcess.server(dir, List.of()).start()) {
      int port = redis.port();
      RedisNodes.withNode(port, c -> AclReconciler.reconcile(c, desired()));
      asUser(
          port,
          AclRules.OPERATOR,
          c -> {
            setUser(c, "orders", "+flushall");
            setUser(c, "reports", ">extra-password");
            setUser(c, "weird", "~*");
            setUser(c, "intruder", "on", ">x", "~*", "+@all");
            setUser(c, "default", "on", "nopass", "+@all", "~*");
            c.aclDeluser("events");
            return null;
          });

      AclChanges drift = asUser(port, AclRules.OPERATOR, c -> AclReconciler.diff(c, desired()));
      assertThat(drift)
          .isEqualTo(
              new AclChanges(
                  List.of("events"),
                  List.of("orders", "reports", "weird", AclRules.DEFAULT),
                  List.of("intruder")));
      AclChanges repaired =
          asUser(port, AclRules.OPERATOR, c -> AclReconciler.reconcile(c, desired()));
      assertThat(repaired).as("diff said what reconcile then did").isEqualTo(drift);

      assertUsersInPlace(port, desired());
      asUser(
          port,
          "orders",
          c -> {
            assertDenied(c, "FLUSHALL again", RedisCommands::flushall);
            return null;
          });
      assertThat(RedisNodes.loginReply(port, "reports", "extra-password")).startsWith("WRONGPASS");
      assertThat(
              asUser(port, AclRules.OPERATOR, c -> AclReconciler.reconcile(c, desired())).isEmpty())
          .isTrue();
    }
  }

  @Test
  void rotationAddsAPasswordWithoutDroppingConnections(@TempDir Path dir) {
    try (RedisProcess redis = RedisProcess.server(dir, List.of()).start()) {
      int port = redis.port();
      RedisNodes.withNode(port, c -> AclReconciler.reconcile(c, desired()));
      RedisClient client = RedisClient.create(as(port, "orders"));
      try (var orders = client.connect()) {
        assertThat(orders.sync().set("orders:1", "v")).isEqualTo("OK");
        Map<String, List<String>> both = AclFixtures.hashes();
        both.put(
            "orders",
            List.of(AclUser.hashPassword(password("orders")), AclUser.hashPassword("pw-orders-2")));
        List<AclUser> trusting = AclRules.desired(AclFixtures.CLIENTS, both);

        AclChanges trust =
            asUser(port, AclRules.OPERATOR, c -> AclReconciler.reconcile(c, trusting));
        assertThat(trust.updated()).containsExactly("orders");
        String withNew =
            RedisNodes.withNode(
                RedisURI.builder()
                    .withHost("127.0.0.1")
                    .withPort(port)
                    .withAuthentication("orders", "pw-orders-2")
                    .build(),
                RedisCommands::ping);
        String withOld = asUser(port, "orders", RedisCommands::ping);
        assertThat(withNew).as("new password").isEqualTo("PONG");
        assertThat(withOld).as("old password still").isEqualTo("PONG");
        assertThat(orders.sync().get("orders:1"))
            .as("an open connection survives the change")
            .isEqualTo("v");
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }

  @Test
  void appliedOnEveryNodeOfACluster(@TempDir Path dir) {
    try (RedisClusterHarness cluster = RedisClusterHarness.start(dir, 3, 1, List.of())) {
      List<RedisProcess> nodes = cluster.nodes();
      // Phase 1, on a cluster running without ACLs: the users, and replicas told to log in as the
      // replication user; default stays as it is, because every replication link is still default.
      for (RedisProcess node : nodes) {
        AclChanges changes =
            RedisNodes.withNode(
                node.port(), c -> AclReconciler.reconcileAllButDefault(c, desired()));
        assertThat(changes.created())
            .as("ACLs are per node: every node starts empty")
            .containsExactlyElementsOf(ALL_BUT_DEFAULT);
        assertThat(changes.updated()).isEmpty();
        asUser(
            node.port(),
            AclRules.OPERATOR,
            c ->
                c.configSet(
                    Map.of(
                        "masteruser",
                        AclRules.REPLICATION,
                        "masterauth",
                        password(AclRules.REPLICATION))));
      }
      // Phase 2: every replica reconnects, now as the replication user.
      for (RedisProcess node : nodes) {
        asUser(node.port(), AclRules.OPERATOR, c -> c.clientKill(KillArgs.Builder.typeMaster()));
      }
      await("replicas re-authenticated as " + AclRules.REPLICATION)
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> replicasLinkedAs(nodes, AclRules.REPLICATION));
      // Phase 3: default off everywhere.
      for (RedisProcess node : nodes) {
        AclChanges changes =
            asUser(node.port(), AclRules.OPERATOR, c -> AclReconciler.reconcile(c, desired()));
        assertThat(changes)
            .isEqualTo(new AclChanges(List.of(), List.of(AclRules.DEFAULT), List.of()));
      }
      for (RedisProcess node : nodes) {
        assertUsersInPlace(node.port(), desired());
        AclChanges again =
            asUser(node.port(), AclRules.OPERATOR, c -> AclReconciler.reconcile(c, desired()));
        assertThat(again.isEmpty()).as("second run on :" + node.port() + ": " + again).isTrue();
      }

      // Through a cluster client as a client user: topology discovery and slot routing work.
      RedisClusterClient client =
          RedisClusterClient.create(nodes.stream().map(node -> as(node.port(), "orders")).toList());
      try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
        RedisAdvancedClusterCommands<String, String> orders = connection.sync();
        for (int i = 0; i < 100; i++) {
          orders.set("orders:" + i, "v" + i);
        }
        for (int i = 0; i < 100; i++) {
          assertThat(orders.get("orders:" + i)).isEqualTo("v" + i);
        }
        nodes.forEach(node -> assertNothingDenied(node.port()));
        assertThatThrownBy(() -> orders.get("reports:1")).hasMessageContaining("NOPERM");
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }

  @Test
  void aRestartedNodeComesBackWithItsUsersFromTheAclFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("users.acl");
    Files.writeString(file, AclFile.render(desired()));
    try (RedisProcess redis = RedisProcess.server(dir, List.of("aclfile " + file)).start()) {
      int port = redis.port();
      assertUsersInPlace(port, desired());
      asUser(
          port,
          "weird",
          c -> {
            assertThat(c.set("we\\ird:1", "v")).isEqualTo("OK");
            assertDenied(c, "escaping survives the file", r -> r.set("weird:1", "v"));
            return null;
          });
      AclChanges changes =
          asUser(port, AclRules.OPERATOR, c -> AclReconciler.reconcile(c, desired()));
      assertThat(changes.isEmpty())
          .as("the file and ACL SETUSER give the same users: " + changes)
          .isTrue();
    }
  }

  /**
   * Every replica's link is up, and its master lists it (CLIENT LIST, flag S) as logged in as
   * {@code user}.
   */
  private static boolean replicasLinkedAs(List<RedisProcess> nodes, String user) {
    List<String> links =
        nodes.stream()
            .flatMap(
                node -> asUser(node.port(), AclRules.OPERATOR, RedisCommands::clientList).lines())
            .filter(line -> line.contains(" flags=S "))
            .toList();
    List<Map<String, String>> replicas =
        nodes.stream()
            .map(
                node ->
                    RedisNodes.parseInfo(
                        asUser(node.port(), AclRules.OPERATOR, c -> c.info("replication"))))
            .filter(info -> "slave".equals(info.get("role")))
            .toList();
    return links.size() == replicas.size()
        && links.stream().allMatch(line -> line.contains(" user=" + user + " "))
        && replicas.stream().allMatch(info -> "up".equals(info.get("master_link_status")));
  }
}
