package io.redisgrpc.operator.redis.acl;

import static io.redisgrpc.operator.redis.acl.AclFixtures.desired;
import static io.redisgrpc.operator.redis.acl.AclFixtures.password;
import static io.redisgrpc.operator.redis.acl.AclNodeAssertions.asUser;
import static io.redisgrpc.operator.redis.acl.AclNodeAssertions.assertNothingDenied;
import static org.awaitility.Awaitility.await;

import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisBinaries;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replication and Sentinel users' rule sets are enough for the real thing: a replica syncs as
 * the replication user, and one Sentinel, logged in as the sentinel user, monitors and fails over,
 * with {@code default} off and nothing in ACL LOG.
 */
@Integration
class AclServiceUsersTest {
  static final String MASTER = "mymaster";

  @Test
  void replicaSyncsAndSentinelFailsOverWithTheirOwnUsers(@TempDir Path dir) throws Exception {
    // Both data nodes get masteruser/masterauth: after the failover the old master is a replica.
    List<String> replicationLogin =
        List.of(
            "masteruser " + AclRules.REPLICATION, "masterauth " + password(AclRules.REPLICATION));
    List<String> replicaConfig = new ArrayList<>(replicationLogin);
    try (RedisProcess master = RedisProcess.server(dir, replicationLogin).start()) {
      RedisNodes.withNode(master.port(), c -> AclReconciler.reconcile(c, desired()));
      replicaConfig.add("replicaof 127.0.0.1 " + master.port());
      try (RedisProcess replica = RedisProcess.server(dir, replicaConfig).start()) {
        RedisNodes.withNode(replica.port(), c -> AclReconciler.reconcile(c, desired()));
        awaitReplicating(replica, master);
        asUser(master.port(), "orders", c -> c.set("orders:1", "v"));
        await("write replicated")
            .atMost(Duration.ofSeconds(10))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> "v".equals(asUser(replica.port(), "orders", c -> c.get("orders:1"))));

        try (RedisProcess sentinel = sentinel(dir, master.port())) {
          await("sentinel sees the master and its replica")
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(100))
              .ignoreExceptions()
              .until(
                  () -> {
                    Map<String, String> state =
                        RedisNodes.withSentinel(sentinel.port(), s -> s.master(MASTER));
                    return state.get("flags").equals("master")
                        && state.get("num-slaves").equals("1");
                  });

          RedisNodes.withSentinel(sentinel.port(), s -> s.failover(MASTER));
          await("failover to the replica")
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(100))
              .ignoreExceptions()
              .until(
                  () ->
                      ((InetSocketAddress)
                                  RedisNodes.withSentinel(
                                      sentinel.port(), s -> s.getMasterAddrByName(MASTER)))
                              .getPort()
                          == replica.port());
          awaitReplicating(master, replica);
        }
        assertNothingDenied(master.port());
        assertNothingDenied(replica.port());
      }
    }
  }

  private static RedisProcess sentinel(Path dir, int masterPort) throws Exception {
    int port = RedisProcess.freePort();
    return new RedisProcess(
            RedisBinaries.sentinel(),
            port,
            Files.createDirectories(dir.resolve("sentinel-" + port)),
            List.of(
                "sentinel monitor " + MASTER + " 127.0.0.1 " + masterPort + " 1",
                "sentinel auth-user " + MASTER + " " + AclRules.SENTINEL,
                "sentinel auth-pass " + MASTER + " " + password(AclRules.SENTINEL),
                "sentinel down-after-milliseconds " + MASTER + " 1000",
                "sentinel failover-timeout " + MASTER + " 4000"))
        .start();
  }

  private static void awaitReplicating(RedisProcess replica, RedisProcess master) {
    // Ignoring exceptions: Sentinel kills normal clients (ours too) on the node it promotes.
    await(
            "replica :"
                + replica.port()
                + " synced from :"
                + master.port()
                + " as "
                + AclRules.REPLICATION)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(
            () -> {
              Map<String, String> info =
                  RedisNodes.parseInfo(
                      asUser(replica.port(), AclRules.OPERATOR, c -> c.info("replication")));
              return "slave".equals(info.get("role"))
                  && String.valueOf(master.port()).equals(info.get("master_port"))
                  && "up".equals(info.get("master_link_status"));
            });
  }
}
