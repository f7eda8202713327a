package io.redisgrpc.testkit;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * A Sentinel group on loopback: one master, {@code replicas} replicas and {@code sentinels}
 * redis-sentinel processes monitoring them under {@link #MASTER_NAME}, tuned to fail over in a few
 * seconds (down-after 1 s).
 */
public final class RedisSentinelHarness implements AutoCloseable {
  public static final String MASTER_NAME = "mymaster";

  private final List<RedisProcess> dataNodes;
  private final List<RedisProcess> sentinels;

  private RedisSentinelHarness(List<RedisProcess> dataNodes, List<RedisProcess> sentinels) {
    this.dataNodes = dataNodes;
    this.sentinels = sentinels;
  }

  public static RedisSentinelHarness start(
      Path parent, int replicas, int sentinelCount, int quorum, List<String> extraRedisConfig) {
    List<RedisProcess> dataNodes = new ArrayList<>();
    List<RedisProcess> sentinels = new ArrayList<>();
    RedisSentinelHarness harness = new RedisSentinelHarness(dataNodes, sentinels);
    try {
      RedisProcess master = RedisProcess.server(parent, extraRedisConfig).start();
      dataNodes.add(master);
      for (int i = 0; i < replicas; i++) {
        List<String> config = new ArrayList<>(extraRedisConfig);
        config.add("replicaof 127.0.0.1 " + master.port());
        dataNodes.add(RedisProcess.server(parent, config).start());
      }
      for (int i = 0; i < sentinelCount; i++) {
        int port = RedisProcess.freePort();
        sentinels.add(
            new RedisProcess(
                    RedisBinaries.sentinel(),
                    port,
                    RedisProcess.createDir(parent, "sentinel-" + port),
                    List.of(
                        "sentinel monitor "
                            + MASTER_NAME
                            + " 127.0.0.1 "
                            + master.port()
                            + " "
                            + quorum,
                        "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                        "sentinel failover-timeout " + MASTER_NAME + " 4000",
                        "sentinel parallel-syncs " + MASTER_NAME + " 1"))
                .start());
      }
      harness.awaitHealthy(Duration.ofSeconds(60));
      return harness;
    } catch (RuntimeException e) {
      harness.close();
      throw e;
    }
  }

  /**
   * Every sentinel agrees on a master and sees all replicas and the other sentinels; replicas are
   * in sync.
   */
  public void awaitHealthy(Duration timeout) {
    Awaitility.await("sentinel group healthy")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(this::isHealthy);
  }

  public boolean isHealthy() {
    long liveSentinels = sentinels.stream().filter(RedisProcess::isAlive).count();
    long liveReplicas = dataNodes.stream().filter(RedisProcess::isAlive).count() - 1;
    Integer masterPort = null;
    for (RedisProcess sentinel : sentinels) {
      if (!sentinel.isAlive()) {
        continue;
      }
      Map<String, String> master =
          RedisNodes.withSentinel(sentinel.port(), s -> s.master(MASTER_NAME));
      if (master.get("flags").contains("down")
          || Long.parseLong(master.get("num-slaves")) < liveReplicas
          || Long.parseLong(master.get("num-other-sentinels")) < liveSentinels - 1) {
        return false;
      }
      int port = Integer.parseInt(master.get("port"));
      if (masterPort != null && masterPort != port) {
        return false;
      }
      masterPort = port;
    }
    for (RedisProcess node : dataNodes) {
      if (node.isAlive() && node.port() != masterPort) {
        Map<String, String> replication =
            RedisNodes.parseInfo(RedisNodes.withNode(node.port(), c -> c.info("replication")));
        if (!"up".equals(replication.get("master_link_status"))) {
          return false;
        }
      }
    }
    return masterPort != null;
  }

  /** The data node the first live sentinel names as master. */
  public RedisProcess currentMaster() {
    RedisProcess sentinel =
        sentinels.stream()
            .filter(RedisProcess::isAlive)
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no sentinel alive"));
    SocketAddress address =
        RedisNodes.withSentinel(sentinel.port(), s -> s.getMasterAddrByName(MASTER_NAME));
    int port = ((InetSocketAddress) address).getPort();
    return dataNodes.stream()
        .filter(node -> node.port() == port)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("sentinel names unknown master port " + port));
  }

  public List<RedisProcess> dataNodes() {
    return dataNodes;
  }

  public List<RedisProcess> sentinels() {
    return sentinels;
  }

  public String sentinelList() {
    return String.join(",", sentinels.stream().map(RedisProcess::hostAndPort).toList());
  }

  @Override
  public void close() {
    sentinels.forEach(RedisProcess::kill);
    dataNodes.forEach(RedisProcess::kill);
  }
}
