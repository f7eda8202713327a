package io.redisgrpc.operator.redis.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.Range;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.resource.ClientResources;
import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.cluster.ClusterFormation.Result;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisClusterHarness;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Formation against real, unformed cluster-enabled redis-server processes. */
@Integration
class ClusterFormationTest {
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
  void formsA3x1ClusterAndASecondRunChangesNothing(@TempDir Path dir) {
    try (RedisClusterHarness nodes = RedisClusterHarness.startNodes(dir, 3, 1, List.of())) {
      List<Endpoint> endpoints = endpoints(nodes);
      ClusterFormation formation = new ClusterFormation(connections);
      Result formed = formUntilConverged(formation, endpoints, 3);
      assertThat(formed.report().slotsCovered()).isEqualTo(16384);
      assertThat(formed.report().masters()).isEqualTo(3);
      assertThat(formed.report().replicasPerMaster().values()).containsExactly(1, 1, 1);
      nodes.awaitHealthy(Duration.ofSeconds(10));

      Result again = formation.step(endpoints, 3);
      assertThat(again.converged()).isTrue();
      assertThat(again.actions()).isEmpty();
    }
  }

  @Test
  void completesAHalfFormedClusterAndKeepsItsData(@TempDir Path dir) {
    // As in the operator's redis.conf: a partly covered cluster still serves the slots it has.
    try (RedisClusterHarness nodes =
        RedisClusterHarness.startNodes(dir, 3, 1, List.of("cluster-require-full-coverage no"))) {
      List<Endpoint> endpoints = endpoints(nodes);
      RedisProcess first = nodes.nodes().get(0);
      // Half-formed by hand: node 0 serves slots 0-100 and holds a key; node 1 has met it; nothing
      // else.
      String key =
          IntStream.range(0, 100_000)
              .mapToObj(i -> "k" + i)
              .filter(k -> SlotHash.getSlot(k) <= 100)
              .findFirst()
              .orElseThrow();
      RedisNodes.withNode(first.port(), c -> c.clusterAddSlotsRange(Range.create(0, 100)));
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptions()
          .until(() -> "OK".equals(RedisNodes.withNode(first.port(), c -> c.set(key, "precious"))));
      RedisNodes.withNode(
          first.port(), c -> c.clusterMeet("127.0.0.1", nodes.nodes().get(1).port()));

      Result formed = formUntilConverged(new ClusterFormation(connections), endpoints, 3);
      assertThat(formed.report().slotsCovered()).isEqualTo(16384);
      String value = RedisNodes.withNode(first.port(), c -> c.get(key));
      Long keysInSlot =
          RedisNodes.withNode(first.port(), c -> c.clusterCountKeysInSlot(SlotHash.getSlot(key)));
      assertThat(value).isEqualTo("precious");
      assertThat(keysInSlot).isEqualTo(1L);
      nodes.awaitHealthy(Duration.ofSeconds(10));
    }
  }

  private static List<Endpoint> endpoints(RedisClusterHarness nodes) {
    List<Endpoint> endpoints = new ArrayList<>();
    nodes.nodes().forEach(node -> endpoints.add(new Endpoint("127.0.0.1", node.port(), null)));
    return endpoints;
  }

  /** Steps as the reconciler would (one step per reconciliation) until the cluster is complete. */
  private static Result formUntilConverged(
      ClusterFormation formation, List<Endpoint> endpoints, int masters) {
    AtomicReference<Result> last = new AtomicReference<>();
    Awaitility.await("cluster formed")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              last.set(formation.step(endpoints, masters));
              return last.get().converged();
            });
    return last.get();
  }
}
