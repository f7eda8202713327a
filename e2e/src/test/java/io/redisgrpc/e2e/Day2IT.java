package io.redisgrpc.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.readiness.Readiness;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import io.redisgrpc.operator.crd.PersistenceMode;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.testkit.RedisNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Day 2 on real pods, under continuous gRPC writes through the gateway ({@link Traffic}): pods
 * deleted, shards added and removed, passwords rotated. Each scenario is a row of the table written
 * to target/day2.md: requests, failed calls by code, lost acknowledged writes and the longest
 * stretch without a successful call.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class Day2IT {
  private static final Logger LOG = LoggerFactory.getLogger(Day2IT.class);
  static final Duration DEADLINE = Duration.ofMinutes(6);
  static final List<String> ROWS = new ArrayList<>();
  static E2eEnvironment env;
  static DeployedCache cluster;

  static final String CLUSTER =
      """
      apiVersion: cache.redisgrpc.io/v1alpha1
      kind: RedisGrpcCache
      metadata: {name: day2}
      spec:
        redis:
          mode: Cluster
          cluster: {shards: 3, replicasPerShard: 1}
          # RDB on the node's local-path volumes: deleting every pod at once loses nothing.
          persistence: {mode: RDB, size: 256Mi}
        auth:
          # Longer than the kubelet takes to project a changed Secret into the gateway (about a minute).
          rotation: {interval: 720h, gracePeriod: 2m}
      """;

  @BeforeAll
  static void environment() {
    env = E2eEnvironment.get();
  }

  /** The Cluster cache of the Cluster scenarios, applied by the first of them that runs. */
  static void clusterDeployed() {
    if (cluster == null) {
      cluster = DeployedCache.applyManifest(env, CLUSTER, "e2e-day2");
      cluster.awaitReady(DEADLINE);
    }
  }

  /**
   * The Sentinel cache; the Cluster cache goes first, so the 2-core node runs one cache at a time.
   */
  static void sentinelDeployed() {
    if (sentinel == null) {
      removeCluster();
      sentinel = DeployedCache.applyManifest(env, SENTINEL, "e2e-day2s");
      sentinel.awaitReady(DEADLINE);
    }
  }

  static void removeCluster() {
    if (cluster != null) {
      cluster.deleteAndAwaitGone();
      cluster.deleteNamespace();
      cluster = null;
    }
  }

  @AfterAll
  static void cleanUpAndWriteTable() throws IOException {
    try {
      removeCluster();
      if (sentinel != null) {
        sentinel.deleteAndAwaitGone();
        sentinel.deleteNamespace();
      }
    } finally {
      // A failed delete above still must not leave pods holding the node's CPU for the next class.
      DeployedCache.removeLeftovers();
      writeTable();
    }
  }

  static void writeTable() throws IOException {
    StringBuilder table =
        new StringBuilder(
                "| scenario | requests | failed, by code | lost acknowledged writes | longest unavailability |\n")
            .append("|---|---:|---|---:|---:|\n");
    ROWS.forEach(row -> table.append(row).append('\n'));
    Path out = env.root.resolve("e2e/target/day2.md");
    Files.writeString(out, table.toString());
    LOG.info("day-2 table ({}):\n{}", out, table);
  }

  static void row(String scenario, Traffic.Report report) {
    LOG.info("{}: {}", scenario, report);
    ROWS.add(
        "| "
            + scenario
            + " | "
            + report.requests()
            + " | "
            + report.failedText()
            + " | "
            + report.lost()
            + " | "
            + String.format("%.1f s", report.longestGap().toMillis() / 1000.0)
            + " |");
  }

  @Test
  @Order(1)
  void clusterMasterPodDeletedComesBackOnANewIpAndTheClusterHeals() throws Exception {
    clusterDeployed();
    try (GatewayClient client = GatewayClient.plaintext(cluster.gatewayService())) {
      Traffic traffic = Traffic.start(client, "master-delete", 4, 25);
      awaitWrites(traffic, 200);
      Pod master =
          clusterPods().stream()
              .filter(pod -> "master".equals(role(pod)))
              .findFirst()
              .orElseThrow();
      String oldIp = master.getStatus().getPodIP();
      LOG.info("deleting master pod {} ({})", master.getMetadata().getName(), oldIp);
      cluster
          .client
          .pods()
          .inNamespace(cluster.namespace)
          .withName(master.getMetadata().getName())
          .delete();
      // The pod comes back (same name, new address, its nodes.conf and RDB on its volume). If it
      // is back within cluster-node-timeout (5 s) it is still the master; later, its replica has
      // taken over and it rejoins as a replica. Either way every node announces its pod's address
      // and the cache is Ready again.
      Awaitility.await("the deleted master's pod back on its address, the cache Ready")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(
              () -> {
                Pod back =
                    cluster
                        .client
                        .pods()
                        .inNamespace(cluster.namespace)
                        .withName(master.getMetadata().getName())
                        .get();
                return back != null
                    && back.getStatus().getPodIP() != null
                    && !back.getMetadata().getUid().equals(master.getMetadata().getUid())
                    && ready(cluster.get())
                    && everyNodeAnnouncesItsPodIp();
              });
      Pod back =
          cluster
              .client
              .pods()
              .inNamespace(cluster.namespace)
              .withName(master.getMetadata().getName())
              .get();
      LOG.info(
          "pod {} back at {} as {}",
          back.getMetadata().getName(),
          back.getStatus().getPodIP(),
          role(back));
      awaitWrites(traffic, traffic.acknowledgedCount() + 200);
      Traffic.Report report = traffic.stop();
      row("Cluster: delete a master pod (back as " + role(back) + ")", report);
      RedisGrpcCache cache = cluster.get();
      assertThat(cache.getStatus().redis.masters).isEqualTo(3);
      assertThat(cache.getStatus().redis.slotsAssigned).isEqualTo(16384);
      assertThat(cache.getStatus().redis.minReplicasPerMaster).isEqualTo(1);
      assertThat(report.lost()).as("lost acknowledged writes: %s", report).isZero();
      assertThat(report.failedByCode().keySet())
          .as("only UNAVAILABLE while the slots have no master: %s", report)
          .isSubsetOf("UNAVAILABLE", "DEADLINE_EXCEEDED");
    }
  }

  /** Every Redis pod's CLUSTER NODES names it at its pod IP (myself line). */
  static boolean everyNodeAnnouncesItsPodIp() {
    return clusterPods().stream()
        .allMatch(
            pod -> {
              String nodes = withOperator(pod, c -> c.clusterNodes());
              return nodes
                  .lines()
                  .anyMatch(
                      line ->
                          line.contains("myself")
                              && line.split(" ")[1].startsWith(pod.getStatus().getPodIP() + ":"));
            });
  }

  @Test
  @Order(2)
  void clusterScalesThreeToFourShardsAndBackWithoutAFailedWrite() throws Exception {
    clusterDeployed();
    try (GatewayClient client = GatewayClient.plaintext(cluster.gatewayService())) {
      Traffic traffic = Traffic.start(client, "reshard", 4, 25);
      awaitWrites(traffic, 200);
      edit(c -> c.getSpec().redis.cluster.shards = 4);
      awaitCluster(c -> c.getStatus().redis.masters == 4 && ready(c));
      Traffic.Report up = traffic.stop();
      row("Cluster: shards 3 -> 4", up);

      Traffic down = Traffic.start(client, "unshard", 4, 25);
      awaitWrites(down, 200);
      edit(c -> c.getSpec().redis.cluster.shards = 3);
      awaitCluster(
          c ->
              c.getStatus().redis.masters == 3
                  && c.getStatus().redis.desiredPods == 6
                  && ready(c)
                  && clusterPods().size() == 6);
      Traffic.Report back = down.stop();
      row("Cluster: shards 4 -> 3", back);
      for (Traffic.Report report : List.of(up, back)) {
        assertThat(report.lost()).as("lost acknowledged writes: %s", report).isZero();
        assertThat(report.failed()).as("failed writes while resharding: %s", report).isZero();
      }
    }
  }

  @Test
  @Order(4)
  void credentialRotationThroughTheKubeletsSecretProjectionFailsNoRequest() throws Exception {
    clusterDeployed();
    long generation = cluster.get().getStatus().credentials.generation;
    try (GatewayClient client = GatewayClient.plaintext(cluster.gatewayService())) {
      Traffic traffic = Traffic.start(client, "rotation", 4, 25);
      awaitWrites(traffic, 200);
      cluster.kubectl(
          "annotate",
          "rgc",
          cluster.name,
          "--overwrite",
          "cache.redisgrpc.io/rotate-credentials=e2e-" + System.nanoTime());
      // Prepare, Trust, Use, the grace period (2m), Retire: back to Idle with the next generation.
      awaitCluster(
          c ->
              c.getStatus().credentials.generation > generation
                  && "Idle".equals(c.getStatus().credentials.phase)
                  && ready(c));
      awaitWrites(traffic, traffic.acknowledgedCount() + 200);
      Traffic.Report report = traffic.stop();
      row("Credential rotation (every password, through the kubelet's Secret projection)", report);
      assertThat(report.lost()).as("lost acknowledged writes: %s", report).isZero();
      assertThat(report.failed()).as("failed requests across a rotation: %s", report).isZero();
    }
  }

  @Test
  @Order(3)
  void clusterReplicasPerShardOneToTwoAndBackWithoutAFailedWrite() throws Exception {
    clusterDeployed();
    try (GatewayClient client = GatewayClient.plaintext(cluster.gatewayService())) {
      Traffic traffic = Traffic.start(client, "replicas", 4, 25);
      awaitWrites(traffic, 200);
      edit(c -> c.getSpec().redis.cluster.replicasPerShard = 2);
      awaitCluster(
          c ->
              c.getStatus().redis.minReplicasPerMaster == 2
                  && ready(c)
                  && clusterPods().size() == 9);
      edit(c -> c.getSpec().redis.cluster.replicasPerShard = 1);
      awaitCluster(
          c ->
              c.getStatus().redis.desiredPods == 6
                  && c.getStatus().redis.minReplicasPerMaster == 1
                  && ready(c)
                  && clusterPods().size() == 6);
      awaitWrites(traffic, traffic.acknowledgedCount() + 200);
      Traffic.Report report = traffic.stop();
      row("Cluster: replicasPerShard 1 -> 2 -> 1", report);
      assertThat(report.lost()).as("lost acknowledged writes: %s", report).isZero();
      assertThat(report.failed())
          .as("failed writes while replicas come and go: %s", report)
          .isZero();
    }
  }

  /**
   * Runs after the rolling updates: each scenario starts from a cluster that has been healthy for a
   * while. Then a second row covers the minute after the cluster re-formed: a run of 3c83d6c saw it
   * answer CLUSTERDOWN again about 30 s after it first served (the cache still Ready), which broke
   * the rolling update that ran next (docs/day2.md, "Known gaps").
   */
  @Test
  @Order(8)
  void clusterEveryPodDeletedAtOnceReformsOnNewAddressesAndKeepsEveryKey() throws Exception {
    clusterDeployed();
    try (GatewayClient client = GatewayClient.plaintext(cluster.gatewayService())) {
      Traffic traffic = Traffic.start(client, "all-pods", 4, 25);
      awaitWrites(traffic, 200);
      List<Pod> before = clusterPods();
      List<String> oldUids = before.stream().map(p -> p.getMetadata().getUid()).toList();
      LOG.info("deleting every Redis pod of {} at once", cluster.name);
      cluster
          .client
          .pods()
          .inNamespace(cluster.namespace)
          .withLabel(DeployedCache.INSTANCE, cluster.name)
          .withLabel("app.kubernetes.io/component", "redis")
          .delete();
      awaitCluster(
          c ->
              ready(c)
                  && c.getStatus().redis.masters == 3
                  && c.getStatus().redis.slotsAssigned == 16384
                  && clusterPods().size() == 6
                  && clusterPods().stream()
                      .noneMatch(p -> oldUids.contains(p.getMetadata().getUid())));
      long resumed = traffic.acknowledgedCount();
      awaitWrites(traffic, resumed + 200);
      Traffic.Report report = traffic.stop();
      row("Cluster: delete every pod at once (RDB persistence)", report);
      assertThat(report.lost()).as("lost acknowledged writes: %s", report).isZero();
      assertThat(report.failedByCode().keySet())
          .as("only UNAVAILABLE while no master serves: %s", report)
          .isSubsetOf("UNAVAILABLE", "DEADLINE_EXCEEDED");

      // The minute after: 6,000 more writes (100 a second when all goes well), every one kept.
      Traffic after = Traffic.start(client, "all-pods-after", 4, 25);
      Awaitility.await("6000 writes after the cluster re-formed")
          .atMost(Duration.ofMinutes(4))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> after.acknowledgedCount() >= 6000);
      Traffic.Report settled = after.stop();
      row("Cluster: the minute after re-forming from every pod deleted", settled);
      assertThat(settled.lost()).as("lost acknowledged writes: %s", settled).isZero();
      assertThat(settled.failedByCode().keySet())
          .as("only UNAVAILABLE while no master serves: %s", settled)
          .isSubsetOf("UNAVAILABLE", "DEADLINE_EXCEEDED");
    }
  }

  /**
   * A new Redis image under writes (the node's image under a second tag): the operator restarts the
   * replicas first, then hands each master over (CLUSTER FAILOVER) and restarts it as a replica,
   * one pod at a time through the Eviction API.
   */
  @Test
  @Order(6)
  void clusterNewImageIsRolledOutByTheOperatorWithoutLosingAWrite() throws Exception {
    clusterDeployed();
    // 2.0 s measured (docs/day2.md)
    rollToNewImage(cluster, "Cluster", 6 + 3, Duration.ofSeconds(5));
  }

  /**
   * A setting Redis reads only at start (persistence RDB -> RDB and AOF) changes the pods' config
   * hash: the operator rolls every pod the same way as for a new image.
   */
  @Test
  @Order(7)
  void clusterRestartRequiredSettingIsRolledOutByTheOperatorWithoutLosingAWrite() throws Exception {
    clusterDeployed();
    rollOut(
        cluster,
        "Cluster",
        "a restart-required setting (persistence RDB -> RDB and AOF) rolled by the operator",
        c -> c.getSpec().redis.persistence.mode = PersistenceMode.RDBAndAOF,
        pod -> true,
        6 + 3,
        Duration.ofSeconds(5));
    assertThat(
            cluster
                .client
                .configMaps()
                .inNamespace(cluster.namespace)
                .withName(cluster.name + "-config")
                .get()
                .getData()
                .get("redis.conf"))
        .contains("appendonly yes");
  }

  /** Rolls {@code cache} to a second tag of the Redis image under writes; a table row. */
  static void rollToNewImage(DeployedCache cache, String mode, int minimumSteps, Duration gapBound)
      throws Exception {
    String rolled = env.redisImage + "-rolled";
    env.node.tag(env.redisImage, rolled);
    rollOut(
        cache,
        mode,
        "new Redis image rolled by the operator (replicas first, masters handed over)",
        c -> c.getSpec().redis.image = rolled,
        pod -> rolled.equals(pod.getSpec().getContainers().get(0).getImage()),
        minimumSteps,
        gapBound);
  }

  /**
   * Applies {@code change} under writes and waits until every Redis pod was replaced by one that is
   * ready and satisfies {@code rolled}; a table row.
   */
  static void rollOut(
      DeployedCache cache,
      String mode,
      String what,
      Consumer<RedisGrpcCache> change,
      Predicate<Pod> rolled,
      int minimumSteps,
      Duration gapBound)
      throws Exception {
    try (GatewayClient client = GatewayClient.plaintext(cache.gatewayService())) {
      Traffic traffic = Traffic.start(client, "rolling-" + mode.toLowerCase(), 4, 25);
      awaitWrites(traffic, 200);
      List<String> oldUids = redisPods(cache).stream().map(p -> p.getMetadata().getUid()).toList();
      int pods = oldUids.size();
      Set<String> eventsBefore = new HashSet<>(eventNames(cache));
      edit(cache, change);
      awaitStatus(
          cache,
          c ->
              ready(c)
                  && redisPods(cache).size() == pods
                  && redisPods(cache).stream()
                      .allMatch(
                          p ->
                              !oldUids.contains(p.getMetadata().getUid())
                                  && rolled.test(p)
                                  && podReady(p)));
      awaitWrites(traffic, traffic.acknowledgedCount() + 200);
      Traffic.Report report = traffic.stop();
      // What happened in the namespace meanwhile: the operator's steps, and anything else that
      // replaced a pod (a kubelet eviction, a container killed), so a wrong count explains itself.
      List<Event> during =
          cache.client.v1().events().inNamespace(cache.namespace).list().getItems().stream()
              .filter(e -> !eventsBefore.contains(e.getMetadata().getName()))
              .sorted(Comparator.comparing(e -> e.getMetadata().getCreationTimestamp()))
              .toList();
      List<String> steps =
          during.stream()
              .filter(
                  e ->
                      "RollingUpdate".equals(e.getReason())
                          && cache.name.equals(e.getInvolvedObject().getName()))
              .map(e -> e.getMessage())
              .toList();
      String timeline =
          during.stream()
              .filter(
                  e ->
                      !"Normal".equals(e.getType())
                          || "RollingUpdate".equals(e.getReason())
                          || "Killing".equals(e.getReason())
                          || "Evicted".equals(e.getReason()))
              .map(
                  e ->
                      e.getMetadata().getCreationTimestamp()
                          + " "
                          + e.getInvolvedObject().getKind()
                          + "/"
                          + e.getInvolvedObject().getName()
                          + " "
                          + e.getReason()
                          + ": "
                          + e.getMessage())
              .collect(Collectors.joining("\n  ", "\n  ", ""));
      row(mode + ": " + what, report);
      LOG.info("{}: {} in {} operator steps:{}", cache.name, what, steps.size(), timeline);
      SoftAssertions.assertSoftly(
          soft -> {
            soft.assertThat(report.lost()).as("lost acknowledged writes: %s", report).isZero();
            // DEADLINE_EXCEEDED: in Cluster mode a write held by a hand-over, or sent to a node
            // being
            // reconnected, waits for its deadline instead of failing fast (docs/day2.md, known
            // gaps).
            soft.assertThat(report.failedByCode().keySet())
                .as("only UNAVAILABLE or a deadline while a master changes: %s", report)
                .isSubsetOf("UNAVAILABLE", "DEADLINE_EXCEEDED");
            soft.assertThat(report.longestGap())
                .as("longest stretch without a served write: %s", report)
                .isLessThan(gapBound);
            soft.assertThat(steps)
                .as(
                    "a restart per pod and a hand-over per master, each an Event; meanwhile:%s",
                    timeline)
                .hasSizeGreaterThanOrEqualTo(minimumSteps);
          });
    }
  }

  /** Names of the Events in the cache's namespace now. */
  static List<String> eventNames(DeployedCache cache) {
    return cache.client.v1().events().inNamespace(cache.namespace).list().getItems().stream()
        .map(e -> e.getMetadata().getName())
        .toList();
  }

  static List<Pod> redisPods(DeployedCache cache) {
    return cache
        .client
        .pods()
        .inNamespace(cache.namespace)
        .withLabel(DeployedCache.INSTANCE, cache.name)
        .withLabel("app.kubernetes.io/component", "redis")
        .list()
        .getItems()
        .stream()
        .filter(
            pod ->
                pod.getMetadata().getDeletionTimestamp() == null
                    && pod.getStatus().getPodIP() != null)
        .toList();
  }

  static final String SENTINEL =
      """
      apiVersion: cache.redisgrpc.io/v1alpha1
      kind: RedisGrpcCache
      metadata: {name: day2s}
      spec:
        redis:
          mode: Sentinel
          sentinel: {replicas: 3, sentinels: 3, quorum: 2}
          persistence: {mode: RDB, size: 256Mi}
      """;
  static DeployedCache sentinel;

  @Test
  @Order(10)
  void sentinelMasterPodDeletedTheMasterServiceFollowsAndWritesResume() throws Exception {
    sentinelDeployed();
    try (GatewayClient client = GatewayClient.plaintext(sentinel.gatewayService())) {
      Traffic traffic = Traffic.start(client, "sentinel-master-delete", 4, 25);
      awaitWrites(traffic, 200);
      String master = sentinel.get().getStatus().redis.master;
      Pod old = sentinel.client.pods().inNamespace(sentinel.namespace).withName(master).get();
      LOG.info("deleting the Sentinel master pod {} ({})", master, old.getStatus().getPodIP());
      sentinel.client.pods().inNamespace(sentinel.namespace).withName(master).delete();
      // Writes are served again once a replica is promoted: by the sentinels (the pod was gone
      // longer than down-after-milliseconds, 5 s), or earlier by the pod itself, which the
      // sentinels still name master when it comes back and which hands over before it starts.
      // When no replica can take over then (the sentinels answer NOGOODSLAVE), the new pod starts
      // as master with the data its predecessor saved on the way out: also a valid outcome, as
      // long as no acknowledged write is lost (checked below).
      long before = traffic.acknowledgedCount();
      Awaitility.await("writes served again after the master went")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () ->
                  traffic.acknowledgedCount() > before + 50
                      && traffic.sinceLastSuccessNanos() < 200_000_000L);
      String[] outcome = new String[1];
      Awaitility.await("status and the master Service name the master pod")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(
              () -> {
                RedisGrpcCache cache = sentinel.get();
                String now = cache.getStatus().redis.master;
                var endpoints =
                    sentinel
                        .client
                        .endpoints()
                        .inNamespace(sentinel.namespace)
                        .withName(sentinel.name + "-master")
                        .get();
                Pod newMaster =
                    sentinel.client.pods().inNamespace(sentinel.namespace).withName(now).get();
                boolean samePodName = master.equals(now);
                outcome[0] =
                    samePodName
                        ? "the new " + now + " pod took over as master"
                        : "replica " + now + " promoted";
                return newMaster != null
                    && !newMaster.getMetadata().getUid().equals(old.getMetadata().getUid())
                    && endpoints.getSubsets().size() == 1
                    && endpoints.getSubsets().get(0).getAddresses().stream()
                        .map(a -> a.getIp())
                        .toList()
                        .equals(List.of(newMaster.getStatus().getPodIP()));
              });
      sentinel.awaitReady(DEADLINE);
      awaitWrites(traffic, traffic.acknowledgedCount() + 200);
      Traffic.Report report = traffic.stop();
      row("Sentinel: delete the master pod (" + outcome[0] + ")", report);
      LOG.info(
          "Sentinel master {} deleted, {}; longest gap {} ms",
          master,
          outcome[0],
          report.longestGap().toMillis());
      assertThat(report.lost()).as("lost acknowledged writes: %s", report).isZero();
      assertThat(report.failedByCode().keySet())
          .as("only UNAVAILABLE during the failover: %s", report)
          .isSubsetOf("UNAVAILABLE", "DEADLINE_EXCEEDED");
      assertThat(report.longestGap())
          .as("writes served again within 10 s (6.3 s measured: docs/day2.md)")
          .isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  @Order(11)
  void sentinelASentinelPodDeletedFailsNoRequest() throws Exception {
    sentinelDeployed();
    try (GatewayClient client = GatewayClient.plaintext(sentinel.gatewayService())) {
      Traffic traffic = Traffic.start(client, "sentinel-delete", 4, 25);
      awaitWrites(traffic, 200);
      Pod victim = sentinelPods("sentinel").get(0);
      LOG.info("deleting sentinel pod {}", victim.getMetadata().getName());
      sentinel
          .client
          .pods()
          .inNamespace(sentinel.namespace)
          .withName(victim.getMetadata().getName())
          .delete();
      Awaitility.await("the sentinel back, the cache Ready")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(
              () ->
                  sentinelPods("sentinel").stream()
                          .anyMatch(
                              p ->
                                  p.getMetadata().getName().equals(victim.getMetadata().getName())
                                      && !p.getMetadata()
                                          .getUid()
                                          .equals(victim.getMetadata().getUid())
                                      && podReady(p))
                      && ready(sentinel.get()));
      awaitWrites(traffic, traffic.acknowledgedCount() + 200);
      Traffic.Report report = traffic.stop();
      row("Sentinel: delete a sentinel pod", report);
      assertThat(report.lost()).as("lost acknowledged writes: %s", report).isZero();
      assertThat(report.failed())
          .as("failed requests while a sentinel restarts: %s", report)
          .isZero();
    }
  }

  @Test
  @Order(12)
  void sentinelReplicasUpAndDownLoseNothing() throws Exception {
    sentinelDeployed();
    try (GatewayClient client = GatewayClient.plaintext(sentinel.gatewayService())) {
      Traffic traffic = Traffic.start(client, "sentinel-scale", 4, 25);
      awaitWrites(traffic, 200);
      editSentinel(c -> c.getSpec().redis.sentinel.replicas = 4);
      awaitSentinel(
          c ->
              ready(c)
                  && c.getStatus().redis.desiredPods == 4
                  && c.getStatus().redis.readyPods == 4);
      editSentinel(c -> c.getSpec().redis.sentinel.replicas = 3);
      awaitSentinel(
          c ->
              ready(c)
                  && c.getStatus().redis.desiredPods == 3
                  && sentinelPods("redis").size() == 3);
      awaitWrites(traffic, traffic.acknowledgedCount() + 200);
      Traffic.Report report = traffic.stop();
      row("Sentinel: data pods 3 -> 4 -> 3", report);
      assertThat(report.lost()).as("lost acknowledged writes: %s", report).isZero();
      assertThat(report.failedByCode().keySet())
          .as("at most a failover's UNAVAILABLE: %s", report)
          .isSubsetOf("UNAVAILABLE", "DEADLINE_EXCEEDED");
    }
  }

  @Test
  @Order(13)
  void sentinelEveryPodDeletedAtOnceComesBackWithEveryKey() throws Exception {
    sentinelDeployed();
    try (GatewayClient client = GatewayClient.plaintext(sentinel.gatewayService())) {
      Traffic traffic = Traffic.start(client, "sentinel-all", 4, 25);
      awaitWrites(traffic, 200);
      List<String> oldUids = sentinel.pods().stream().map(p -> p.getMetadata().getUid()).toList();
      LOG.info("deleting every Redis and sentinel pod of {} at once", sentinel.name);
      for (String component : List.of("redis", "sentinel")) {
        sentinel
            .client
            .pods()
            .inNamespace(sentinel.namespace)
            .withLabel(DeployedCache.INSTANCE, sentinel.name)
            .withLabel("app.kubernetes.io/component", component)
            .delete();
      }
      awaitSentinel(
          c ->
              ready(c)
                  && sentinelPods("redis").size() == 3
                  && sentinelPods("sentinel").size() == 3
                  && Stream.concat(
                          sentinelPods("redis").stream(), sentinelPods("sentinel").stream())
                      .noneMatch(p -> oldUids.contains(p.getMetadata().getUid())));
      awaitWrites(traffic, traffic.acknowledgedCount() + 200);
      Traffic.Report report = traffic.stop();
      row("Sentinel: delete every pod at once (RDB persistence)", report);
      assertThat(report.lost()).as("lost acknowledged writes: %s", report).isZero();
      assertThat(report.failedByCode().keySet())
          .as("only UNAVAILABLE while no master serves: %s", report)
          .isSubsetOf("UNAVAILABLE", "DEADLINE_EXCEEDED");
    }
  }

  @Test
  @Order(14)
  @Disabled(
      "issue 10: lost 644 acknowledged writes in the fresh-clone CI of 9efcf46: the sentinels took"
          + " longer than the hand-over's 30 s write pause to switch, the pause lapsed, and the old"
          + " master acknowledged writes its demotion then discarded (docs/day2.md, known gaps)")
  void sentinelNewImageIsRolledOutByTheOperatorWithoutLosingAWrite() throws Exception {
    sentinelDeployed();
    rollToNewImage(sentinel, "Sentinel", 3 + 1, Duration.ofSeconds(15));
  }

  static List<Pod> sentinelPods(String component) {
    return sentinel
        .client
        .pods()
        .inNamespace(sentinel.namespace)
        .withLabel(DeployedCache.INSTANCE, sentinel.name)
        .withLabel("app.kubernetes.io/component", component)
        .list()
        .getItems()
        .stream()
        .filter(
            pod ->
                pod.getMetadata().getDeletionTimestamp() == null
                    && pod.getStatus().getPodIP() != null)
        .toList();
  }

  static boolean podReady(Pod pod) {
    return Readiness.isPodReady(pod);
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Waits until the writers have {@code count} acknowledged writes; when they stall, the failure
   * says what the calls answered and what the caches' pods, logs and events showed.
   */
  static void awaitWrites(Traffic traffic, long count) {
    try {
      Awaitility.await("traffic flowing (" + count + " writes acknowledged)")
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> traffic.acknowledgedCount() >= count);
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          e.getMessage() + "\ntraffic: " + traffic.progress() + DeployedCache.describeLive(), e);
    }
  }

  static void edit(Consumer<RedisGrpcCache> change) {
    edit(cluster, change);
  }

  static void editSentinel(Consumer<RedisGrpcCache> change) {
    edit(sentinel, change);
  }

  /**
   * As {@code kubectl edit}: the edit carries the version it read, so when the operator wrote the
   * status in between (409 Conflict) it reads again and re-applies the change.
   */
  static void edit(DeployedCache cache, Consumer<RedisGrpcCache> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        cache
            .client
            .resources(RedisGrpcCache.class)
            .inNamespace(cache.namespace)
            .withName(cache.name)
            .edit(
                c -> {
                  change.accept(c);
                  return c;
                });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  static void awaitCluster(Predicate<RedisGrpcCache> condition) {
    awaitStatus(cluster, condition);
  }

  static void awaitSentinel(Predicate<RedisGrpcCache> condition) {
    awaitStatus(sentinel, condition);
  }

  /**
   * On timeout the failure says why: the cache's status, its pods' restarts and logs, the
   * operator's lines.
   */
  static void awaitStatus(DeployedCache cache, Predicate<RedisGrpcCache> condition) {
    try {
      Awaitility.await(cache.name + " status")
          .atMost(DEADLINE)
          .pollInterval(Duration.ofSeconds(1))
          .ignoreExceptions()
          .until(cache::get, c -> c != null && c.getStatus() != null && condition.test(c));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          cache.name
              + ": the expected status did not come within "
              + DEADLINE
              + "\n"
              + cache.describe(),
          e);
    }
  }

  static boolean ready(RedisGrpcCache cache) {
    return cache != null
        && cache.getStatus() != null
        && cache.getStatus().conditions.stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  static List<Pod> clusterPods() {
    return cluster
        .client
        .pods()
        .inNamespace(cluster.namespace)
        .withLabel(DeployedCache.INSTANCE, cluster.name)
        .withLabel("app.kubernetes.io/component", "redis")
        .list()
        .getItems()
        .stream()
        .filter(
            pod ->
                pod.getMetadata().getDeletionTimestamp() == null
                    && pod.getStatus().getPodIP() != null)
        .toList();
  }

  /** ROLE of a Redis pod, asked from the host by pod IP as the operator's ACL user. */
  static String role(Pod pod) {
    return Optional.ofNullable(withOperator(pod, c -> c.role().get(0)))
        .map(Object::toString)
        .orElse("");
  }

  static <T> T withOperator(Pod pod, Function<RedisCommands<String, String>, T> action) {
    String password =
        new String(
            Base64.getDecoder()
                .decode(cluster.secret(cluster.name + "-credentials").getData().get("_operator")));
    RedisURI uri =
        RedisURI.builder()
            .withHost(pod.getStatus().getPodIP())
            .withPort(6379)
            .withAuthentication("_operator", password.toCharArray())
            .withTimeout(Duration.ofSeconds(3))
            .build();
    return RedisNodes.withNode(uri, action);
  }
}
