package io.redisgrpc.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.lettuce.core.Range;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import io.redisgrpc.operator.crd.PersistenceMode;
import io.redisgrpc.operator.crd.PersistenceSpec;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.credentials.CredentialStore;
import io.redisgrpc.operator.credentials.Credentials;
import io.redisgrpc.operator.redis.acl.AclFile;
import io.redisgrpc.operator.redis.acl.AclRules;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Redis pods' own commands, run for real with redis-server: the start command or script,
 * redis.conf, the users.acl and password files, and the startup and readiness probes, exactly as
 * rendered for the pod template ({@link LocalPod} plays the kubelet). A directive Redis does not
 * know, a probe that cannot log in or a script that does not start Redis fails here, long before a
 * pod would crash-loop.
 */
@Integration
class PodCommandsTest {
  static final Duration DEADLINE = Duration.ofSeconds(20);

  @Test
  void clusterPodStartsAndIsReadyOnlyOnceItHasJoinedACluster(@TempDir Path dir) throws Exception {
    RedisGrpcCache cache = Caches.of("orders", RedisMode.Cluster);
    cache.getSpec().redis.persistence = new PersistenceSpec();
    cache.getSpec().redis.persistence.mode = PersistenceMode.RDB;
    Credentials credentials = credentials(cache);
    int port = portWithBus();
    Container redis =
        RedisWorkloads.redis(cache).getSpec().getTemplate().getSpec().getContainers().get(0);
    try (LocalPod pod =
        pod(dir.resolve("orders-redis-0"), cache, redis, credentials, "orders-redis-0", port)) {
      pod.start();
      awaitProbe(pod, redis, "startup", true);
      assertThat(pod.probe(redis.getReadinessProbe()))
          .as("ready before it joined a cluster")
          .isFalse();

      // The operator's part: this node takes every slot (a one-node cluster).
      as(port, AclRules.OPERATOR, credentials, c -> c.clusterAddSlotsRange(Range.create(0, 16383)));
      Awaitility.await("readiness probe passes once the node has joined")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .until(() -> pod.probe(redis.getReadinessProbe()));
      assertThat(pod.isAlive()).as("redis-server still runs; log:%n%s", pod.log()).isTrue();
      // The node announces its stable DNS name, as the cluster's clients are sent to it.
      String nodes = as(port, AclRules.OPERATOR, credentials, c -> c.clusterNodes());
      assertThat(nodes).contains("orders-redis-0.orders-redis-headless.shop.svc");
      assertThat(myself(nodes)).startsWith("127.0.0.1:");
    }
    // The pod comes back with its nodes.conf (a persistent volume) on a new IP: it must announce
    // the new one, not the address its nodes.conf remembers.
    try (LocalPod again =
        pod(
            dir.resolve("orders-redis-0"),
            cache,
            redis,
            credentials,
            "orders-redis-0",
            port,
            "127.0.0.2")) {
      again.start();
      awaitProbe(again, redis, "startup", true);
      String nodes = as(port, AclRules.OPERATOR, credentials, c -> c.clusterNodes());
      assertThat(myself(nodes))
          .as("CLUSTER NODES after a restart on a new IP:%n%s", nodes)
          .startsWith("127.0.0.2:");
      // The stand-in listens on loopback only (the pod's "bind * -::*" is rewritten), never on
      // the machine's external interface.
      assertThat(as(port, AclRules.OPERATOR, credentials, c -> c.configGet("bind")).get("bind"))
          .isEqualTo("127.0.0.1 127.0.0.2");
    }
  }

