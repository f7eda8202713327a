package io.redisgrpc.operator;

import io.lettuce.core.RedisURI;
import io.lettuce.core.api.sync.RedisCommands;
import io.redisgrpc.operator.lifecycle.RedisEndpoints;
import io.redisgrpc.operator.redis.Endpoint;
import io.redisgrpc.operator.redis.sentinel.SentinelMasterDiscovery.Sentinel;
import io.redisgrpc.testkit.RedisNodes;
import io.redisgrpc.testkit.RedisProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The operator tests' stand-ins for pods (there is no kubelet here): redis-server and
 * redis-sentinel processes on loopback, handed to the operator as the cache's endpoints in pod
 * order, and logins to them as a given ACL user.
 */
public final class LoopbackPods {
  private LoopbackPods() {}

  /** Every process as a ready pod, ordinal = list index; no TLS. */
  public static RedisEndpoints.Topology topology(
      List<RedisProcess> nodes, List<RedisProcess> sentinels) {
    return topology(nodes, sentinels, true, Optional.empty());
  }

  public static RedisEndpoints.Topology topology(
      List<RedisProcess> nodes,
      List<RedisProcess> sentinels,
      boolean complete,
      Optional<String> trustBundle) {
    List<Endpoint> endpoints = new ArrayList<>();
    Map<String, Integer> aliases = new LinkedHashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      endpoints.add(new Endpoint("127.0.0.1", nodes.get(i).port(), null));
      aliases.put("127.0.0.1:" + nodes.get(i).port(), i);
    }
    List<Sentinel> sentinelEndpoints =
        sentinels.stream().map(s -> new Sentinel("127.0.0.1", s.port())).toList();
    return new RedisEndpoints.Topology(
        endpoints, complete, sentinelEndpoints, aliases, trustBundle);
  }

  /**
   * Runs {@code action} on {@code node} logged in as {@code user}, on the testkit's shared client.
   */
  public static <T> T as(
      RedisProcess node,
      String user,
      String password,
      Function<RedisCommands<String, String>, T> action) {
    return RedisNodes.withNode(
        RedisURI.builder()
            .withHost("127.0.0.1")
            .withPort(node.port())
            .withAuthentication(user, password)
            .withTimeout(Duration.ofSeconds(5))
            .build(),
        action);
  }
}
