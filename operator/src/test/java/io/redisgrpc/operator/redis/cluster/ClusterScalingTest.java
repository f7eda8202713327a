package io.redisgrpc.operator.redis.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.redisgrpc.gateway.redis.SlotCoverageClusterClient;
import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.cluster.ClusterFormation.Result;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisBinaries;
import io.redisgrpc.testkit.RedisClusterHarness;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scaling and healing against real redis-server processes, driven one step at a time as the
 * reconciler would, with a cluster client writing throughout.
 */
@Integration
class ClusterScalingTest {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterScalingTest.class);

  /** The harness's node config, for nodes added or restarted by the tests. */
  static final List<String> CONFIG =
      List.of(
          "cluster-enabled yes",
          "cluster-config-file nodes.conf",
          "cluster-node-timeout 2000",
          "cluster-replica-validity-factor 0");

  static ClientResources resources;
  static NodeConnections connections;

  @BeforeAll
  static void connect() {
    resources = ClientResources.create();
    connections = NodeConnections.plain(resources);
  }

  @AfterAll
  static void close() {
    connections.close();
    resources.shutdown();
  }

  @Test
  void scalesThreeToFourShardsAndBackUnderWritesWithoutLosingAKey(@TempDir Path dir)
      throws Exception {
    try (RedisClusterHarness harness = RedisClusterHarness.startNodes(dir, 3, 1, List.of())) {
      List<RedisProcess> processes = new ArrayList<>(harness.nodes());
      List<Endpoint> endpoints = endpoints(processes);
      ClusterFormation formation = new ClusterFormation(connections);
      stepUntilConverged(formation, endpoints, 3, List.of());
      int preloaded = 20_000;
      try (Writer writer = new Writer(processes.get(0).port())) {
        writer.preload(preloaded);
        writer.start();
        writer.awaitWrites(1_000);

        // Shards up: two new pods, four masters.
        RedisProcess p6 = RedisProcess.server(dir, CONFIG).start();
        RedisProcess p7 = RedisProcess.server(dir, CONFIG).start();
        processes.add(p6);
        processes.add(p7);
        List<Endpoint> eight = endpoints(processes);
        long keysAtUp = keysOnMasters(endpoints(processes));
        long ackedBefore = writer.acked();
        long started = System.nanoTime();
        Result up = stepUntilConverged(formation, eight, 4, List.of());
        long upMillis = (System.nanoTime() - started) / 1_000_000;
        long writesDuringUp = writer.acked() - ackedBefore;
        assertThat(up.report().masters()).isEqualTo(4);
        assertThat(up.report().slotsCovered()).isEqualTo(16384);
        assertThat(up.report().replicasPerMaster().values()).containsOnly(1);
        assertThat(slotCounts(eight)).as("4096 slots on every master").containsOnly(4096);
        assertThat(writesDuringUp).as("writes acknowledged while slots moved").isPositive();

        // Shards down: drain the two highest pods, remove them, forget them.
        List<Endpoint> leaving = eight.subList(6, 8);
        long keysAtDown = keysOnMasters(eight);
        ackedBefore = writer.acked();
        started = System.nanoTime();
        Result drained = stepUntilConverged(formation, eight, 3, leaving);
        long downMillis = (System.nanoTime() - started) / 1_000_000;
        long writesDuringDown = writer.acked() - ackedBefore;
        assertThat(drained.removable()).containsExactlyElementsOf(leaving);
        // The emptied leaving master stayed a master: it did not resync a dataset (and answer
        // -LOADING to clients with a stale slot map) just before its removal.
        assertThat(
                ClusterView.parse(RedisNodes.withNode(p6.port(), c -> c.clusterNodes()))
                    .myself()
                    .replica())
            .as("drained leaving master still a master")
            .isFalse();
        List<String> removedIds = List.of(id(p6), id(p7));
        p6.stop();
        p7.stop();
        processes.removeAll(List.of(p6, p7));
        Result down = stepUntilConverged(formation, endpoints(processes), 3, List.of());
        assertThat(down.report().masters()).isEqualTo(3);
        assertThat(down.report().slotsCovered()).isEqualTo(16384);
        assertThat(down.report().failedNodes()).isZero();
        assertThat(down.report().replicasPerMaster().values()).containsOnly(1);
        assertThat(slotCounts(endpoints(processes))).containsExactlyInAnyOrder(5462, 5461, 5461);
        for (RedisProcess p : processes) {
          String nodes = RedisNodes.withNode(p.port(), c -> c.clusterNodes());
          assertThat(nodes).as("removed nodes forgotten").doesNotContain(removedIds);
        }
        assertThat(writesDuringDown).isPositive();

        writer.stopWriting();
        Map<String, String> lost = writer.missingOrWrong(preloaded);
        assertThat(lost).as("acknowledged keys not readable with their value").isEmpty();
        LOG.info(
            String.format(
                "SCALING: preloaded=%d, acknowledged writes total=%d, failed writes=%d; "
                    + "3x1->4x1 (4096 slots, %d keys in the cluster at start) took %d ms with %d writes acknowledged meanwhile; "
                    + "4x1->3x1 drain (4096 slots, %d keys at start) took %d ms with %d writes",
                preloaded,
                writer.acked(),
                writer.failed(),
                keysAtUp,
                upMillis,
                writesDuringUp,
                keysAtDown,
                downMillis,
                writesDuringDown));
        assertThat(writer.failures())
            .as("writes that failed (not acknowledged) while following redirects")
            .isEmpty();
      }
    }
  }

  /**
   * Regression: slots used to be opened towards a new master while it still answered CLUSTERDOWN (a
   * node refuses key commands for its first 2 s and, with full coverage required, until gossip has
   * told it every slot's owner). In the scaling test the first MIGRATE to the new master failed
   * with CLUSTERDOWN, the slot stayed MIGRATING/IMPORTING for several steps, and a write of a new
   * key in it, sent to the new master with ASK, failed. Here the slots are empty and one moves per
   * step, so a write right after the first step that moved one tells whether the new master served
   * it. After every step, every master must serve a write in the first slot it owns, and in every
   * slot it imports (with ASKING).
   */
  @Test
  void slotsMoveOnlyToAMasterThatServesThem(@TempDir Path dir) {
    try (RedisClusterHarness harness = RedisClusterHarness.startNodes(dir, 3, 0, List.of())) {
      List<RedisProcess> processes = new ArrayList<>(harness.nodes());
      stepUntilConverged(new ClusterFormation(connections), endpoints(processes), 3, List.of());
      ClusterFormation.Options d = ClusterFormation.Options.DEFAULTS;
      ClusterFormation formation =
          new ClusterFormation(
              connections,
              new ClusterFormation.Options(
                  d.keysPerMigrate(), 1, d.stepBudget(), d.migrateTimeout(), null, null));
      // A new pod, met right after it started, as when shards go up.
      RedisProcess fresh = RedisProcess.server(dir, CONFIG).start();
      processes.add(fresh);
      List<Endpoint> four = endpoints(processes);
      List<String> refused = new ArrayList<>();
      AtomicReference<Result> last = new AtomicReference<>();
      Awaitility.await("slots moved to the new master")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                long from = Timeline.millis();
                last.set(formation.step(four, 4, List.of()));
                LOG.info(
                    String.format(
                        "SCALING step t=%d..%d ms: %s",
                        from, Timeline.millis(), last.get().actions()));
                for (Endpoint e : four) {
                  ClusterView.Entry self =
                      ClusterView.parse(RedisNodes.withNode(e.port(), c -> c.clusterNodes()))
                          .myself();
                  List<Integer> slots = new ArrayList<>(self.importing().keySet());
                  if (self.slotCount() > 0) {
                    slots.add(self.slots().nextSetBit(0));
                  }
                  for (int slot : slots) {
                    boolean importing = self.importing().containsKey(slot);
                    String key = keyInSlot(slot);
                    String answer;
                    try {
                      answer =
                          RedisNodes.withNode(
                              e.port(),
                              c -> {
                                if (importing) {
                                  c.asking();
                                }
                                return c.set(key, "v");
                              });
                    } catch (RuntimeException ex) {
                      answer = ex.getMessage();
                    }
                    if (!"OK".equals(answer)) {
                      refused.add(
                          String.format(
                              "t=%d ms: slot %d %s on %d: %s",
                              Timeline.millis(),
                              slot,
                              importing ? "importing" : "owned",
                              e.port(),
                              answer));
                    }
                  }
                }
                return ClusterView.parse(RedisNodes.withNode(fresh.port(), c -> c.clusterNodes()))
                        .myself()
                        .slotCount()
                    >= 4;
              });
      assertThat(refused).as("writes refused by a master that owns or imports the slot").isEmpty();
    }
  }

  /** A key of {@code slot}. */
  static String keyInSlot(int slot) {
    for (int i = 0; ; i++) {
      if (SlotHash.getSlot("probe:" + i) == slot) {
        return "probe:" + i;
      }
    }
  }

  @Test
  void aMasterRestartedOnANewPortRejoins(@TempDir Path dir) {
    try (RedisClusterHarness harness = RedisClusterHarness.startNodes(dir, 3, 1, List.of())) {
      List<RedisProcess> processes = new ArrayList<>(harness.nodes());
      ClusterFormation formation = new ClusterFormation(connections);
      stepUntilConverged(formation, endpoints(processes), 3, List.of());
      RedisProcess old = processes.get(0);
      String id = id(old);
      writeThroughCluster(old.port(), "{k}1", "kept");
      old.stop(); // SIGTERM: nodes.conf is saved, as on a pod's graceful stop
      RedisProcess moved =
          new RedisProcess(RedisBinaries.server(), RedisProcess.freePort(), old.dir(), CONFIG)
              .start();
      processes.set(0, moved);
      try {
        Result healed = stepUntilConverged(formation, endpoints(processes), 3, List.of());
        assertThat(id(moved)).as("same node, same nodes.conf").isEqualTo(id);
        for (RedisProcess p : processes) {
          String nodes = RedisNodes.withNode(p.port(), c -> c.clusterNodes());
          assertThat(ClusterView.parse(nodes).node(id).orElseThrow().port())
              .as("%s knows the new port", p.port())
              .isEqualTo(moved.port());
        }
        assertThat(healed.report().complete()).isTrue();
        assertThat(healed.report().masters()).isEqualTo(3);
        assertThat(readThroughCluster(moved.port(), "{k}1")).isEqualTo("kept");
      } finally {
        moved.kill();
      }
    }
  }

  @Test
  void everyPodRestartedOnNewPortsRejoins(@TempDir Path dir) {
    try (RedisClusterHarness harness = RedisClusterHarness.startNodes(dir, 3, 0, List.of())) {
      List<RedisProcess> processes = new ArrayList<>(harness.nodes());
      ClusterFormation formation = new ClusterFormation(connections);
      stepUntilConverged(formation, endpoints(processes), 3, List.of());
      // Nobody can reach anybody at the addresses in nodes.conf: only the operator's MEETs help.
      List<RedisProcess> moved = new ArrayList<>();
      for (RedisProcess old : processes) {
        old.stop();
      }
      try {
        for (RedisProcess old : processes) {
          moved.add(
              new RedisProcess(RedisBinaries.server(), RedisProcess.freePort(), old.dir(), CONFIG)
                  .start());
        }
        Result healed = stepUntilConverged(formation, endpoints(moved), 3, List.of());
        assertThat(healed.report().complete()).isTrue();
        assertThat(healed.report().masters()).isEqualTo(3);
        assertThat(healed.actions()).isEmpty();
      } finally {
        moved.forEach(RedisProcess::kill);
      }
    }
  }

  @Test
  void aLostMasterIsReplacedByItsReplicaAndAFreshPodBecomesItsReplica(@TempDir Path dir) {
    try (RedisClusterHarness harness = RedisClusterHarness.startNodes(dir, 3, 1, List.of())) {
      List<RedisProcess> processes = new ArrayList<>(harness.nodes());
      ClusterFormation formation = new ClusterFormation(connections);
      stepUntilConverged(formation, endpoints(processes), 3, List.of());
      RedisProcess master = processes.get(0);
      String deadId = id(master);
      RedisProcess replica =
          processes.stream()
              .filter(
                  p ->
                      deadId.equals(
                          ClusterView.parse(RedisNodes.withNode(p.port(), c -> c.clusterNodes()))
                              .myself()
                              .masterId()))
              .findFirst()
              .orElseThrow();
      BitSet masterSlots =
          ClusterView.parse(RedisNodes.withNode(master.port(), c -> c.clusterNodes()))
              .myself()
              .slots();
      String key =
          IntStream.range(0, 10_000)
              .mapToObj(i -> "lost" + i)
              .filter(k -> masterSlots.get(SlotHash.getSlot(k)))
              .findFirst()
              .orElseThrow();
      RedisNodes.withNode(master.port(), c -> c.set(key, "survives"));
      Awaitility.await("replica in sync")
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  "survives"
                      .equals(
                          RedisNodes.withNode(
                              replica.port(),
                              c -> {
                                c.readOnly();
                                return c.get(key);
                              })));

      master.kill();
      Awaitility.await("replica promoted by the cluster")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptions()
          .until(
              () ->
                  RedisNodes.withNode(replica.port(), c -> c.info("replication"))
                      .contains("role:master"));
      // The pod comes back empty (a new volume): a fresh node in its place.
      RedisProcess fresh = RedisProcess.server(dir, CONFIG).start();
      processes.set(0, fresh);
      try {
        Result first = formation.step(endpoints(processes), 3);
        assertThat(first.report().failedNodes()).as("the dead master is reported").isPositive();
        Result healed = stepUntilConverged(formation, endpoints(processes), 3, List.of());
        assertThat(healed.report().complete()).isTrue();
        assertThat(healed.report().masters()).isEqualTo(3);
        assertThat(healed.report().replicasPerMaster().values()).containsOnly(1);
        assertThat(
                ClusterView.parse(RedisNodes.withNode(fresh.port(), c -> c.clusterNodes()))
                    .myself()
                    .masterId())
            .as("the fresh pod replicates the promoted replica")
            .isEqualTo(id(replica));
        for (RedisProcess p : processes) {
          String nodes = RedisNodes.withNode(p.port(), c -> c.clusterNodes());
          assertThat(nodes).as("dead master forgotten").doesNotContain(deadId);
        }
        assertThat(readThroughCluster(replica.port(), key)).isEqualTo("survives");
      } finally {
        fresh.kill();
      }
    }
  }

  @Test
  void finishesSlotsLeftHalfMovedByACrash(@TempDir Path dir) {
    try (RedisClusterHarness harness = RedisClusterHarness.startNodes(dir, 3, 0, List.of())) {
      List<Endpoint> endpoints = endpoints(harness.nodes());
      ClusterFormation formation = new ClusterFormation(connections);
      stepUntilConverged(formation, endpoints, 3, List.of());
      RedisProcess source = harness.nodes().get(0);
      RedisProcess target = harness.nodes().get(1);
      String sourceId = id(source);
      String targetId = id(target);
      // Two slots owned by the source: one crashed mid-copy, one crashed between the two SETSLOTs.
      BitSet sourceSlots =
          ClusterView.parse(RedisNodes.withNode(source.port(), c -> c.clusterNodes()))
              .myself()
              .slots();
      List<String> tags =
          IntStream.range(0, 10_000)
              .mapToObj(i -> "{t" + i + "}")
              .filter(t -> sourceSlots.get(SlotHash.getSlot(t)))
              .limit(2)
              .toList();
      String t1 = tags.get(0);
      String t2 = tags.get(1);
      int full = SlotHash.getSlot(t1);
      int onlyImporting = SlotHash.getSlot(t2);
      for (int i = 0; i < 50; i++) {
        int n = i;
        RedisNodes.withNode(source.port(), c -> c.mset(Map.of(t1 + n, "v" + n)));
        RedisNodes.withNode(source.port(), c -> c.mset(Map.of(t2 + n, "w" + n)));
      }
      // The step sequence, stopped after SETSLOT IMPORTING/MIGRATING and half of the keys.
      RedisNodes.withNode(target.port(), c -> c.clusterSetSlotImporting(full, sourceId));
      RedisNodes.withNode(source.port(), c -> c.clusterSetSlotMigrating(full, targetId));
      List<String> half = RedisNodes.withNode(source.port(), c -> c.clusterGetKeysInSlot(full, 25));
      RedisNodes.withNode(
          source.port(),
          c -> c.migrate("127.0.0.1", target.port(), 0, 5000, MigrateArgs.Builder.keys(half)));
      RedisNodes.withNode(target.port(), c -> c.clusterSetSlotImporting(onlyImporting, sourceId));

      Result crashed = formation.step(endpoints, 3);
      assertThat(crashed.converged()).isFalse();
      Result resumed = stepUntilConverged(formation, endpoints, 3, List.of());
      assertThat(resumed.report().migrations()).isEmpty();
      assertThat(resumed.report().slotsCovered()).isEqualTo(16384);
      String targetNodes = RedisNodes.withNode(target.port(), c -> c.clusterNodes());
      assertThat(ClusterView.parse(targetNodes).myself().slots().get(full))
          .as("half-moved slot finished on the target")
          .isTrue();
      for (int i = 0; i < 50; i++) {
        assertThat(readThroughCluster(source.port(), t1 + i)).isEqualTo("v" + i);
        assertThat(readThroughCluster(source.port(), t2 + i)).isEqualTo("w" + i);
      }
      assertThat(slotCounts(endpoints)).allMatch(n -> n >= 5461 && n <= 5462);
    }
  }

  // ---- helpers

  static List<Endpoint> endpoints(List<RedisProcess> processes) {
    return processes.stream()
        .map(p -> new Endpoint("127.0.0.1", p.port(), null))
        .collect(Collectors.toList());
  }

  static String id(RedisProcess process) {
    return RedisNodes.withNode(process.port(), c -> c.clusterMyId());
  }

  /** Slots per master, each from the master's own line. */
  static List<Integer> slotCounts(List<Endpoint> endpoints) {
    List<Integer> counts = new ArrayList<>();
    for (Endpoint e : endpoints) {
      int n =
          ClusterView.parse(RedisNodes.withNode(e.port(), c -> c.clusterNodes()))
              .myself()
              .slotCount();
      if (n > 0) {
        counts.add(n);
      }
    }
    return counts;
  }

  /** Keys held by masters (replicas hold copies). */
  static long keysOnMasters(List<Endpoint> endpoints) {
    long keys = 0;
    for (Endpoint e : endpoints) {
      if (RedisNodes.withNode(e.port(), c -> c.info("replication")).contains("role:master")) {
        keys += RedisNodes.withNode(e.port(), c -> c.dbsize());
      }
    }
    return keys;
  }

  static String readThroughCluster(int seedPort, String key) {
    RedisClusterClient client = RedisClusterClient.create(resources, RedisNodes.uri(seedPort));
    try (StatefulRedisClusterConnection<String, String> c = client.connect()) {
      return c.sync().get(key);
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  static void writeThroughCluster(int seedPort, String key, String value) {
    RedisClusterClient client = RedisClusterClient.create(resources, RedisNodes.uri(seedPort));
    try (StatefulRedisClusterConnection<String, String> c = client.connect()) {
      c.sync().set(key, value);
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /**
   * Steps as the reconciler would (one step per reconciliation) until the step says converged;
   * every step's actions are printed on the {@link Timeline}, so a failed write can be placed among
   * the steps.
   */
  static Result stepUntilConverged(
      ClusterFormation formation, List<Endpoint> endpoints, int masters, List<Endpoint> leaving) {
    AtomicReference<Result> last = new AtomicReference<>();
    Awaitility.await("cluster converged")
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              long from = Timeline.millis();
              last.set(formation.step(endpoints, masters, leaving));
              String actions = String.join("; ", last.get().actions());
              LOG.info(
                  String.format(
                      "SCALING step t=%d..%d ms: %s",
                      from,
                      Timeline.millis(),
                      actions.length() > 600 ? actions.substring(0, 600) + "..." : actions));
              return last.get().converged();
            },
            converged -> converged);
    return last.get();
  }

  /** One clock for the writer's failures and the steps' actions. */
  static final class Timeline {
    private static final long START = System.nanoTime();

    static long millis() {
      return (System.nanoTime() - START) / 1_000_000;
    }
  }

  /**
   * A client application: a cluster client that follows MOVED/ASK and refreshes its topology,
   * writing {@code w:<n> = <n>} one at a time and remembering every acknowledged write.
   */
  static final class Writer implements AutoCloseable {
    private final RedisClusterClient client;
    private final StatefulRedisClusterConnection<String, String> connection;
    private final BitSet acked = new BitSet();
    private final AtomicLong ackedCount = new AtomicLong();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean running = new AtomicBoolean(true);
    private Thread thread;

    Writer(int seedPort) {
      // The gateway's client: Lettuce's own may adopt a joining node's view that misses slots.
      client = SlotCoverageClusterClient.create(resources, List.of(RedisNodes.uri(seedPort)));
      client.setOptions(
          ClusterClientOptions.builder()
              .maxRedirects(10)
              .topologyRefreshOptions(
                  ClusterTopologyRefreshOptions.builder()
                      .enableAllAdaptiveRefreshTriggers()
                      .enablePeriodicRefresh(Duration.ofSeconds(2))
                      .build())
              .build());
      connection = client.connect();
      connection.setTimeout(Duration.ofSeconds(10));
    }

    void preload(int keys) throws Exception {
      RedisAdvancedClusterAsyncCommands<String, String> async = connection.async();
      List<RedisFuture<String>> futures = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        futures.add(async.set("p:" + i, "p" + i));
        if (futures.size() == 1000 || i == keys - 1) {
          for (RedisFuture<String> f : futures) {
            assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("OK");
          }
          futures.clear();
        }
      }
    }

    void start() {
      thread =
          new Thread(
              () -> {
                for (int n = 0; running.get(); n++) {
                  String key = "w:" + n;
                  try {
                    if ("OK".equals(connection.sync().set(key, Integer.toString(n)))) {
                      synchronized (acked) {
                        acked.set(n);
                      }
                      ackedCount.incrementAndGet();
                    }
                  } catch (RuntimeException e) {
                    // Every failure with what a user would see: when, which key and slot, and the
                    // whole cause chain.
                    failures.add(
                        String.format(
                            "t=%d ms %s (slot %d): %s",
                            Timeline.millis(), key, SlotHash.getSlot(key), causes(e)));
                  }
                }
              },
              "cluster-writer");
      thread.start();
    }

    void awaitWrites(long n) {
      Awaitility.await("writes flowing")
          .atMost(Duration.ofSeconds(30))
          .until(() -> ackedCount.get() >= n);
    }

    long acked() {
      return ackedCount.get();
    }

    long failed() {
      return failures.size();
    }

    /**
     * Every failed write: time on the {@link Timeline}, key, slot and the exception's cause chain.
     */
    List<String> failures() {
      synchronized (failures) {
        return List.copyOf(failures);
      }
    }

    void stopWriting() throws InterruptedException {
      running.set(false);
      thread.join(TimeUnit.SECONDS.toMillis(30));
      failures().forEach(f -> LOG.info("SCALING failed write: " + f));
    }

    private static String causes(Throwable e) {
      StringBuilder out = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
        out.append(out.length() == 0 ? "" : " <- ")
            .append(t.getClass().getName())
            .append(": ")
            .append(t.getMessage());
      }
      return out.toString();
    }

    /** Every acknowledged and preloaded key that is missing or has another value. */
    Map<String, String> missingOrWrong(int preloaded) throws Exception {
      RedisAdvancedClusterAsyncCommands<String, String> async = connection.async();
      Map<String, String> wrong = new TreeMap<>();
      List<String> keys = new ArrayList<>();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < preloaded; i++) {
        keys.add("p:" + i);
        expected.add("p" + i);
      }
      synchronized (acked) {
        acked.stream()
            .forEach(
                n -> {
                  keys.add("w:" + n);
                  expected.add(Integer.toString(n));
                });
      }
      for (int from = 0; from < keys.size(); from += 1000) {
        List<RedisFuture<String>> futures = new ArrayList<>();
        for (int i = from; i < Math.min(keys.size(), from + 1000); i++) {
          futures.add(async.get(keys.get(i)));
        }
        for (int i = 0; i < futures.size(); i++) {
          String value = futures.get(i).get(10, TimeUnit.SECONDS);
          if (!expected.get(from + i).equals(value)) {
            wrong.put(keys.get(from + i), String.valueOf(value));
          }
        }
      }
      LOG.info("SCALING verified keys: " + keys.size());
      return wrong;
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      if (thread != null) {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      }
      connection.close();
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
