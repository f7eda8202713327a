package io.redisgrpc.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A real Redis Cluster of {@code masters × (1 + replicasPerMaster)} redis-server processes on
 * loopback, formed with {@code redis-cli --cluster create} (the operator has its own formation
 * logic; this harness is only the test fixture).
 */
public final class RedisClusterHarness implements AutoCloseable {
  private final List<RedisProcess> nodes;
  private final int masters;
  private final int replicasPerMaster;

  private RedisClusterHarness(List<RedisProcess> nodes, int masters, int replicasPerMaster) {
    this.nodes = nodes;
    this.masters = masters;
    this.replicasPerMaster = replicasPerMaster;
  }

  /** Starts the processes only, as cluster-enabled but unformed nodes. */
  public static RedisClusterHarness startNodes(
      Path parent, int masters, int replicasPerMaster, List<String> extraConfig) {
    List<String> config =
        new ArrayList<>(
            List.of(
                "cluster-enabled yes",
                "cluster-config-file nodes.conf",
                "cluster-node-timeout 2000",
                "cluster-replica-validity-factor 0"));
    config.addAll(extraConfig);
    List<RedisProcess> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < masters * (1 + replicasPerMaster); i++) {
        nodes.add(RedisProcess.server(parent, config).start());
      }
    } catch (RuntimeException e) {
      nodes.forEach(RedisProcess::kill);
      throw e;
    }
    return new RedisClusterHarness(nodes, masters, replicasPerMaster);
  }

  /** Starts and forms the cluster, then waits until every node reports it healthy. */
  public static RedisClusterHarness start(
      Path parent, int masters, int replicasPerMaster, List<String> extraConfig) {
    RedisClusterHarness cluster = startNodes(parent, masters, replicasPerMaster, extraConfig);
    try {
      cluster.form();
      cluster.awaitHealthy(Duration.ofSeconds(60));
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * Forms the cluster of nodes started with {@link #startNodes} ({@code redis-cli --cluster
   * create}).
   */
  public void form() {
    List<String> command = new ArrayList<>(List.of(RedisBinaries.cli(), "--cluster", "create"));
    nodes.forEach(node -> command.add(node.hostAndPort()));
    command.addAll(
        List.of("--cluster-replicas", String.valueOf(replicasPerMaster), "--cluster-yes"));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("redis-cli --cluster create failed:\n" + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Every live node: cluster_state ok, all nodes known, all slots assigned and replicas in sync.
   */
  public void awaitHealthy(Duration timeout) {
    Awaitility.await("cluster of " + nodes.size() + " nodes healthy")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(this::isHealthy);
  }

  public boolean isHealthy() {
    int liveMasters = 0;
    for (RedisProcess node : nodes) {
      if (!node.isAlive()) {
        continue;
      }
      Map<String, String> info =
          RedisNodes.parseInfo(RedisNodes.withNode(node.port(), c -> c.clusterInfo()));
      if (!"ok".equals(info.get("cluster_state"))
          || !"16384".equals(info.get("cluster_slots_ok"))) {
        return false;
      }
      Map<String, String> replication =
          RedisNodes.parseInfo(RedisNodes.withNode(node.port(), c -> c.info("replication")));
      if ("master".equals(replication.get("role"))) {
        liveMasters++;
      } else if (!"up".equals(replication.get("master_link_status"))) {
        return false;
      }
    }
    return liveMasters >= masters;
  }

  public List<RedisProcess> nodes() {
    return nodes;
  }

  @Override
  public void close() {
    nodes.forEach(RedisProcess::kill);
  }
}
