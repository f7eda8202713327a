package io.redisgrpc.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.redisgrpc.operator.credentials.CredentialStore;
import io.redisgrpc.operator.credentials.Credentials;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.redis.acl.AclFile;
import io.redisgrpc.operator.redis.acl.AclRules;
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
 * know, a probe that cannot log in or a script that does not start Redis fails here, long before
 * a pod would crash-loop.
 */
class PodCommandsTest {
  static final Duration DEADLINE = Duration.ofSeconds(20);

  @Test
  void clusterPodStartsAndIsReadyOnlyOnceItHasJoinedACluster(@TempDir Path dir) throws Exception {
    RedisGrpcCache cache = Caches.of("orders", RedisMode.Cluster);
    Credentials credentials = credentials(cache);
    int port = portWithBus();
    Container redis = RedisWorkloads.redis(cache).getSpec().getTemplate().getSpec().getContainers().get(0);
    try (LocalPod pod = pod(dir.resolve("orders-redis-0"), cache, redis, credentials, "orders-redis-0", port)) {
      pod.start();
      awaitProbe(pod, redis, "startup", true);
      assertThat(pod.probe(redis.getReadinessProbe())).as("ready before it joined a cluster").isFalse();

      // The operator's part: this node takes every slot (a one-node cluster).
      as(port, AclRules.OPERATOR, credentials, c -> c.clusterAddSlotsRange(io.lettuce.core.Range.create(0, 16383)));
      Awaitility.await("readiness probe passes once the node has joined").atMost(DEADLINE).pollInterval(Duration.ofMillis(200))
          .until(() -> pod.probe(redis.getReadinessProbe()));
      assertThat(pod.isAlive()).as("redis-server still runs; log:%n%s", pod.log()).isTrue();
      // The node announces its stable DNS name, as the cluster's clients are sent to it.
      String nodes = as(port, AclRules.OPERATOR, credentials, c -> c.clusterNodes());
      assertThat(nodes).contains("orders-redis-0.orders-redis-headless.shop.svc");
      assertThat(myself(nodes)).startsWith("127.0.0.1:");
    }
    // The pod comes back with its nodes.conf (a persistent volume) on a new IP: it must announce
    // the new one, not the address its nodes.conf remembers.
    try (LocalPod again = pod(dir.resolve("orders-redis-0"), cache, redis, credentials, "orders-redis-0", port, "127.0.0.2")) {
      again.start();
      awaitProbe(again, redis, "startup", true);
      String nodes = as(port, AclRules.OPERATOR, credentials, c -> c.clusterNodes());
      assertThat(myself(nodes)).as("CLUSTER NODES after a restart on a new IP:%n%s", nodes).startsWith("127.0.0.2:");
    }
  }

  /** The address field of the {@code myself} line of CLUSTER NODES. */
  static String myself(String clusterNodes) {
    return clusterNodes.lines().filter(line -> line.contains("myself")).map(line -> line.split(" ")[1]).findFirst().orElse("");
  }

  @Test
  void sentinelModeDataPodsStartAsMasterAndReplicaAndServe(@TempDir Path dir) throws Exception {
    RedisGrpcCache cache = Caches.of("sess", RedisMode.Sentinel);
    Credentials credentials = credentials(cache);
    Container redis = RedisWorkloads.redis(cache).getSpec().getTemplate().getSpec().getContainers().get(0);
    int masterPort = RedisProcess.freePort();
    int replicaPort = RedisProcess.freePort();
    // No sentinel answers (first start): pod 0 starts as master, the others replicate from it.
    try (LocalPod master = pod(dir.resolve("sess-redis-0"), cache, redis, credentials, "sess-redis-0", masterPort);
        LocalPod replica = pod(dir.resolve("sess-redis-1"), cache, redis, credentials, "sess-redis-1", replicaPort)) {
      master.start();
      replica.start();
      awaitProbe(master, redis, "readiness", false);
      awaitProbe(replica, redis, "readiness", false);
      Object masterRole = as(masterPort, AclRules.OPERATOR, credentials, c -> c.role().get(0));
      assertThat(masterRole).isEqualTo("master");
      List<Object> role = as(replicaPort, AclRules.OPERATOR, credentials, c -> c.role());
      assertThat(role.get(0)).isEqualTo("slave");
      assertThat(role.get(1)).as("the replica follows pod 0 by its stable DNS name").isEqualTo("sess-redis-0.sess-redis-headless.shop.svc");
      // Announced by hostname, as Sentinel (announce-hostnames yes) reports replicas.
      Map<String, String> announced = as(replicaPort, AclRules.OPERATOR, credentials, c -> c.configGet("replica-announce-ip"));
      assertThat(announced).containsEntry("replica-announce-ip", "sess-redis-1.sess-redis-headless.shop.svc");
    }
  }

