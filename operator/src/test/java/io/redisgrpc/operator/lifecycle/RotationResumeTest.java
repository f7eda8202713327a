package io.redisgrpc.operator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.redisgrpc.operator.LoopbackPods;
import io.redisgrpc.operator.TestCluster;
import io.redisgrpc.operator.crd.AuthSpec;
import io.redisgrpc.operator.crd.ClusterSpec;
import io.redisgrpc.operator.crd.RedisGrpcCache;
import io.redisgrpc.operator.crd.RedisGrpcCacheSpec;
import io.redisgrpc.operator.crd.RedisMode;
import io.redisgrpc.operator.credentials.CredentialStore;
import io.redisgrpc.operator.credentials.rotation.RotationPhase;
import io.redisgrpc.operator.testing.CacheApi;
import io.redisgrpc.operator.testing.ClientSpecs;
import io.redisgrpc.operator.testing.ManualClock;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisClusterHarness;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credential rotation stopped after every single step and resumed by a new operator: each round
 * below is run by a fresh {@link RedisLifecycle} that knows nothing but what is in the cluster (the
 * API server's Secrets and the Redis nodes), exactly what a restarted operator has. Time is a clock
 * the test moves, so the grace period and the rotation interval pass without waiting.
 *
 * <p>After every round the invariant of the design is checked on every node: the passwords the
 * consumers hold right now (the gateway's Secret, the replication password in the credentials
 * Secret) are accepted.
 */
@Integration
class RotationResumeTest {
  static KubernetesClient client;
  static String namespace;
  static CacheApi caches;
  static ClientResources resources;

  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    client = TestCluster.client();
    namespace = TestCluster.newNamespace("rot");
    caches = new CacheApi(client, namespace, Duration.ofSeconds(60));
    resources = DefaultClientResources.create();
  }

  @AfterAll
  static void stop() {
    resources.shutdown();
  }

  @Test
  void aRotationStoppedAfterAnyRoundIsFinishedByANewOperatorAndNeverLocksAConsumerOut() {
    try (RedisClusterHarness nodes = RedisClusterHarness.startNodes(dir, 3, 0, List.of())) {
      RedisGrpcCache cache = createCache();
      RedisEndpoints.Topology topology = LoopbackPods.topology(nodes.nodes(), List.of());
      ManualClock clock = new ManualClock(Instant.parse("2026-11-22T12:00:00Z"));

      List<RotationPhase> phases = new ArrayList<>();
      Map<String, String> first = null;
      for (int round = 0; round < 80; round++) {
        RedisLifecycle.Outcome outcome =
            new RedisLifecycle(client, resources, clock, Duration.ofSeconds(2))
                .round(cache, topology);
        RotationPhase phase = outcome.credentials().rotation().phase();
        if (phases.isEmpty() || phases.get(phases.size() - 1) != phase) {
          phases.add(phase);
        }
        if (first == null) {
          first = caches.secretData("r1-credentials");
        }
        assertConsumersAccepted(
            nodes.nodes(),
            "after round "
                + round
                + " ("
                + phase
                + "): "
                + outcome
                    .redis()
                    .map(
                        o ->
                            "reached "
                                + o.reached()
                                + "/"
                                + o.expected()
                                + ", acl in sync "
                                + o.aclInSync()
                                + ", actions "
                                + o.actions()
                                + ", problems "
                                + o.problems())
                    .orElse("Redis not asked"));
        if (phase == RotationPhase.Use
            && !caches.secretData("r1-credentials").containsKey("_gateway.pending")) {
          clock.advance(Duration.ofMinutes(6)); // the 5m grace period passes
        }
        if (outcome.credentials().rotation().generation() == 2 && phase == RotationPhase.Idle) {
          break;
        }
      }
      assertThat(phases)
          .as(
              "every phase passed, in order, each persisted by one operator and read back by the next")
          .containsExactly(
              RotationPhase.Prepare,
              RotationPhase.Trust,
              RotationPhase.Use,
              RotationPhase.Retire,
              RotationPhase.Idle);

      Map<String, String> after = caches.secretData("r1-credentials");
      assertThat(after.keySet())
          .noneMatch(key -> key.endsWith(".pending") || key.endsWith(".retiring"));
      for (String user :
          List.of("_operator", "_replication", "_sentinel", "_exporter", "_gateway", "orders")) {
        assertThat(after.get(user)).as("%s has a new password", user).isNotEqualTo(first.get(user));
        for (RedisProcess node : nodes.nodes()) {
          String oldPassword = first.get(user);
          assertThat(RedisNodes.loginReply(node.port(), user, oldPassword))
              .as("old %s password retired on %s", user, node.port())
              .startsWith("WRONGPASS");
        }
      }

      // The interval: an hour later the next rotation starts by itself.
      clock.advance(Duration.ofHours(1).plusMinutes(1));
      RedisLifecycle.Outcome next =
          new RedisLifecycle(client, resources, clock, Duration.ofSeconds(2))
              .round(cache, topology);
      assertThat(next.credentials().rotation().generation()).isEqualTo(3);
      assertThat(next.credentials().rotation().phase()).isEqualTo(RotationPhase.Prepare);
      assertConsumersAccepted(nodes.nodes(), "after the next rotation's first round");
    }
  }

  private static RedisGrpcCache createCache() {
    RedisGrpcCache cache = new RedisGrpcCache();
    cache.setMetadata(
        new ObjectMetaBuilder()
            .withName("r1")
            .withNamespace(namespace)
            .withAnnotations(Map.of(CredentialStore.ROTATE_ANNOTATION, "first"))
            .build());
    RedisGrpcCacheSpec spec = new RedisGrpcCacheSpec();
    spec.redis.mode = RedisMode.Cluster;
    spec.redis.cluster = new ClusterSpec();
    spec.redis.cluster.replicasPerShard = 0;
    spec.auth.rotation.interval = "1h";
    spec.auth.rotation.gracePeriod = "5m";
    spec.auth.clients.add(
        ClientSpecs.client(
            "orders", "orders:", null, AuthSpec.Permission.READ, AuthSpec.Permission.WRITE));
    cache.setSpec(spec);
    return client.resource(cache).create();
  }

  /** The invariant: what consumers hold now works on every node. */
  private static void assertConsumersAccepted(List<RedisProcess> nodes, String when) {
    Map<String, String> gateway = caches.secretData("r1-gateway-credentials");
    Map<String, String> credentials = caches.secretData("r1-credentials");
    for (RedisProcess node : nodes) {
      assertThat(login(node, "_gateway", gateway.get("_gateway")))
          .as("gateway on %s %s", node.port(), when)
          .isEqualTo("OK");
      assertThat(login(node, "orders", gateway.get("orders")))
          .as("client orders on %s %s", node.port(), when)
          .isEqualTo("OK");
      assertThat(login(node, "_replication", credentials.get("_replication")))
          .as("replication on %s %s", node.port(), when)
          .isEqualTo("OK");
    }
  }

  /** The node's reply to AUTH, so a refusal fails the assertion with what the round did. */
  private static String login(RedisProcess node, String user, String password) {
    return RedisNodes.loginReply(node.port(), user, password);
  }
}