  /**
   * Without persistence, a container restarted in place (crash, OOM, liveness) finds its nodes.conf
   * on the pod's emptyDir but no data. It must not come back as the owner of its slots with an
   * empty data set (its replica would resync from it and lose them too): it comes back as a new
   * node that owns nothing.
   */
  @Test
  void clusterPodWithoutPersistenceRestartedInPlaceComesBackAsANewNodeOwningNothing(
      @TempDir Path dir) throws Exception {
    RedisGrpcCache cache = Caches.of("orders", RedisMode.Cluster);
    Credentials credentials = credentials(cache);
    int port = portWithBus();
    Container redis =
        RedisWorkloads.redis(cache).getSpec().getTemplate().getSpec().getContainers().get(0);
    String before;
    try (LocalPod pod =
        pod(dir.resolve("orders-redis-0"), cache, redis, credentials, "orders-redis-0", port)) {
      pod.start();
      awaitProbe(pod, redis, "startup", true);
      as(port, AclRules.OPERATOR, credentials, c -> c.clusterAddSlotsRange(Range.create(0, 16383)));
      Awaitility.await("the one-node cluster serves")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  as(port, AclRules.OPERATOR, credentials, c -> c.clusterInfo())
                      .contains("cluster_state:ok"));
      as(port, AclRules.OPERATOR, credentials, c -> c.set("orders:1", "paid"));
      before = as(port, AclRules.OPERATOR, credentials, c -> c.clusterMyId());
    }
    assertThat(dir.resolve("orders-redis-0/data/nodes.conf"))
        .as("the emptyDir keeps nodes.conf across a container restart")
        .exists();
    try (LocalPod again =
        pod(dir.resolve("orders-redis-0"), cache, redis, credentials, "orders-redis-0", port)) {
      again.start();
      awaitProbe(again, redis, "startup", true);
      String after = as(port, AclRules.OPERATOR, credentials, c -> c.clusterMyId());
      String slots = as(port, AclRules.OPERATOR, credentials, c -> c.clusterInfo());
      assertThat(after).as("node id after the restart").isNotEqualTo(before);
      assertThat(slots).as("CLUSTER INFO after the restart").contains("cluster_slots_assigned:0");
    }
  }

  /** The address field of the {@code myself} line of CLUSTER NODES. */
  static String myself(String clusterNodes) {
    return clusterNodes
        .lines()
        .filter(line -> line.contains("myself"))
        .map(line -> line.split(" ")[1])
        .findFirst()
        .orElse("");
  }

  @Test
  void sentinelModeDataPodsStartAsMasterAndReplicaAndServe(@TempDir Path dir) throws Exception {
    RedisGrpcCache cache = Caches.of("sess", RedisMode.Sentinel);
    Credentials credentials = credentials(cache);
    Container redis =
        RedisWorkloads.redis(cache).getSpec().getTemplate().getSpec().getContainers().get(0);
    int masterPort = RedisProcess.freePort();
    int replicaPort = RedisProcess.freePort();
    // Each pod by its stable name and port, as cluster DNS would resolve it, to this machine.
    String namespace = cache.getMetadata().getNamespace();
    Map<String, String> addresses =
        Map.of(
            Names.podHost(Names.redis(cache), 0, Names.redisHeadless(cache), namespace)
                    + " "
                    + Names.REDIS_PORT,
                "127.0.0.1 " + masterPort,
            Names.podHost(Names.redis(cache), 1, Names.redisHeadless(cache), namespace)
                    + " "
                    + Names.REDIS_PORT,
                "127.0.0.1 " + replicaPort);
    // No sentinel answers (first start): the pods compare their (empty) data sets, pod 0 starts
    // as master, the other replicates from it.
    try (LocalPod master =
            pod(
                dir.resolve("sess-redis-0"),
                cache,
                redis,
                credentials,
                "sess-redis-0",
                masterPort,
                "127.0.0.1",
                addresses);
        LocalPod replica =
            pod(
                dir.resolve("sess-redis-1"),
                cache,
                redis,
                credentials,
                "sess-redis-1",
                replicaPort,
                "127.0.0.1",
                addresses)) {
      master.start();
      replica.start();
      Awaitility.await("pod 0 acts as master")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .failFast(
              () ->
                  assertThat(master.isAlive())
                      .as("redis-server exited; its log:%n%s", master.log())
                      .isTrue())
          .ignoreExceptions()
          .until(
              () ->
                  "master"
                      .equals(
                          as(masterPort, AclRules.OPERATOR, credentials, c -> c.role().get(0))));
      awaitProbe(replica, redis, "readiness", false);
      // Ready already while it loads its data set to compare offsets (a replica of nothing):
      // wait until the start script has chosen and restarted it as pod 0's replica.
      Awaitility.await("pod 1 replicates pod 0")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .failFast(
              () ->
                  assertThat(replica.isAlive())
                      .as("redis-server exited; its log:%n%s", replica.log())
                      .isTrue())
          .ignoreExceptions()
          .until(
              () ->
                  as(replicaPort, AclRules.OPERATOR, credentials, c -> c.role())
                      .get(2)
                      .equals((long) masterPort));
      List<Object> role = as(replicaPort, AclRules.OPERATOR, credentials, c -> c.role());
      assertThat(role.get(0)).isEqualTo("slave");
      assertThat(role.subList(1, 3))
          .as("the replica follows pod 0; its log:%n%s", replica.log())
          .containsExactly("127.0.0.1", (long) masterPort);
      // Announced by hostname, as Sentinel (announce-hostnames yes) reports replicas.
      Map<String, String> announced =
          as(replicaPort, AclRules.OPERATOR, credentials, c -> c.configGet("replica-announce-ip"));
      assertThat(announced)
          .containsEntry("replica-announce-ip", "sess-redis-1.sess-redis-headless.shop.svc");
    }
  }

  /** Every password the cache needs, as the credentials Secret would hold them. */
  static Credentials credentials(RedisGrpcCache cache) {
    return new Credentials(Map.of())
        .withUsers(CredentialStore.users(cache), () -> UUID.randomUUID().toString());
  }

  /**
   * A data pod: the ConfigMap, the ACL Secret, the replication password and emptyDirs, as the
   * StatefulSet mounts them.
   */
  static LocalPod pod(
      Path root,
      RedisGrpcCache cache,
      Container container,
      Credentials credentials,
      String podName,
      int port) {
    return pod(root, cache, container, credentials, podName, port, "127.0.0.1");
  }

  static LocalPod pod(
      Path root,
      RedisGrpcCache cache,
      Container container,
      Credentials credentials,
      String podName,
      int port,
      String podIp) {
    return pod(root, cache, container, credentials, podName, port, podIp, Map.of());
  }

  static LocalPod pod(
      Path root,
      RedisGrpcCache cache,
      Container container,
      Credentials credentials,
      String podName,
      int port,
      String podIp,
      Map<String, String> addresses) {
    Map<String, String> config = RedisConfig.configFiles(cache);
    Map<String, Map<String, String>> volumes =
        Map.of(
            "config", config,
            "acl",
                Map.of(
                    CredentialStore.ACL_FILE_KEY,
                    AclFile.render(
                        AclRules.desired(cache.getSpec().auth.clients, credentials.hashes()))),
            "credentials", Map.of(AclRules.REPLICATION, credentials.current(AclRules.REPLICATION)));
    return new LocalPod(
        root,
        container,
        volumes,
        Map.of("POD_NAME", podName, "HOSTNAME", podName, "POD_IP", podIp),
        Names.REDIS_PORT,
        port,
        addresses);
  }

  static void awaitProbe(LocalPod pod, Container container, String which, boolean startup) {
    var probe = startup ? container.getStartupProbe() : container.getReadinessProbe();
    Awaitility.await(which + " probe passes")
        .atMost(DEADLINE)
        .pollInterval(Duration.ofMillis(200))
        .failFast(
            () ->
                assertThat(pod.isAlive())
                    .as("redis-server exited; its log:%n%s", pod.log())
                    .isTrue())
        .until(() -> pod.probe(probe));
  }

  /**
   * A connection logged in as {@code user}, on the testkit's shared client (a client per call can
   * hang in its shutdown).
   */
  static <T> T as(
      int port,
      String user,
      Credentials credentials,
      Function<RedisCommands<String, String>, T> action) {
    return RedisNodes.withNode(
        RedisURI.builder()
            .withHost("127.0.0.1")
            .withPort(port)
            .withAuthentication(user, credentials.current(user))
            .withTimeout(Duration.ofSeconds(5))
            .build(),
        action);
  }

  /** A free port whose cluster-bus port (port + 10000) is free too. */
  static int portWithBus() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = RedisProcess.freePort();
      if (port + 10000 > 65535) {
        continue;
      }
      try (ServerSocket bus = new ServerSocket(port + 10000, 1, InetAddress.getLoopbackAddress())) {
        return port;
      } catch (IOException taken) {
        // try another
      }
    }
    throw new IOException("no free port with a free bus port");
  }
}
