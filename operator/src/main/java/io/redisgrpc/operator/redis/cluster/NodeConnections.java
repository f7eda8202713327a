package io.redisgrpc.operator.redis.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.redisgrpc.operator.redis.Endpoint;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Admin connections to individual Redis nodes (not a cluster client: the operator needs to talk to
 * each node as itself, including nodes that are not part of a cluster yet). One connection per
 * address, reused across reconciliations, closed with this object.
 */
public final class NodeConnections implements AutoCloseable {
  /** Pods answer a connect within milliseconds on the cluster network. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

  private final RedisClient client;
  private final Function<Endpoint, RedisURI> uris;
  private final Map<String, StatefulRedisConnection<String, String>> connections =
      new ConcurrentHashMap<>();

  public NodeConnections(ClientResources resources, Function<Endpoint, RedisURI> uris) {
    this(resources, ClientOptions.create(), uris);
  }

  /**
   * @param options e.g. TLS settings for every node
   */
  public NodeConnections(
      ClientResources resources, ClientOptions options, Function<Endpoint, RedisURI> uris) {
    this.client = RedisClient.create(resources);
    // A round connects to its nodes one after another; an address whose pod has just gone may
    // not answer at all, and Lettuce's default (10 s) would hold the whole round up for it.
    this.client.setOptions(
        options
            .mutate()
            .socketOptions(
                options.getSocketOptions().mutate().connectTimeout(CONNECT_TIMEOUT).build())
            .build());
    this.uris = uris;
  }

  /**
   * Plain connections to host:port with a short timeout; credentials and TLS come with the ACL/TLS
   * work.
   */
  public static NodeConnections plain(ClientResources resources) {
    return new NodeConnections(
        resources,
        endpoint ->
            RedisURI.builder()
                .withHost(endpoint.host())
                .withPort(endpoint.port())
                .withTimeout(Duration.ofSeconds(5))
                .build());
  }

  public RedisCommands<String, String> to(Endpoint endpoint) {
    String key = endpoint.host() + ":" + endpoint.port();
    StatefulRedisConnection<String, String> connection =
        connections.compute(
            key,
            (k, existing) ->
                existing != null && existing.isOpen()
                    ? existing
                    : client.connect(uris.apply(endpoint)));
    return connection.sync();
  }

  @Override
  public void close() {
    connections.values().forEach(StatefulRedisConnection::close);
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
