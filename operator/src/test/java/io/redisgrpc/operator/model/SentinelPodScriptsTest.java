package io.redisgrpc.operator.model;

import static io.redisgrpc.operator.model.PodCommandsTest.DEADLINE;
import static io.redisgrpc.operator.model.PodCommandsTest.as;
import static io.redisgrpc.operator.model.PodCommandsTest.credentials;
import static io.redisgrpc.operator.model.PodCommandsTest.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.redisgrpc.operator.crd.PersistenceMode;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.credentials.Credentials;
import io.redisgrpc.operator.redis.acl.AclRules;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisProcess;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Sentinel-mode pods' start scripts, run for real: pod 0 (master), pod 1 (replica) and one
 * sentinel, each from its rendered container as {@link LocalPod}, with the cluster's DNS names
 * rewritten to this machine. The sentinel runs with quorum 2, so it never fails over by itself:
 * only the script can have moved the master.
 */
@Integration
class SentinelPodScriptsTest {
  static final int KEYS = 200;

  /**
   * The data-loss path of a restart without persistence: the master pod is back before the
   * sentinels notice it was gone, so they still name it master, but its data set is empty while its
   * replica holds every key. Started as master, it would make the replica resync from it and wipe
   * it. It must hand over first: the replica is promoted and the restarted pod replicates from it.
   */
  @Test
  void masterRestartingWithoutItsDataHandsOverToItsReplicaInsteadOfWipingIt(@TempDir Path dir)
      throws Exception {
    try (Pods pods = new Pods(dir)) {
      pods.start();
      for (int i = 0; i < KEYS; i++) {
        String key = "session:" + i;
        as(pods.masterPort, AclRules.OPERATOR, pods.credentials, c -> c.set(key, "v"));
      }
      Long replicated =
          as(
              pods.masterPort,
              AclRules.OPERATOR,
              pods.credentials,
              c -> c.waitForReplication(1, 5000));
      assertThat(replicated).as("replicas that acknowledged the writes").isEqualTo(1);

      pods.master.close(); // save "" (no persistence): the pod comes back with an empty data set
      try (LocalPod restarted = pods.dataPod("sess-redis-0", pods.masterPort)) {
        pods.startAndAwaitReady(restarted);
        Long kept = as(pods.replicaPort, AclRules.OPERATOR, pods.credentials, c -> c.dbsize());
        assertThat(kept).as("keys on pod 1 (the replica that held them)").isEqualTo(KEYS);
        assertThat(pods.namedMasterPort())
            .as("the master the sentinel names; restarted pod's log:%n%s", restarted.log())
            .isEqualTo(pods.replicaPort);
        Awaitility.await("the restarted pod replicates every key")
            .atMost(DEADLINE)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    as(pods.masterPort, AclRules.OPERATOR, pods.credentials, c -> c.dbsize())
                        == KEYS);
        Object role =
            as(pods.masterPort, AclRules.OPERATOR, pods.credentials, c -> c.role().get(0));
        assertThat(role).as("role of the restarted pod").isEqualTo("slave");
      }
    }
  }

  /**
   * Every pod of the cache restarted at once: pod 1 came back as master on the word of a sentinel
   * that was still stopping, and took writes. No sentinel answers when pod 0 starts: it must
   * replicate from pod 1 rather than start as a second master (pod 0 of the configuration), which
   * would have pod 1 resync from it later and lose those writes.
   */
  @Test
  void aPodStartingWhileNoSentinelAnswersFollowsTheDataPodActingAsMaster(@TempDir Path dir)
      throws Exception {
    try (Pods pods = new Pods(dir)) {
      pods.start();
      pods.sentinel.close();
      pods.master.close();
      as(pods.replicaPort, AclRules.OPERATOR, pods.credentials, c -> c.replicaofNoOne());
      for (int i = 0; i < KEYS; i++) {
        String key = "written-to-pod-1:" + i;
        as(pods.replicaPort, AclRules.OPERATOR, pods.credentials, c -> c.set(key, "v"));
      }
      try (LocalPod restarted = pods.dataPod("sess-redis-0", pods.masterPort)) {
        pods.startAndAwaitReady(restarted);
        Object role =
            as(pods.masterPort, AclRules.OPERATOR, pods.credentials, c -> c.role().get(0));
        assertThat(role).as("role of pod 0; its log:%n%s", restarted.log()).isEqualTo("slave");
        Awaitility.await("pod 0 holds what pod 1 took")
            .atMost(DEADLINE)
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    as(
                            pods.masterPort,
                            AclRules.OPERATOR,
                            pods.credentials,
                            c -> c.exists("written-to-pod-1:" + (KEYS - 1)))
                        == 1);
        Object pod1Role =
            as(pods.replicaPort, AclRules.OPERATOR, pods.credentials, c -> c.role().get(0));
        assertThat(pod1Role).as("role of pod 1").isEqualTo("master");
      }
    }
  }

  /**
   * The same restart seen from the sentinels: fresh ones (nothing to ask, no memory) must monitor
   * the pod that acts as master, not pod 0 of their rendered configuration.
   */
  @Test
  void sentinelsStartingTogetherMonitorThePodActingAsMasterNotPodZero(@TempDir Path dir)
      throws Exception {
    try (Pods pods = new Pods(dir)) {
      pods.start();
      pods.sentinel.close();
      as(pods.replicaPort, AclRules.OPERATOR, pods.credentials, c -> c.replicaofNoOne());
      as(
          pods.masterPort,
          AclRules.OPERATOR,
          pods.credentials,
          c -> c.replicaof("127.0.0.1", pods.replicaPort));
      try (LocalPod fresh = pods.sentinelPod(dir.resolve("sess-sentinel-0-fresh"))) {
        fresh.start();
        Awaitility.await("the fresh sentinel names a master")
            .atMost(DEADLINE)
            .pollInterval(Duration.ofMillis(200))
            .failFast(
                () ->
                    assertThat(fresh.isAlive())
                        .as("redis-sentinel exited; its log:%n%s", fresh.log())
                        .isTrue())
            .ignoreExceptions()
            .until(() -> pods.namedMasterPort() > 0);
        assertThat(pods.namedMasterPort())
            .as("the master the fresh sentinel monitors; its log:%n%s", fresh.log())
            .isEqualTo(pods.replicaPort);
      }
    }
  }

  /**
   * Every pod restarted at once, with RDB persistence: pod 1 was master and took writes after pod 0
   * (its replica) had stopped, so only pod 1's saved data set has them. With no sentinel and no pod
   * acting as master, the pods must compare offsets and start pod 1 as master; pod 0 by default
   * would have pod 1 resync from it and lose those writes.
   */
  @Test
  void everyPodRestartedAtOnceStartsFromTheNewestDataSetNotPodZeros(@TempDir Path dir)
      throws Exception {
    RedisGrpcCache cache = Caches.of("sess", RedisMode.Sentinel);
    cache.getSpec().redis.persistence.mode = PersistenceMode.RDB;
    try (Pods pods = new Pods(dir, cache)) {
      pods.start();
      pods.sentinel.close();
      as(pods.replicaPort, AclRules.OPERATOR, pods.credentials, c -> c.replicaofNoOne());
      as(
          pods.masterPort,
          AclRules.OPERATOR,
          pods.credentials,
          c -> c.replicaof("127.0.0.1", pods.replicaPort));
      for (int i = 0; i < KEYS; i++) {
        String key = "both:" + i;
        as(pods.replicaPort, AclRules.OPERATOR, pods.credentials, c -> c.set(key, "v"));
      }
      Long replicated =
          as(
              pods.replicaPort,
              AclRules.OPERATOR,
              pods.credentials,
              c -> c.waitForReplication(1, 5000));
      assertThat(replicated).as("pod 0 acknowledged the first writes").isEqualTo(1);
      pods.master.close(); // SIGTERM: pod 0 saves its data set, without the tail below
      for (int i = 0; i < KEYS; i++) {
        String key = "tail:" + i;
        as(pods.replicaPort, AclRules.OPERATOR, pods.credentials, c -> c.set(key, "v"));
      }
      pods.replica.close(); // SIGTERM: pod 1 saves its data set, tail included
      try (LocalPod pod0 = pods.dataPod("sess-redis-0", pods.masterPort);
          LocalPod pod1 = pods.dataPod("sess-redis-1", pods.replicaPort)) {
        pod0.start();
        pod1.start();
        Awaitility.await("pod 1 serves as master")
            .atMost(DEADLINE)
            .pollInterval(Duration.ofMillis(200))
            .failFast(
                () ->
                    assertThat(pod0.isAlive() && pod1.isAlive())
                        .as("a redis-server exited; logs:%n%s%n%s", pod0.log(), pod1.log())
                        .isTrue())
            .ignoreExceptions()
            .until(
                () ->
                    "master"
                        .equals(
                            as(
                                pods.replicaPort,
                                AclRules.OPERATOR,
                                pods.credentials,
                                c -> c.role().get(0))));
        Awaitility.await("pod 0 replicates the tail from pod 1")
            .atMost(DEADLINE)
            .pollInterval(Duration.ofMillis(200))
            .ignoreExceptions()
            .until(
                () ->
                    as(
                            pods.masterPort,
                            AclRules.OPERATOR,
                            pods.credentials,
                            c -> c.exists("tail:" + (KEYS - 1)))
                        == 1);
        Long keys = as(pods.replicaPort, AclRules.OPERATOR, pods.credentials, c -> c.dbsize());
        assertThat(keys).as("keys on pod 1; its log:%n%s", pod1.log()).isEqualTo(2L * KEYS);
        Object pod0Role =
            as(pods.masterPort, AclRules.OPERATOR, pods.credentials, c -> c.role().get(0));
        assertThat(pod0Role).as("role of pod 0").isEqualTo("slave");
        assertThat(pod1.log()).contains("has the newest data set");
      }
    }
  }

  /** Pod 0, pod 1 and a sentinel of a Sentinel-mode cache, on loopback. */
  static final class Pods implements AutoCloseable {
    final RedisGrpcCache cache;
    final Credentials credentials;
    final Container redis;
    final int masterPort = RedisProcess.freePort();
    final int replicaPort = RedisProcess.freePort();
    final int sentinelPort = RedisProcess.freePort();
    final Path dir;
    final Map<String, String> dataPodAddresses;
    final Map<String, String> sentinelAddresses;
    LocalPod sentinel;
    final LocalPod master;
    final LocalPod replica;
    final RedisClient sentinelClient =
        RedisClient.create(RedisURI.create("127.0.0.1", sentinelPort));

    Pods(Path dir) {
      this(dir, Caches.of("sess", RedisMode.Sentinel));
    }

    Pods(Path dir, RedisGrpcCache cache) {
      this.dir = dir;
      this.cache = cache;
      this.credentials = credentials(cache);
      this.redis =
          RedisWorkloads.redis(cache).getSpec().getTemplate().getSpec().getContainers().get(0);
      String namespace = cache.getMetadata().getNamespace();
      // What cluster DNS would resolve: every pod and Service name is this machine here.
      Map<String, String> dns =
          Map.of(
              Names.podHost(Names.redis(cache), 0, Names.redisHeadless(cache), namespace),
              "127.0.0.1",
              "${HOSTNAME}." + Names.redisHeadless(cache) + "." + namespace + ".svc",
              "127.0.0.1",
              Names.serviceHost(Names.sentinel(cache), namespace),
              "127.0.0.1",
              Names.podHost(Names.sentinel(cache), 0, Names.sentinelHeadless(cache), namespace),
              "127.0.0.1");
      // Pods 0 and 1 by name and port (the data pods ask each other by both when no sentinel
      // answers).
      String pod0 =
          Names.podHost(Names.redis(cache), 0, Names.redisHeadless(cache), namespace)
              + " "
              + Names.REDIS_PORT;
      String pod1 =
          Names.podHost(Names.redis(cache), 1, Names.redisHeadless(cache), namespace)
              + " "
              + Names.REDIS_PORT;
      dataPodAddresses = new HashMap<>(dns);
      dataPodAddresses.put(" " + Names.SENTINEL_PORT, " " + sentinelPort);
      dataPodAddresses.put(pod0, "127.0.0.1 " + masterPort);
      dataPodAddresses.put(pod1, "127.0.0.1 " + replicaPort);
      sentinelAddresses = new HashMap<>(dns);
      // A sentinel is none of the data pods: its "self" must not resolve to one (it would skip it).
      sentinelAddresses.remove(
          "${HOSTNAME}." + Names.redisHeadless(cache) + "." + namespace + ".svc");
      sentinelAddresses.put(" " + Names.REDIS_PORT, " " + masterPort);
      sentinelAddresses.put(pod1, "127.0.0.1 " + replicaPort);
      master = dataPod("sess-redis-0", masterPort);
      replica = dataPod("sess-redis-1", replicaPort);
    }

    /**
     * Sentinel pod 0 in {@code root}: its init container run to completion, its sentinel not
     * started yet.
     */
    LocalPod sentinelPod(Path root) throws InterruptedException {
      PodSpec sentinelPod = RedisWorkloads.sentinel(cache).getSpec().getTemplate().getSpec();
      Map<String, Map<String, String>> volumes =
          Map.of(
              "config", RedisConfig.configFiles(cache),
              "credentials", Map.of(AclRules.SENTINEL, credentials.current(AclRules.SENTINEL)));
      Map<String, String> env =
          Map.of(
              "POD_NAME", "sess-sentinel-0", "HOSTNAME", "sess-sentinel-0", "POD_IP", "127.0.0.2");
      new LocalPod(
              root,
              sentinelPod.getInitContainers().get(0),
              volumes,
              env,
              Names.SENTINEL_PORT,
              sentinelPort,
              sentinelAddresses)
          .runToCompletion();
      return new LocalPod(
          root,
          sentinelPod.getContainers().get(0),
          volumes,
          env,
          Names.SENTINEL_PORT,
          sentinelPort,
          sentinelAddresses);
    }

    /**
     * Starts a data pod and waits until its readiness probe passes (failing fast if redis-server
     * exits).
     */
    void startAndAwaitReady(LocalPod pod) {
      pod.start();
      Awaitility.await("restarted pod ready")
          .atMost(Duration.ofSeconds(45))
          .pollInterval(Duration.ofMillis(200))
          .failFast(
              () ->
                  assertThat(pod.isAlive())
                      .as("redis-server exited; its log:%n%s", pod.log())
                      .isTrue())
          .until(() -> pod.probe(redis.getReadinessProbe()));
    }

    LocalPod dataPod(String name, int port) {
      return pod(
          dir.resolve(name), cache, redis, credentials, name, port, "127.0.0.1", dataPodAddresses);
    }

    /**
     * The first start: both data pods at once (they compare their empty data sets and pod 0, the
     * lowest ordinal, becomes master), then the sentinel, which monitors the pod acting as master;
     * until the sentinel knows the replica.
     */
    void start() throws InterruptedException {
      master.start();
      replica.start();
      Awaitility.await("pod 0 acts as master, pod 1 replicates it")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .failFast(
              () ->
                  assertThat(master.isAlive() && replica.isAlive())
                      .as("a redis-server exited; logs:%n%s%n%s", master.log(), replica.log())
                      .isTrue())
          .ignoreExceptions()
          .until(
              () ->
                  "master"
                          .equals(
                              as(masterPort, AclRules.OPERATOR, credentials, c -> c.role().get(0)))
                      && as(replicaPort, AclRules.OPERATOR, credentials, c -> c.info("replication"))
                          .contains("master_link_status:up"));
      sentinel = sentinelPod(dir.resolve("sess-sentinel-0"));
      sentinel.start();
      Awaitility.await("sentinel answers")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .failFast(
              () ->
                  assertThat(sentinel.isAlive())
                      .as("redis-sentinel exited; its log:%n%s", sentinel.log())
                      .isTrue())
          .ignoreExceptions()
          .until(
              () -> {
                try (var connection = sentinelClient.connectSentinel()) {
                  return "PONG".equals(connection.sync().ping());
                }
              });
      // Sentinel learns replicas from the master's INFO (every 10 s).
      Awaitility.await("the sentinel knows the replica")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                try (var connection = sentinelClient.connectSentinel()) {
                  return connection.sync().replicas(Names.SENTINEL_MASTER_NAME).stream()
                      .anyMatch(
                          r ->
                              String.valueOf(replicaPort).equals(r.get("port"))
                                  && "ok".equals(r.get("master-link-status")));
                }
              });
    }

    int namedMasterPort() {
      try (var connection = sentinelClient.connectSentinel()) {
        return ((InetSocketAddress)
                connection.sync().getMasterAddrByName(Names.SENTINEL_MASTER_NAME))
            .getPort();
      }
    }

    @Override
    public void close() throws InterruptedException {
      try {
        replica.close();
        master.close();
        if (sentinel != null) {
          sentinel.close();
        }
      } finally {
        sentinelClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }
}
