package io.redisgrpc.operator.model;

import static io.redisgrpc.operator.model.PodCommandsTest.DEADLINE;
import static io.redisgrpc.operator.model.PodCommandsTest.as;
import static io.redisgrpc.operator.model.PodCommandsTest.awaitProbe;
import static io.redisgrpc.operator.model.PodCommandsTest.credentials;
import static io.redisgrpc.operator.model.PodCommandsTest.pod;
import static io.redisgrpc.operator.model.PodCommandsTest.portWithBus;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.internal.HostAndPort;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.DnsResolvers;
import io.lettuce.core.resource.MappingSocketAddressResolver;
import io.redisgrpc.operator.crd.PersistenceMode;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.credentials.Credentials;
import io.redisgrpc.operator.redis.acl.AclRules;
import io.redisgrpc.testkit.Integration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Cluster-mode preStop hook, run for real: a master pod and its replica pod from the rendered
 * container ({@link LocalPod}), joined the way the operator joins them, under writes from a cluster
 * client that follows redirects as the gateway does.
 */
@Integration
class ClusterPodScriptsTest {

  /**
   * A planned stop of a master (pod deleted, rolling update): its replica takes over with a
   * coordinated CLUSTER FAILOVER before Redis stops, so no write fails and none is lost. Without
   * the hook, writes to its slots would wait until the cluster declared it failed.
   */
  @Test
  void masterStoppedOnPurposeHandsItsSlotsToItsReplicaWithoutAFailedOrLostWrite(@TempDir Path dir)
      throws Exception {
    RedisGrpcCache cache = Caches.of("orders", RedisMode.Cluster);
    Credentials credentials = credentials(cache);
    Container redis =
        RedisWorkloads.redis(cache).getSpec().getTemplate().getSpec().getContainers().get(0);
    int masterPort = portWithBus();
    int replicaPort = portWithBus();
    try (LocalPod master =
            pod(
                dir.resolve("orders-redis-0"),
                cache,
                redis,
                credentials,
                "orders-redis-0",
                masterPort);
        LocalPod replica =
            pod(
                dir.resolve("orders-redis-1"),
                cache,
                redis,
                credentials,
                "orders-redis-1",
                replicaPort)) {
      master.start();
      replica.start();
      awaitProbe(master, redis, "startup", true);
      awaitProbe(replica, redis, "startup", true);
      // What the operator does: slots to the master, meet, replicate.
      String masterId = as(masterPort, AclRules.OPERATOR, credentials, c -> c.clusterMyId());
      as(
          masterPort,
          AclRules.OPERATOR,
          credentials,
          c -> c.clusterAddSlotsRange(Range.create(0, 16383)));
      as(masterPort, AclRules.OPERATOR, credentials, c -> c.clusterMeet("127.0.0.1", replicaPort));
      Awaitility.await("the replica knows the master")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  as(replicaPort, AclRules.OPERATOR, credentials, c -> c.clusterNodes())
                      .contains(masterId));
      as(replicaPort, AclRules.OPERATOR, credentials, c -> c.clusterReplicate(masterId));
      Awaitility.await("both pods ready")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  master.probe(redis.getReadinessProbe())
                      && replica.probe(redis.getReadinessProbe()));
      // A replica that has served for a while: its first sync is done (the hook asks only such a
      // one).
      Awaitility.await("the replica's first sync done")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  as(masterPort, AclRules.OPERATOR, credentials, c -> c.info("replication"))
                      .contains("state=online"));

      // The nodes announce their pods' DNS names; here every pod is this machine.
      ClientResources resources =
          DefaultClientResources.builder()
              .socketAddressResolver(
                  MappingSocketAddressResolver.create(
                      DnsResolvers.UNRESOLVED,
                      address ->
                          address.getHostText().endsWith(".svc")
                              ? HostAndPort.of("127.0.0.1", address.getPort())
                              : address))
              .build();
      RedisClusterClient client =
          RedisClusterClient.create(
              resources, List.of(uri(masterPort, credentials), uri(replicaPort, credentials)));
      client.setOptions(
          ClusterClientOptions.builder()
              .topologyRefreshOptions(
                  ClusterTopologyRefreshOptions.builder()
                      .enableAllAdaptiveRefreshTriggers()
                      .adaptiveRefreshTriggersTimeout(Duration.ofMillis(500))
                      .build())
              .build());
      List<String> acknowledged = new CopyOnWriteArrayList<>();
      Map<String, String> failed = new ConcurrentHashMap<>();
      AtomicBoolean writing = new AtomicBoolean(true);
      Thread writer;
      try (StatefulRedisClusterConnection<String, String> connection = client.connect()) {
        connection.setTimeout(Duration.ofSeconds(2));
        writer =
            new Thread(
                () -> {
                  for (int i = 0; writing.get(); i++) {
                    String key = "order:" + i;
                    try {
                      connection.sync().set(key, "v");
                      acknowledged.add(key);
                    } catch (RuntimeException e) {
                      failed.put(key, e.toString());
                    }
                  }
                },
                "writer");
        writer.start();
        Awaitility.await("writes flowing").atMost(DEADLINE).until(() -> acknowledged.size() >= 500);

        // A client that re-reads the slot map late (another gateway replica, say): it keeps
        // writing to pod 0 for 1.5 s after its first MOVED. Had pod 0 stopped meanwhile, its
        // writes would have waited for their deadline; the hook stays until it has moved on.
        SlowLearner learner =
            new SlowLearner(uri(masterPort, credentials), Duration.ofMillis(1500));
        learner.start();
        boolean handedOver = master.preStop(30);
        long hookReturned = System.nanoTime();
        assertThat(handedOver)
            .as("preStop hook exit 0; its output:%n%s", master.preStopLog())
            .isTrue();
        learner.join(Duration.ofSeconds(10).toMillis());
        assertThat(learner.redirects)
            .as("the late client was redirected, then moved on")
            .isPositive();
        assertThat(learner.lastRedirect)
            .as(
                "every redirect came before the hook returned; hook output:%n%s",
                master.preStopLog())
            .isLessThan(hookReturned);
        Object masterRole = as(masterPort, AclRules.OPERATOR, credentials, c -> c.role().get(0));
        Object replicaRole = as(replicaPort, AclRules.OPERATOR, credentials, c -> c.role().get(0));
        assertThat(List.of(masterRole, replicaRole))
            .as("roles of pod 0 and pod 1 when preStop returns")
            .containsExactly("slave", "master");
        master.close(); // what the kubelet does once the hook returns
        int before = acknowledged.size();
        Awaitility.await("writes flowing to the new master")
            .atMost(DEADLINE)
            .until(() -> acknowledged.size() >= before + 500);
        writing.set(false);
        writer.join(Duration.ofSeconds(10).toMillis());

        assertThat(failed).as("failed writes (of %d acknowledged)", acknowledged.size()).isEmpty();
        List<String> missing =
            acknowledged.stream().filter(key -> connection.sync().exists(key) == 0).toList();
        assertThat(missing)
            .as("acknowledged writes missing after the hand-over (of %d)", acknowledged.size())
            .isEmpty();
      } finally {
        writing.set(false);
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * A hand-over the master never sees confirmed: CLUSTER FAILOVER is accepted by its replica, but
   * the election cannot win (the other two masters are gone, so one vote of three). Once the
   * failover's own pause has ended, the master must not acknowledge writes again: another node may
   * have taken its slots over (here it cannot, but the master cannot tell), and writes it accepted
   * then would be lost. It stops with writes still held, and SIGTERM still saves its data set.
   */
  @Test
  void masterWhoseHandOverIsNeverConfirmedAcknowledgesNoWriteUntilItStopsAndStillSavesItsData(
      @TempDir Path dir) throws Exception {
    RedisGrpcCache cache = Caches.of("orders", RedisMode.Cluster);
    cache.getSpec().redis.persistence.mode = PersistenceMode.RDB;
    Credentials credentials = credentials(cache);
    Container redis =
        RedisWorkloads.redis(cache).getSpec().getTemplate().getSpec().getContainers().get(0);
    int masterPort = portWithBus();
    int replicaPort = portWithBus();
    int secondPort = portWithBus();
    int thirdPort = portWithBus();
    try (LocalPod master =
            pod(
                dir.resolve("orders-redis-0"),
                cache,
                redis,
                credentials,
                "orders-redis-0",
                masterPort);
        LocalPod replica =
            pod(
                dir.resolve("orders-redis-1"),
                cache,
                redis,
                credentials,
                "orders-redis-1",
                replicaPort);
        LocalPod second =
            pod(
                dir.resolve("orders-redis-2"),
                cache,
                redis,
                credentials,
                "orders-redis-2",
                secondPort);
        LocalPod third =
            pod(
                dir.resolve("orders-redis-3"),
                cache,
                redis,
                credentials,
                "orders-redis-3",
                thirdPort)) {
      for (LocalPod pod : List.of(master, replica, second, third)) {
        pod.start();
      }
      for (LocalPod pod : List.of(master, replica, second, third)) {
        awaitProbe(pod, redis, "startup", true);
      }
      // Three masters with a third of the slots each, and pod 0's replica.
      as(
          masterPort,
          AclRules.OPERATOR,
          credentials,
          c -> c.clusterAddSlotsRange(Range.create(0, 5460)));
      as(
          secondPort,
          AclRules.OPERATOR,
          credentials,
          c -> c.clusterAddSlotsRange(Range.create(5461, 10922)));
      as(
          thirdPort,
          AclRules.OPERATOR,
          credentials,
          c -> c.clusterAddSlotsRange(Range.create(10923, 16383)));
      String masterId = as(masterPort, AclRules.OPERATOR, credentials, c -> c.clusterMyId());
      for (int port : List.of(replicaPort, secondPort, thirdPort)) {
        as(masterPort, AclRules.OPERATOR, credentials, c -> c.clusterMeet("127.0.0.1", port));
      }
      Awaitility.await("the replica knows the master")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  as(replicaPort, AclRules.OPERATOR, credentials, c -> c.clusterNodes())
                      .contains(masterId));
      as(replicaPort, AclRules.OPERATOR, credentials, c -> c.clusterReplicate(masterId));
      Awaitility.await("every node sees the cluster ok")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  List.of(masterPort, replicaPort, secondPort, thirdPort).stream()
                      .allMatch(
                          port ->
                              as(port, AclRules.OPERATOR, credentials, c -> c.clusterInfo())
                                  .contains("cluster_state:ok")));
      Awaitility.await("the replica's first sync done")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () ->
                  as(masterPort, AclRules.OPERATOR, credentials, c -> c.info("replication"))
                      .contains("state=online"));

      // Pod 0 must keep counting the other masters as reachable, so that a write it does not
      // answer is held by the hook's pause, not refused by a cluster that is down.
      as(
          masterPort,
          AclRules.OPERATOR,
          credentials,
          c -> c.configSet("cluster-node-timeout", "120000"));
      second.close();
      third.close();
      String key = keyInSlots(0, 5460);
      String before = as(masterPort, AclRules.OPERATOR, credentials, c -> c.set(key, "before"));
      assertThat(before).as("a write before the hook").isEqualTo("OK");

      boolean exited = master.preStop(30);
      assertThat(exited).as("preStop hook exit 0; its output:%n%s", master.preStopLog()).isTrue();
      assertThat(master.preStopLog()).contains("not confirmed");
      Object masterRole = as(masterPort, AclRules.OPERATOR, credentials, c -> c.role().get(0));
      Object replicaRole = as(replicaPort, AclRules.OPERATOR, credentials, c -> c.role().get(0));
      assertThat(List.of(masterRole, replicaRole))
          .as("roles of pod 0 and pod 1 when preStop returns")
          .containsExactly("master", "slave");
      String clusterInfo = as(masterPort, AclRules.OPERATOR, credentials, c -> c.clusterInfo());
      assertThat(clusterInfo)
          .as("pod 0's cluster info after the hook")
          .contains("cluster_state:ok");

      RedisClient client =
          RedisClient.create(
              RedisURI.builder()
                  .withHost("127.0.0.1")
                  .withPort(masterPort)
                  .withAuthentication(AclRules.OPERATOR, credentials.current(AclRules.OPERATOR))
                  .withTimeout(Duration.ofSeconds(60))
                  .build());
      // Not reconnecting: a command in flight when the connection drops fails instead of being
      // resent.
      client.setOptions(ClientOptions.builder().autoReconnect(false).build());
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        RedisFuture<String> write = connection.async().set(key, "after the hook");
        assertThatThrownBy(() -> write.get(2, TimeUnit.SECONDS))
            .as(
                "a write to pod 0 after its unconfirmed hand-over: held, neither acknowledged nor refused")
            .isInstanceOf(TimeoutException.class);

        master.terminate(); // what the kubelet does once the hook returns
        Awaitility.await("pod 0 exits on SIGTERM")
            .atMost(DEADLINE)
            .pollInterval(Duration.ofMillis(100))
            .until(() -> !master.isAlive());
        assertThat(master.exitValue()).as("exit code; log:%n%s", master.log()).isZero();
        assertThat(master.log()).contains("DB saved on disk");
        assertThat(master.volumeFile("data", "dump.rdb")).exists();
        assertThatThrownBy(() -> write.get(2, TimeUnit.SECONDS))
            .as("the held write, once pod 0 is gone")
            .isInstanceOf(ExecutionException.class);
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }

  /**
   * Writes to one node over a plain connection, as a client that has not re-read the slot map yet:
   * until {@code redirectedFor} after its first MOVED reply, then it stops.
   */
  static final class SlowLearner extends Thread {
    final RedisURI node;
    final Duration redirectedFor;
    volatile int redirects;
    volatile long lastRedirect;

    SlowLearner(RedisURI node, Duration redirectedFor) {
      super("slow-learner");
      this.node = node;
      this.redirectedFor = redirectedFor;
    }

    @Override
    public void run() {
      RedisClient client = RedisClient.create(node);
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        long firstRedirect = 0;
        for (int i = 0;
            firstRedirect == 0 || System.nanoTime() - firstRedirect < redirectedFor.toNanos();
            i++) {
          try {
            connection.sync().set("learner:" + i, "v");
          } catch (RedisCommandExecutionException e) {
            if (!e.getMessage().startsWith("MOVED")) {
              throw e;
            }
            lastRedirect = System.nanoTime();
            firstRedirect = firstRedirect == 0 ? lastRedirect : firstRedirect;
            redirects++;
          }
          Thread.sleep(20);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
    }
  }

  /** A key whose slot is in [first, last]. */
  private static String keyInSlots(int first, int last) {
    for (int i = 0; ; i++) {
      int slot = SlotHash.getSlot("order:" + i);
      if (slot >= first && slot <= last) {
        return "order:" + i;
      }
    }
  }

  private static RedisURI uri(int port, Credentials credentials) {
    return RedisURI.builder()
        .withHost("127.0.0.1")
        .withPort(port)
        .withAuthentication(AclRules.OPERATOR, credentials.current(AclRules.OPERATOR))
        .build();
  }
}
