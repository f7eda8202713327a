package io.redisgrpc.gateway;

import static io.redisgrpc.gateway.TestGateway.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.StatusRuntimeException;
import io.redisgrpc.api.v1.SetRequest;
import io.redisgrpc.testkit.Integration;
import io.redisgrpc.testkit.RedisClusterHarness;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes join a serving cluster while the gateway writes to every slot. A node that has just joined
 * reports masters before it knows their slots; the gateway re-reads the topology every 20 ms here,
 * so it reads such views, and must not adopt one (which refused every call for the slots it misses:
 * "Cannot determine a partition for slot").
 */
@Integration
class ClusterJoinTest {
  @TempDir Path dir;

  @Test
  void writesKeepSucceedingWhileNodesJoin() throws Exception {
    List<String> config =
        List.of(
            "cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 2000");
    List<RedisProcess> joined = new ArrayList<>();
    try (RedisClusterHarness cluster = RedisClusterHarness.start(dir, 3, 0, List.of());
        TestGateway gateway =
            TestGateway.start(
                "--redis-mode=cluster",
                "--redis-nodes=" + cluster.nodes().get(0).hostAndPort(),
                "--topology-refresh-ms=20")) {
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicLong written = new AtomicLong();
      Map<String, Long> refused = new ConcurrentHashMap<>();
      Thread writer =
          new Thread(
              () -> {
                for (long i = 0; writing.get(); i++) {
                  try {
                    gateway
                        .cache()
                        .set(
                            SetRequest.newBuilder()
                                .setKey(bytes("join:" + (i % 4096)))
                                .setValue(bytes("v" + i))
                                .build());
                    written.incrementAndGet();
                  } catch (StatusRuntimeException e) {
                    refused.merge(
                        e.getStatus().getCode() + ": " + e.getStatus().getDescription(),
                        1L,
                        Long::sum);
                  }
                }
              },
              "writer");
      writer.start();
      int anchor = cluster.nodes().get(0).port();
      for (int round = 0; round < 4; round++) {
        RedisProcess node = RedisProcess.server(dir, config).start();
        joined.add(node);
        RedisNodes.withNode(node.port(), c -> c.clusterMeet("127.0.0.1", anchor));
        // Joined when the new node serves the cluster itself: it knows every slot's owner.
        Awaitility.await("node " + node.port() + " knows the cluster")
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50))
            .ignoreExceptions()
            .until(
                () ->
                    RedisNodes.parseInfo(RedisNodes.withNode(node.port(), c -> c.clusterInfo()))
                        .get("cluster_state")
                        .equals("ok"));
      }
      long before = written.get();
      Awaitility.await("writes go on after the joins")
          .atMost(Duration.ofSeconds(10))
          .until(() -> written.get() > before + 100);
      writing.set(false);
      writer.join(Duration.ofSeconds(15).toMillis());
      assertThat(writer.isAlive()).as("writer stopped").isFalse();
      assertThat(written.get()).as("writes made").isGreaterThan(100);
      assertThat(refused).as("writes refused while nodes joined").isEmpty();
    } finally {
      joined.forEach(RedisProcess::kill);
    }
  }
}
