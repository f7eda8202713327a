package io.redisgrpc.testkit;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** Short-lived admin connections to single test nodes (ports on 127.0.0.1). */
public final class RedisNodes {
  private static final ClientResources RESOURCES = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();

  private RedisNodes() {}

  public static RedisURI uri(int port) {
    return RedisURI.builder().withHost("127.0.0.1").withPort(port).withTimeout(Duration.ofSeconds(5)).build();
  }

  /** Runs {@code action} on a fresh connection to the node and closes it again. */
  public static <T> T withNode(RedisURI uri, Function<RedisCommands<String, String>, T> action) {
    RedisClient client = RedisClient.create(RESOURCES, uri);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      return action.apply(connection.sync());
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  public static <T> T withNode(int port, Function<RedisCommands<String, String>, T> action) {
    return withNode(uri(port), action);
  }

  public static <T> T withSentinel(int port, Function<RedisSentinelCommands<String, String>, T> action) {
    RedisClient client = RedisClient.create(RESOURCES, uri(port));
    try (StatefulRedisSentinelConnection<String, String> connection = client.connectSentinel()) {
      return action.apply(connection.sync());
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** Parses the "key:value" lines of INFO / CLUSTER INFO. */
  public static Map<String, String> parseInfo(String info) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : info.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        fields.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    return fields;
  }
}