  /**
   * The data-loss path of a restart without persistence: the master pod is back before the
   * sentinels notice it was gone, so they still name it master, but its data set is empty while
   * its replica holds every key. Started as master, it would make the replica resync from it and
   * wipe it. It must hand over first: the replica is promoted, the restarted pod replicates from
   * it, and no key is lost. One sentinel with quorum 2 never fails over by itself, so only the
   * start script can have moved the master.
   */
  @Test
  void sentinelModeMasterRestartingWithoutItsDataHandsOverToItsReplicaInsteadOfWipingIt(@TempDir Path dir) throws Exception {
    RedisGrpcCache cache = Caches.of("sess", RedisMode.Sentinel);
    Credentials credentials = credentials(cache);
    Container redis = RedisWorkloads.redis(cache).getSpec().getTemplate().getSpec().getContainers().get(0);
    var sentinelPodSpec = RedisWorkloads.sentinel(cache).getSpec().getTemplate().getSpec();
    int masterPort = RedisProcess.freePort();
    int replicaPort = RedisProcess.freePort();
    int sentinelPort = RedisProcess.freePort();
    String namespace = cache.getMetadata().getNamespace();
    // What cluster DNS would resolve: every pod and Service name is this machine here.
    Map<String, String> dns = Map.of(
        Names.podHost(Names.redis(cache), 0, Names.redisHeadless(cache), namespace), "127.0.0.1",
        "${HOSTNAME}." + Names.redisHeadless(cache) + "." + namespace + ".svc", "127.0.0.1",
        Names.serviceHost(Names.sentinel(cache), namespace), "127.0.0.1",
        Names.podHost(Names.sentinel(cache), 0, Names.sentinelHeadless(cache), namespace), "127.0.0.1");
    Map<String, String> dataPodAddresses = new java.util.HashMap<>(dns);
    dataPodAddresses.put(" " + Names.SENTINEL_PORT, " " + sentinelPort);
    Map<String, String> sentinelAddresses = new java.util.HashMap<>(dns);
    sentinelAddresses.put(" " + Names.REDIS_PORT, " " + masterPort);

    Path sentinelRoot = dir.resolve("sess-sentinel-0");
    Map<String, Map<String, String>> sentinelVolumes = Map.of(
        "config", Map.of("sentinel.conf", RedisConfig.sentinelConf(cache)),
        "credentials", Map.of(AclRules.SENTINEL, credentials.current(AclRules.SENTINEL)));
    Map<String, String> sentinelEnv = Map.of("POD_NAME", "sess-sentinel-0", "HOSTNAME", "sess-sentinel-0", "POD_IP", "127.0.0.1");
    new LocalPod(sentinelRoot, sentinelPodSpec.getInitContainers().get(0), sentinelVolumes, sentinelEnv, Names.SENTINEL_PORT, sentinelPort,
        sentinelAddresses).runToCompletion();
    RedisClient sentinelClient = RedisClient.create(RedisURI.create("127.0.0.1", sentinelPort));
    try (LocalPod sentinel = new LocalPod(sentinelRoot, sentinelPodSpec.getContainers().get(0), sentinelVolumes, sentinelEnv,
            Names.SENTINEL_PORT, sentinelPort, sentinelAddresses).start();
        LocalPod master = pod(dir.resolve("sess-redis-0"), cache, redis, credentials, "sess-redis-0", masterPort, "127.0.0.1", dataPodAddresses);
        LocalPod replica = pod(dir.resolve("sess-redis-1"), cache, redis, credentials, "sess-redis-1", replicaPort, "127.0.0.1", dataPodAddresses)) {
      Awaitility.await("sentinel answers").atMost(DEADLINE).pollInterval(Duration.ofMillis(200))
          .failFast(() -> assertThat(sentinel.isAlive()).as("redis-sentinel exited; its log:%n%s", sentinel.log()).isTrue())
          .ignoreExceptions().until(() -> {
            try (var connection = sentinelClient.connectSentinel()) {
              return "PONG".equals(connection.sync().ping());
            }
          });
      master.start();
      awaitProbe(master, redis, "readiness", false);
      replica.start();
      awaitProbe(replica, redis, "readiness", false);
      // Sentinel learns replicas from the master's INFO (every 10 s).
      Awaitility.await("the sentinel knows the replica").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
          .until(() -> {
            try (var connection = sentinelClient.connectSentinel()) {
              return connection.sync().replicas(Names.SENTINEL_MASTER_NAME).stream()
                  .anyMatch(r -> String.valueOf(replicaPort).equals(r.get("port")) && "ok".equals(r.get("master-link-status")));
            }
          });
      int keys = 200;
      long replicated = as(masterPort, AclRules.OPERATOR, credentials, c -> {
        for (int i = 0; i < keys; i++) {
          c.set("session:" + i, "v" + i);
        }
        return c.waitForReplication(1, 5000);
      });
      assertThat(replicated).as("replicas that acknowledged the writes").isEqualTo(1);

      master.close(); // save "" (no persistence): the pod comes back with an empty data set
      try (LocalPod restarted = pod(dir.resolve("sess-redis-0"), cache, redis, credentials, "sess-redis-0", masterPort, "127.0.0.1",
          dataPodAddresses)) {
        restarted.start();
        Awaitility.await("restarted pod ready").atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(200))
            .failFast(() -> assertThat(restarted.isAlive()).as("redis-server exited; its log:%n%s", restarted.log()).isTrue())
            .until(() -> restarted.probe(redis.getReadinessProbe()));
        Long promotedKeys = as(replicaPort, AclRules.OPERATOR, credentials, c -> c.dbsize());
        assertThat(promotedKeys).as("keys on pod 1 (the replica that held them)").isEqualTo(keys);
        try (var connection = sentinelClient.connectSentinel()) {
          assertThat(((java.net.InetSocketAddress) connection.sync().getMasterAddrByName(Names.SENTINEL_MASTER_NAME)).getPort())
              .as("the master the sentinel names; restarted pod's log:%n%s", restarted.log()).isEqualTo(replicaPort);
        }
        Awaitility.await("the restarted pod replicates every key").atMost(DEADLINE).pollInterval(Duration.ofMillis(200))
            .until(() -> as(masterPort, AclRules.OPERATOR, credentials, c -> c.dbsize()) == keys);
        Object restartedRole = as(masterPort, AclRules.OPERATOR, credentials, c -> c.role().get(0));
        assertThat(restartedRole).as("role of the restarted pod").isEqualTo("slave");
      }
    } finally {
      sentinelClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** Every password the cache needs, as the credentials Secret would hold them. */
  static Credentials credentials(RedisGrpcCache cache) {
    return new Credentials(Map.of()).withUsers(CredentialStore.users(cache), () -> UUID.randomUUID().toString());
  }

  /** A data pod: the ConfigMap, the ACL Secret, the replication password and emptyDirs, as the StatefulSet mounts them. */
  static LocalPod pod(Path root, RedisGrpcCache cache, Container container, Credentials credentials, String podName, int port) {
    return pod(root, cache, container, credentials, podName, port, "127.0.0.1");
  }

  static LocalPod pod(Path root, RedisGrpcCache cache, Container container, Credentials credentials, String podName, int port,
      String podIp) {
    return pod(root, cache, container, credentials, podName, port, podIp, Map.of());
  }

  static LocalPod pod(Path root, RedisGrpcCache cache, Container container, Credentials credentials, String podName, int port,
      String podIp, Map<String, String> addresses) {
    Map<String, String> config = new java.util.TreeMap<>();
    config.put("redis.conf", RedisConfig.redisConf(cache));
    if (cache.getSpec().redis.mode == RedisMode.Sentinel) {
      config.put("sentinel.conf", RedisConfig.sentinelConf(cache));
      config.put("start-redis.sh", RedisConfig.sentinelModeStartScript(cache));
    }
    Map<String, Map<String, String>> volumes = Map.of(
        "config", config,
        "acl", Map.of(CredentialStore.ACL_FILE_KEY, AclFile.render(AclRules.desired(cache.getSpec().auth.clients, credentials.hashes()))),
        "credentials", Map.of(AclRules.REPLICATION, credentials.current(AclRules.REPLICATION)));
    return new LocalPod(root, container, volumes, Map.of("POD_NAME", podName, "HOSTNAME", podName, "POD_IP", podIp),
        io.redisgrpc.operator.model.Names.REDIS_PORT, port, addresses);
  }

  private static void awaitProbe(LocalPod pod, Container container, String which, boolean startup) {
    var probe = startup ? container.getStartupProbe() : container.getReadinessProbe();
    Awaitility.await(which + " probe passes").atMost(DEADLINE).pollInterval(Duration.ofMillis(200))
        .failFast(() -> assertThat(pod.isAlive()).as("redis-server exited; its log:%n%s", pod.log()).isTrue())
        .until(() -> pod.probe(probe));
  }

  static <T> T as(int port, String user, Credentials credentials, Function<io.lettuce.core.api.sync.RedisCommands<String, String>, T> action) {
    RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(port)
        .withAuthentication(user, credentials.current(user)).withTimeout(Duration.ofSeconds(5)).build());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      return action.apply(connection.sync());
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
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
