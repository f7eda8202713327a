package io.redisgrpc.testkit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.lettuce.core.sentinel.api.sync.RedisSentinelCommands;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Short-lived admin connections to single test nodes (ports on 127.0.0.1).
 *
 * <p>One client for every connection, never shut down: a client per call released the shared event
 * loop group after each call, and Lettuce shuts a group down once its last client has released it,
 * so a call right after the previous one could get a terminating event loop and fail with
 * "Connection closed prematurely" (seen under load in a cold CI run, with "event executor
 * terminated" in the log).
 */
public final class RedisNodes {
  private static final ClientResources RESOURCES =
      DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
  private static final RedisClient CLIENT = RedisClient.create(RESOURCES);

  /**
   * Anonymous RESP2 connections: no HELLO or AUTH in the handshake, so the handshake cannot be
   * refused.
   */
  private static final RedisClient ANONYMOUS = RedisClient.create(RESOURCES);

  static {
    ANONYMOUS.setOptions(
        ClientOptions.builder()
            .protocolVersion(ProtocolVersion.RESP2)
            .pingBeforeActivateConnection(false)
            .build());
  }

  private RedisNodes() {}

  public static RedisURI uri(int port) {
    return RedisURI.builder()
        .withHost("127.0.0.1")
        .withPort(port)
        .withTimeout(Duration.ofSeconds(5))
        .build();
  }

  /** Runs {@code action} on a fresh connection to the node and closes it again. */
  public static <T> T withNode(RedisURI uri, Function<RedisCommands<String, String>, T> action) {
    try (StatefulRedisConnection<String, String> connection = CLIENT.connect(uri)) {
      return action.apply(connection.sync());
    }
  }

  public static <T> T withNode(int port, Function<RedisCommands<String, String>, T> action) {
    return withNode(uri(port), action);
  }

  public static <T> T withSentinel(
      int port, Function<RedisSentinelCommands<String, String>, T> action) {
    try (StatefulRedisSentinelConnection<String, String> connection =
        CLIENT.connectSentinel(uri(port))) {
      return action.apply(connection.sync());
    }
  }

  /**
   * What the node answers to a login as {@code user} (or, with a null user, to a PING without one):
   * "OK" / "PONG", or the error it replies, e.g. "WRONGPASS ..." or "NOAUTH ...".
   *
   * <p>A refused login is sent as a command on an anonymous connection, not in the connection
   * handshake: when a handshake fails fast, Lettuce can report "RedisHandshakeHandler not
   * registered" instead of the server's reply (the channel is closed and its handlers removed
   * before the connect listener runs; seen under load in a cold CI run).
   */
  public static String loginReply(int port, String user, String password) {
    try (StatefulRedisConnection<String, String> connection = ANONYMOUS.connect(uri(port))) {
      return user == null ? connection.sync().ping() : connection.sync().auth(user, password);
    } catch (RedisCommandExecutionException refused) {
      return refused.getMessage();
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
